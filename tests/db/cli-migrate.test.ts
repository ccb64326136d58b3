// The real Prisma CLI, offline, against fresh databases: the committed migrations build every model's
// table, match prisma/models.prisma, and produce what tests/support/db.ts produces by applying the same
// files directly.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgConnectionFields, pgUrlWithDatabase } from "../../prisma/support/database-url";
import { runPrisma, type PrismaRun } from "../../prisma/support/run-prisma";
import {
  TEST_DATABASE_PREFIX,
  createTestDatabase,
  postgresAvailable,
  postgresSkipReason,
  testServerUrl,
} from "../support/db";
import { expectedTables, migrationFolders, postgresColumns, sqliteColumns } from "./schema-facts";

// Any attempt to download an engine goes here and fails at once (the machine has no network anyway).
const OFFLINE = { PRISMA_ENGINES_MIRROR: "http://127.0.0.1:9" };
// The schema engine's own timeout timer is 10 s and pg-pool's idle timeout 10 s: a CLI that waits for
// either (prisma/support/cli-adapters.ts workarounds 4 and 6 undone) takes longer than this.
const PROMPT_EXIT_MS = 8_000;

function cli(args: string[], databaseUrl: string): Promise<PrismaRun> {
  return runPrisma(args, { databaseUrl, env: OFFLINE, timeoutMs: 60_000 });
}

function expectOk(run: PrismaRun): void {
  const output = `${run.stdout}\n${run.stderr}`;
  expect(output, output).not.toMatch(/binaries\.prisma\.sh|127\.0\.0\.1:9/);
  expect(run.code, output).toBe(0);
}

const pgUp = await postgresAvailable();

describe("SQLite: prisma migrate deploy (real CLI, offline)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "syncline-cli-"));
  // A folder that does not exist yet: the CLI adapter must create it, as on a fresh clone (data/).
  const file = path.join(dir, "nested", "cli.sqlite");
  const url = `file:${file}`;
  let deploy: PrismaRun;

  beforeAll(async () => {
    deploy = await cli(["migrate", "deploy"], url);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("GIVEN no database file WHEN migrate deploy runs THEN it succeeds offline and exits promptly", () => {
    expectOk(deploy);
    expect(deploy.stdout).toContain("All migrations have been successfully applied");
    expect(deploy.ms).toBeLessThan(PROMPT_EXIT_MS);
  });

  it("THEN every model has its table and every committed migration is recorded as finished", async () => {
    expect(Object.keys(sqliteColumns(file)).sort()).toEqual(expectedTables());
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(file, { readonly: true });
    const rows = db
      .prepare("SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name")
      .all() as Array<{ migration_name: string }>;
    db.close();
    expect(rows.map((r) => r.migration_name)).toEqual(migrationFolders("sqlite"));
  });

  it("THEN tests/support/db.ts, which applies the same files directly, builds the same tables and columns", async () => {
    const helper = await createTestDatabase("sqlite", { name: "cli-compare" });
    try {
      expect(sqliteColumns(helper.url.slice("file:".length))).toEqual(sqliteColumns(file));
    } finally {
      await helper.drop();
    }
  });

  it("WHEN migrate dev runs on the migrated database THEN it finds nothing to do (shadow replay works)", async () => {
    const run = await cli(["migrate", "dev", "--skip-generate"], url);
    expectOk(run);
    expect(run.stdout).toContain("Already in sync");
  });

  it("WHEN the committed migrations are diffed against prisma/models.prisma THEN there is no difference", async () => {
    const run = await cli(
      ["migrate", "diff", "--from-migrations", "prisma/sqlite/migrations", "--to-schema-datamodel", "prisma/sqlite", "--exit-code"],
      `file:${path.join(dir, "scratch.sqlite")}`,
    );
    // Exit code 2 means models.prisma changed without a migration: npm run db:migrate:new -- --name <x>
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  });
});

describe.skipIf(!pgUp)(`PostgreSQL: prisma migrate deploy (real CLI, offline)${pgUp ? "" : ` — skipped: ${postgresSkipReason()}`}`, () => {
  const database = `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString("hex")}_cli`;
  const url = pgUrlWithDatabase(testServerUrl(), database);
  let deploy: PrismaRun;

  async function admin(sql: string): Promise<void> {
    const client = new pg.Client(pgConnectionFields(testServerUrl()));
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    await admin(`CREATE DATABASE "${database}"`);
    deploy = await cli(["migrate", "deploy"], url);
  });
  afterAll(() => admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));

  it("GIVEN an empty database WHEN migrate deploy runs THEN it succeeds offline and exits promptly", () => {
    expectOk(deploy);
    expect(deploy.stdout).toContain("All migrations have been successfully applied");
    expect(deploy.ms).toBeLessThan(PROMPT_EXIT_MS);
  });

  it("THEN every model has its table and every committed migration is recorded as finished", async () => {
    expect(Object.keys(await postgresColumns(url)).sort()).toEqual(expectedTables());
    const client = new pg.Client(pgConnectionFields(url));
    await client.connect();
    const { rows } = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`,
    );
    await client.end();
    expect(rows.map((r) => r.migration_name)).toEqual(migrationFolders("postgresql"));
  });

  it("THEN tests/support/db.ts, which applies the same files directly, builds the same tables and columns", async () => {
    const helper = await createTestDatabase("postgresql", { name: "cli-compare" });
    try {
      expect(await postgresColumns(helper.url)).toEqual(await postgresColumns(url));
    } finally {
      await helper.drop();
    }
  });

  it("WHEN migrate dev runs on the migrated database THEN it finds nothing to do (shadow database created and replayed)", async () => {
    const run = await cli(["migrate", "dev", "--skip-generate"], url);
    expectOk(run);
    expect(run.stdout).toContain("Already in sync");
    expect(run.ms).toBeLessThan(PROMPT_EXIT_MS);
  });

  it("WHEN the committed migrations are diffed against prisma/models.prisma THEN there is no difference", async () => {
    const run = await cli(
      ["migrate", "diff", "--from-migrations", "prisma/postgresql/migrations", "--to-schema-datamodel", "prisma/postgresql", "--exit-code"],
      url,
    );
    // Exit code 2 means models.prisma changed without a migration: npm run db:migrate:new -- --name <x>
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  });
});

describe("prisma validate (real CLI, offline)", () => {
  it.each(["sqlite", "postgresql"] as const)(
    "GIVEN the %s schema folder WHEN validated with no engine download possible THEN it is valid",
    async (provider) => {
      const url = provider === "sqlite" ? `file:${path.join(os.tmpdir(), "syncline-validate.sqlite")}` : testServerUrl();
      // The datasource keeps a dummy url: without it this very command tries to download a query engine.
      const run = await runPrisma(["validate", "--schema", `prisma/${provider}`], { databaseUrl: url, env: OFFLINE });
      expectOk(run);
      expect(run.stdout).toMatch(/are valid/);
    },
  );
});
