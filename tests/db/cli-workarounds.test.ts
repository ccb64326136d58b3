// Each workaround in prisma/support/cli-adapters.ts, shown failing without it (against the stock adapter)
// and working with it. If an upgrade makes a workaround unnecessary, its "without" case fails: remove the
// workaround then, and this test with it.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CatalogTypesAsTextClient,
  PgCliAdapterFactory,
  SHADOW_DATABASE_PREFIX,
  cliAdapterFactory,
  sqliteScriptsToExec,
} from "../../prisma/support/cli-adapters";
import { pgConnectionFields } from "../../prisma/support/database-url";
import { PROJECT_ROOT } from "../../prisma/support/run-prisma";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";

const q = (sql: string) => ({ sql, args: [], argTypes: [] });
const TEXT = 7; // ColumnTypeEnum.Text
const pgUp = await postgresAvailable();

describe("1. SQLite: argument-less multi-statement SQL goes to exec()", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "syncline-wa-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const script = `CREATE TABLE "a" ("x" TEXT); CREATE TABLE "b" ("y" TEXT);`;

  it("GIVEN the stock adapter WHEN a migration script is sent through executeRaw THEN prepare() rejects it", async () => {
    const adapter = await new PrismaBetterSQLite3({ url: path.join(dir, "stock.sqlite") }).connect();
    await expect(adapter.executeRaw(q(script))).rejects.toThrow(/more than one statement/);
    await adapter.dispose();
  });

  it("GIVEN the CLI adapter WHEN the same script is sent through executeRaw and queryRaw THEN every statement runs", async () => {
    const adapter = sqliteScriptsToExec(await new PrismaBetterSQLite3({ url: path.join(dir, "cli.sqlite") }).connect());
    await expect(adapter.executeRaw(q(script))).resolves.toBe(0);
    await expect(adapter.queryRaw(q(`CREATE TABLE "c" ("z" TEXT); CREATE TABLE "d" ("w" TEXT);`))).resolves.toMatchObject({ rows: [] });
    const tables = await adapter.queryRaw(q(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`));
    expect(tables.rows.map((row) => row[0])).toEqual(["a", "b", "c", "d"]);
    await adapter.dispose();
  });

  it("GIVEN the CLI adapter WHEN multi-statement SQL carries arguments THEN it is still refused (only scripts are rerouted)", async () => {
    const adapter = sqliteScriptsToExec(await new PrismaBetterSQLite3({ url: path.join(dir, "args.sqlite") }).connect());
    const withArgs = { sql: `SELECT ?; SELECT 2;`, args: [1], argTypes: [{ scalarType: "int" as const, arity: "scalar" as const }] };
    await expect(adapter.queryRaw(withArgs)).rejects.toThrow(/more than one statement/);
    await adapter.dispose();
  });

  it("GIVEN the CLI factory WHEN its shadow database replays a script THEN it works there too", async () => {
    const shadow = await cliAdapterFactory(`file:${path.join(dir, "main.sqlite")}`).connectToShadowDb();
    await expect(shadow.executeRaw(q(script))).resolves.toBe(0);
    await shadow.dispose();
  });
});

describe.skipIf(!pgUp)(`PostgreSQL workarounds${pgUp ? "" : ` — skipped: ${postgresSkipReason()}`}`, () => {
  let db: TestDatabase;
  let database: string;
  beforeAll(async () => {
    db = await createTestDatabase("postgresql", { name: "workarounds" });
    database = pgConnectionFields(db.url).database;
  });
  afterAll(() => db?.drop());

  async function databaseExists(name: string): Promise<boolean> {
    const client = new pg.Client(pgConnectionFields(db.url));
    await client.connect();
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    await client.end();
    return rowCount === 1;
  }

  describe("2. catalog types name and \"char\" read as text", () => {
    const catalogQuery = q(`SELECT 'x'::name AS n, 'c'::"char" AS c`);

    it("GIVEN the stock adapter WHEN a catalog-typed column is read THEN it is rejected as an unsupported type", async () => {
      const adapter = await new PrismaPg({ ...pgConnectionFields(db.url) }).connect();
      await expect(adapter.queryRaw(catalogQuery)).rejects.toMatchObject({ cause: { kind: "UnsupportedNativeDataType" } });
      await adapter.dispose();
    });

    it("GIVEN the CLI adapter WHEN read through the pool and inside a transaction THEN both come back as text", async () => {
      const adapter = await new PgCliAdapterFactory(db.url).connect();
      const direct = await adapter.queryRaw(catalogQuery);
      expect(direct.rows).toEqual([["x", "c"]]);
      expect(direct.columnTypes).toEqual([TEXT, TEXT]);
      const tx = await adapter.startTransaction();
      const inTx = await tx.queryRaw(catalogQuery);
      await tx.executeRaw(q("ROLLBACK"));
      await tx.rollback();
      expect(inTx.rows).toEqual([["x", "c"]]);
      await adapter.dispose();
    });

    it("GIVEN a pooled callback-style query WHEN it returns catalog columns THEN they are relabelled too", async () => {
      const pool = new pg.Pool({ ...pgConnectionFields(db.url), Client: CatalogTypesAsTextClient });
      const result = await pool.query(`SELECT 'x'::name AS n`);
      await pool.end();
      expect(result.fields[0].dataTypeID).toBe(25);
    });
  });

  describe("3. the shadow database", () => {
    it("GIVEN the stock adapter with a connection string WHEN it opens a shadow database THEN it is really connected to the main database", async () => {
      const shadow = await new PrismaPg({ connectionString: db.url }).connectToShadowDb();
      const { rows } = await shadow.queryRaw(q("SELECT current_database()::text"));
      await shadow.dispose();
      expect(rows[0][0]).toBe(database);
    });

    it("GIVEN the CLI factory WHEN it opens a shadow database THEN it is a new, empty database that dispose() drops", async () => {
      const shadow = await new PgCliAdapterFactory(db.url).connectToShadowDb();
      const { rows } = await shadow.queryRaw(q("SELECT current_database()::text"));
      const shadowName = rows[0][0] as string;
      const tables = await shadow.queryRaw(q("SELECT count(*)::int FROM information_schema.tables WHERE table_schema = 'public'"));
      expect(shadowName).not.toBe(database);
      expect(shadowName.startsWith(SHADOW_DATABASE_PREFIX)).toBe(true);
      expect(tables.rows[0][0]).toBe(0);
      expect(await databaseExists(shadowName)).toBe(true);
      await shadow.dispose();
      expect(await databaseExists(shadowName)).toBe(false);
    });
  });

  describe("5. a migration script is sent whole", () => {
    const tricky = (table: string) =>
      `CREATE TABLE "${table}" ("v" TEXT NOT NULL DEFAULT 'a;b');\nDO $$ BEGIN PERFORM 1; PERFORM 2; END $$;`;

    it("GIVEN the stock adapter WHEN a script has ';' inside a string and a DO block THEN it breaks", async () => {
      const adapter = await new PrismaPg({ ...pgConnectionFields(db.url) }).connect();
      await expect(adapter.executeScript(tricky("stock_semi"))).rejects.toThrow();
      await adapter.dispose();
    });

    it("GIVEN the CLI adapter WHEN the same script runs THEN it applies, with the literal intact", async () => {
      const adapter = await new PgCliAdapterFactory(db.url).connect();
      await adapter.executeScript(tricky("cli_semi"));
      const { rows } = await adapter.queryRaw(
        q(`SELECT column_default::text FROM information_schema.columns WHERE table_name = 'cli_semi'`),
      );
      expect(rows).toEqual([["'a;b'::text"]]);
      await adapter.dispose();
    });

    it("GIVEN the CLI adapter WHEN a statement of a script fails THEN the statements before it are undone too", async () => {
      const adapter = await new PgCliAdapterFactory(db.url).connect();
      await expect(adapter.executeScript(`CREATE TABLE "half" ("v" INT);\nSELECT 1/0;`)).rejects.toThrow(/division by zero/);
      const { rows } = await adapter.queryRaw(q(`SELECT to_regclass('public.half')::text`));
      expect(rows).toEqual([[null]]);
      await adapter.dispose();
    });
  });
});

describe("6. the schema engine's orphaned timers do not hold the CLI open", () => {
  const probe = path.join(PROJECT_ROOT, "tests", "db", "fixtures", "engine-timer-probe.ts");
  const runProbe = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", probe, ...args], {
      cwd: PROJECT_ROOT,
      timeout: 30_000,
    });
    return JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, boolean>;
  };

  it("GIVEN no patch WHEN WebAssembly arms a 10 s timer THEN it keeps the process alive", async () => {
    expect(await runProbe()).toEqual({ wasmLong: true, wasmShort: true, jsLong: true });
  });

  it("GIVEN unrefEngineTimers() WHEN WebAssembly arms a 10 s timer THEN only that one is unref'd", async () => {
    expect(await runProbe("--patched")).toEqual({ wasmLong: false, wasmShort: true, jsLong: true });
  });
});
