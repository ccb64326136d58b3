// npm run db:migrate:new -- --name <what_changed>
//
// Writes the migration that brings each database from its committed migrations to prisma/models.prisma,
// for BOTH databases, under the same folder name:
//   prisma/sqlite/migrations/<timestamp>_<name>/migration.sql
//   prisma/postgresql/migrations/<timestamp>_<name>/migration.sql
// Nothing is applied: review the SQL, then `npm run db:migrate` applies it to the database in DATABASE_URL.
//
// It uses `prisma migrate diff --from-migrations` (the committed migrations replayed into a shadow
// database) rather than `migrate dev`, so no development database is touched and both folders get the
// same name. PostgreSQL must be reachable for its shadow database: DATABASE_URL if it is a postgres://
// URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { pgConnectionFields, providerFromUrl, redactUrl, type DbProvider } from "./database-url";
import { PROJECT_ROOT, runPrisma } from "./run-prisma";

const PROVIDERS: DbProvider[] = ["sqlite", "postgresql"];
const DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432/postgres";

export function migrationName(argv: string[]): string {
  const i = argv.findIndex((a) => a === "--name" || a.startsWith("--name="));
  const raw = i < 0 ? undefined : argv[i].includes("=") ? argv[i].slice("--name=".length) : argv[i + 1];
  const name = (raw ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!name) throw new Error("Usage: npm run db:migrate:new -- --name <what_changed>   (e.g. --name add_orders)");
  return name;
}

export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** True when a diff script holds no statement (Prisma writes "-- This is an empty migration."). */
export function isEmptyScript(sql: string): boolean {
  return sql
    .split("\n")
    .map((line) => line.trim())
    .every((line) => line === "" || line.startsWith("--"));
}

/**
 * The JS schema engine opens a diff from nothing with `CREATE SCHEMA IF NOT EXISTS "public"`; the binary
 * engine never wrote it, and on managed servers it needs the CREATE privilege on the database even when
 * the schema exists. Our databases always have `public`.
 */
export function withoutPublicSchema(sql: string): string {
  return sql.replace(/^-- CreateSchema\s*\nCREATE SCHEMA IF NOT EXISTS "public";\s*\n+/m, "");
}

function pgServerUrl(): string {
  for (const candidate of [process.env.DATABASE_URL, process.env.TEST_DATABASE_URL]) {
    if (candidate && /^postgres(ql)?:\/\//i.test(candidate.trim())) return candidate.trim();
  }
  return DEFAULT_PG_SERVER;
}

async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ ...pgConnectionFields(url), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${redactUrl(url)} is needed for its shadow database (${(error as Error).message}). ` +
        `Start it, or point TEST_DATABASE_URL at a server where this user may CREATE DATABASE.`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

export async function diffFromMigrations(provider: DbProvider, databaseUrl: string): Promise<string> {
  const run = await runPrisma(
    [
      "migrate",
      "diff",
      "--from-migrations",
      `prisma/${provider}/migrations`,
      "--to-schema-datamodel",
      `prisma/${provider}`,
      "--script",
    ],
    { databaseUrl },
  );
  if (run.code !== 0) throw new Error(`prisma migrate diff (${provider}) failed:\n${run.stdout}\n${run.stderr}`);
  if (providerFromUrl(databaseUrl) !== provider) throw new Error(`internal: ${databaseUrl} is not ${provider}`);
  return run.stdout;
}

async function main(): Promise<void> {
  const name = migrationName(process.argv.slice(2));
  const pgUrl = pgServerUrl();
  await assertReachable(pgUrl);
  // The CLI opens the database in DATABASE_URL even for a diff; for SQLite, a scratch file will do.
  const scratch = path.join(os.tmpdir(), `syncline-migrate-${randomBytes(4).toString("hex")}.sqlite`);
  const urls: Record<DbProvider, string> = { sqlite: `file:${scratch}`, postgresql: pgUrl };

  const scripts = {} as Record<DbProvider, string>;
  try {
    for (const provider of PROVIDERS) scripts[provider] = await diffFromMigrations(provider, urls[provider]);
  } finally {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) fs.rmSync(scratch + suffix, { force: true });
  }

  const empty = PROVIDERS.filter((p) => isEmptyScript(scripts[p]));
  if (empty.length === PROVIDERS.length) {
    console.log("No change: the committed migrations already match prisma/models.prisma.");
    return;
  }
  if (empty.length > 0) {
    throw new Error(
      `Only ${PROVIDERS.filter((p) => !empty.includes(p)).join(", ")} has changes; the migration folders have ` +
        `drifted apart. Compare prisma/sqlite/migrations and prisma/postgresql/migrations.`,
    );
  }

  const folder = `${timestamp()}_${name}`;
  for (const provider of PROVIDERS) {
    const dir = path.join(PROJECT_ROOT, "prisma", provider, "migrations", folder);
    if (fs.existsSync(dir)) throw new Error(`${dir} already exists`);
    const sql = provider === "postgresql" ? withoutPublicSchema(scripts[provider]) : scripts[provider];
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "migration.sql"), sql);
    console.log(`Wrote ${path.relative(PROJECT_ROOT, path.join(dir, "migration.sql"))}`);
  }
  console.log("Review both files, then run `npm run db:migrate` to apply to the database in DATABASE_URL.");
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
