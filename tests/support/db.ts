// Fresh, fully migrated databases for tests.
//
//   const db = await createTestDatabase("sqlite");       // or "postgresql"
//   await db.prisma.shop.create({ ... });
//   await db.drop();
//
// Speed matters (suites create many), so the committed prisma/<provider>/migrations/*/migration.sql files
// are applied directly instead of through the Prisma CLI. tests/db/cli-migrate.test.ts proves that
// `prisma migrate deploy` builds the same tables from the same files. There is no _prisma_migrations table
// in these databases: do not point the CLI at them.
//
// PostgreSQL: databases are created on TEST_DATABASE_URL's server (default
// postgres://postgres@127.0.0.1:5432/postgres) as syncline_test_<epoch>_<random>[_<name>]; drop() removes
// them, and databases of that shape older than 6 hours (left by a killed run) are swept on first use.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";
import { createPrismaClient, type PrismaClient } from "../../app/db.server";
import {
  pgConnectionFields,
  pgUrlWithDatabase,
  redactUrl,
  type DbProvider,
} from "../../prisma/support/database-url";
import { PROJECT_ROOT } from "../../prisma/support/run-prisma";

export type { DbProvider };

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  provider: DbProvider;
  drop(): Promise<void>;
}

export const DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_DATABASE_PREFIX = "syncline_test_";
const STALE_AFTER_SECONDS = 6 * 60 * 60;

/** The PostgreSQL server tests use (any database on it: test databases are created beside it). */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL?.trim() || DEFAULT_TEST_DATABASE_URL;
}

/** The migration scripts of `provider`, in the order the CLI applies them (folder names sort by time). */
export function migrationScripts(provider: DbProvider): Array<{ name: string; sql: string }> {
  const dir = path.join(PROJECT_ROOT, "prisma", provider, "migrations");
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({ name, sql: fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8") }));
}

let availability: Promise<boolean> | undefined;

/** Whether the test PostgreSQL server answers. Checked once per process, within ~2 s. */
export function postgresAvailable(): Promise<boolean> {
  availability ??= (async () => {
    const client = new pg.Client({ ...pgConnectionFields(testServerUrl()), connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return availability;
}

/** For skip messages: `describe.skipIf(!pg)(\`PostgreSQL (${postgresSkipReason()})\`, ...)`. */
export function postgresSkipReason(): string {
  return `no PostgreSQL server reachable at ${redactUrl(testServerUrl())}; set TEST_DATABASE_URL or start one`;
}

export async function createTestDatabase(
  provider: DbProvider,
  opts: { name?: string } = {},
): Promise<TestDatabase> {
  return provider === "sqlite" ? createSqlite(opts.name) : createPostgres(opts.name);
}

function label(name: string | undefined, max: number): string {
  const clean = (name ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, max);
  return clean ? `_${clean}` : "";
}

async function createSqlite(name: string | undefined): Promise<TestDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "syncline-test-"));
  const file = path.join(dir, `db${label(name, 40)}.sqlite`);
  const db = new Database(file);
  try {
    for (const migration of migrationScripts("sqlite")) db.exec(migration.sql);
  } finally {
    db.close();
  }
  const url = `file:${file}`;
  const prisma = createPrismaClient(url);
  return {
    url,
    prisma,
    provider: "sqlite",
    async drop() {
      await prisma.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const fields = pgConnectionFields(testServerUrl());
  const client = new pg.Client({ ...fields, database: database ?? fields.database, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

let swept: Promise<void> | undefined;

function sweepStaleDatabases(): Promise<void> {
  swept ??= withAdminClient(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`${TEST_DATABASE_PREFIX}%`],
    );
    const cutoff = Math.floor(Date.now() / 1000) - STALE_AFTER_SECONDS;
    for (const { datname } of rows) {
      const epoch = Number(datname.slice(TEST_DATABASE_PREFIX.length).split("_")[0]);
      if (Number.isInteger(epoch) && epoch < cutoff) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
      }
    }
  }).catch(() => {});
  return swept;
}

async function createPostgres(name: string | undefined): Promise<TestDatabase> {
  if (!(await postgresAvailable())) throw new Error(`createTestDatabase("postgresql"): ${postgresSkipReason()}`);
  await sweepStaleDatabases();
  // 14 + 10 + 1 + 12 + up to 1 + 25 <= 63, PostgreSQL's identifier limit.
  const database = `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString("hex")}${label(name, 25)}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE "${database}"`));
  try {
    await withAdminClient(async (client) => {
      // One simple-protocol query per file: the same unit the CLI applies (prisma/support/cli-adapters.ts).
      for (const migration of migrationScripts("postgresql")) await client.query(migration.sql);
    }, database);
  } catch (error) {
    await dropPostgres(database);
    throw error;
  }
  const url = pgUrlWithDatabase(testServerUrl(), database);
  const prisma = createPrismaClient(url, { poolSize: 5 });
  return {
    url,
    prisma,
    provider: "postgresql",
    async drop() {
      await prisma.$disconnect();
      await dropPostgres(database);
    },
  };
}

function dropPostgres(database: string): Promise<unknown> {
  return withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}
