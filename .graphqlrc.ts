import { ApiType, shopifyApiProject } from "@shopify/api-codegen-preset";

// Types for every Admin operation in app/graphql, from the real 2026-07 schema. The preset reads the schema from
// app/types/admin-2026-07.schema.json when that file exists (scripts/unpack-schema.mjs writes it from the committed
// copy), so codegen never goes to the network.
export default {
  schema: "./app/types/admin-2026-07.schema.json",
  documents: ["./app/graphql/**/*.ts"],
  projects: {
    default: shopifyApiProject({
      apiType: ApiType.Admin,
      apiVersion: "2026-07",
      documents: ["./app/graphql/**/*.ts"],
      outputDir: "./app/types",
    }),
  },
};
