// Prisma CLI configuration. Offline by construction: the JavaScript schema engine talks to the database
// through a driver adapter, so no schema-engine or query-engine binary is ever downloaded
// (docs/decisions/001-databases-and-offline-prisma.md).
//
// DATABASE_URL picks the database exactly as the app does (prisma/support/database-url.ts):
//   unset or file:...                  -> prisma/sqlite      (schema folder + migrations)
//   postgres://... or postgresql://... -> prisma/postgresql
// The CLI does not read .env when this file exists: export DATABASE_URL in the shell.
import { defineConfig } from "prisma/config";
import { cliAdapterFactory, unrefEngineTimers } from "./prisma/support/cli-adapters";
import { providerFromUrl, resolveDatabaseUrl } from "./prisma/support/database-url";

const url = resolveDatabaseUrl(process.env.DATABASE_URL);
const provider = providerFromUrl(url);

// This file only ever runs inside the Prisma CLI process.
unrefEngineTimers();

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  // A folder: schema.prisma (datasource + generators) and models.prisma, a symlink to prisma/models.prisma.
  schema: `prisma/${provider}`,
  migrations: { path: `prisma/${provider}/migrations` },
  adapter: async () => cliAdapterFactory(url),
});
