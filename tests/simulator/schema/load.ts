import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";

import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";

/** The real Admin API 2026-07 schema, from the introspection result shipped in @shopify/dev-mcp@1.16.0. */
export const ADMIN_SCHEMA_FILE = resolve(import.meta.dirname, "admin_2026-07.json.gz");

let cached: GraphQLSchema | undefined;

export function loadAdminSchema(): GraphQLSchema {
  if (!cached) {
    const json = JSON.parse(gunzipSync(readFileSync(ADMIN_SCHEMA_FILE)).toString("utf8")) as
      | { data: IntrospectionQuery }
      | IntrospectionQuery;
    cached = buildClientSchema("data" in json ? json.data : json);
  }
  return cached;
}
