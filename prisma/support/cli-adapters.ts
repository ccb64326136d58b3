// Driver adapters for the Prisma CLI's JavaScript schema engine (prisma.config.ts `engine: "js"`).
//
// CLI SIDE ONLY. The app never imports this file: its adapters are built in app/db.server.ts.
// Every workaround the offline CLI needs lives here, each one named, explained, and covered by
// tests/db/cli-workarounds.test.ts (docs/decisions/001-databases-and-offline-prisma.md lists them).
//
//  1. sqliteScriptsToExec       SQLite: multi-statement SQL sent through queryRaw/executeRaw goes to exec().
//  2. CatalogTypesAsTextClient  PostgreSQL: catalog types `name` (OID 19) and `"char"` (OID 18) read as text.
//  3. PgCliAdapterFactory.connectToShadowDb
//                               PostgreSQL: the shadow database is ours to create and drop, on discrete fields.
//  4. allowExitOnIdle           PostgreSQL: idle pool connections do not keep the CLI alive for 10 s.
//  5. pgScriptAsOneQuery        PostgreSQL: a migration.sql is sent whole, not split on every ";".
//  6. unrefEngineTimers         The schema engine's orphaned 10 s timers do not keep the CLI alive.
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import {
  pgConnectionFields,
  providerFromUrl,
  sqliteFilePath,
  type PgConnectionFields,
} from "./database-url";

export function cliAdapterFactory(url: string): SqlMigrationAwareDriverAdapterFactory {
  return providerFromUrl(url) === "sqlite" ? new SqliteCliAdapterFactory(url) : new PgCliAdapterFactory(url);
}

// ---------------------------------------------------------------------------------------------------------
// SQLite

const MULTI_STATEMENT = /more than one statement/i;

/**
 * Workaround 1. The schema engine replays migration.sql files (into the shadow database for `migrate dev`
 * and `migrate diff --from-migrations`) through queryRaw/executeRaw with no arguments. adapter-better-sqlite3
 * sends those to `prepare()`, which only accepts one statement ("The supplied SQL string contains more than
 * one statement", surfacing as P3006). When, and only when, that happens for an argument-less query, run the
 * script with `exec()` (the adapter's executeScript) instead.
 */
export function sqliteScriptsToExec(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const run = async <T>(
    query: { sql: string; args: unknown[] },
    original: () => Promise<T>,
    empty: T,
  ): Promise<T> => {
    try {
      return await original();
    } catch (error) {
      if (query.args.length === 0 && error instanceof Error && MULTI_STATEMENT.test(error.message)) {
        await adapter.executeScript(query.sql);
        return empty;
      }
      throw error;
    }
  };
  return new Proxy(adapter, {
    get(target, prop) {
      if (prop === "queryRaw") {
        return (query: Parameters<SqlDriverAdapter["queryRaw"]>[0]) =>
          run(query, () => target.queryRaw(query), { columnNames: [], columnTypes: [], rows: [] });
      }
      if (prop === "executeRaw") {
        return (query: Parameters<SqlDriverAdapter["executeRaw"]>[0]) =>
          run(query, () => target.executeRaw(query), 0);
      }
      const value: unknown = Reflect.get(target, prop, target);
      // The adapter keeps state in #private fields: its methods must run with the real instance as `this`.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

class SqliteCliAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "sqlite" as const;
  readonly adapterName = "@prisma/adapter-better-sqlite3";
  readonly #inner: PrismaBetterSQLite3;
  readonly #file: string;

  constructor(url: string) {
    this.#file = sqliteFilePath(url);
    this.#inner = new PrismaBetterSQLite3({ url: this.#file });
  }

  async connect(): Promise<SqlDriverAdapter> {
    // better-sqlite3 creates the file but not its folder (a fresh clone has no data/).
    if (this.#file !== ":memory:") fs.mkdirSync(path.dirname(this.#file), { recursive: true });
    return sqliteScriptsToExec(await this.#inner.connect());
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    // An in-memory database: nothing to clean up.
    return sqliteScriptsToExec(await this.#inner.connectToShadowDb());
  }
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL

const PG_TEXT = 25;
const PG_CATALOG_AS_TEXT = new Set([18 /* "char" */, 19 /* name */]);

type FieldsCarrier = { fields?: Array<{ dataTypeID: number }> };

function catalogTypesAsText<T>(result: T): T {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const field of (r as FieldsCarrier | null)?.fields ?? []) {
      if (PG_CATALOG_AS_TEXT.has(field.dataTypeID)) field.dataTypeID = PG_TEXT;
    }
  }
  return result;
}

/**
 * Workaround 2. The schema engine reads pg_catalog, whose columns use the internal types `name` and `"char"`.
 * adapter-pg maps result columns by type OID and rejects both ("Column type 'name' could not be
 * deserialized", on every migrate command). Their text representation is plain text, so this pg.Client
 * relabels those columns as `text` in every result before the adapter looks at them. pg-pool creates its
 * connections from the `Client` option, so pooled queries and transactions both go through here.
 */
export class CatalogTypesAsTextClient extends pg.Client {
  // pg.Client.query has a dozen overloads; this override only post-processes the result and keeps them all.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    if (typeof values === "function") {
      callback = values;
      values = undefined;
    }
    if (typeof callback === "function") {
      const cb = callback as (err: Error | null, res: unknown) => void;
      return super.query(config, values, (err: Error | null, res: unknown) =>
        cb(err, err ? res : catalogTypesAsText(res)),
      );
    }
    const result = super.query(config, values);
    return result && typeof (result as Promise<unknown>).then === "function"
      ? (result as Promise<unknown>).then(catalogTypesAsText)
      : result;
  }
}

function cliPoolConfig(fields: PgConnectionFields): pg.PoolConfig {
  return {
    ...fields,
    Client: CatalogTypesAsTextClient,
    // Workaround 4. The engine never disposes its adapter; without this the CLI sits idle until pg-pool's
    // idleTimeoutMillis (10 s) closes the last connection.
    allowExitOnIdle: true,
  };
}

/**
 * Workaround 5. adapter-pg's executeScript, which the engine uses to apply each migration.sql, splits the
 * script on every ";" and sends the pieces one by one through the pool: a ";" inside a string literal, a
 * DO block or a function body breaks the migration, and a failure leaves it half applied. Sent as one
 * argument-less query it goes through PostgreSQL's simple query protocol as a single implicit transaction,
 * which is what the classic (binary) schema engine did. executeRaw keeps the adapter's error mapping.
 */
export function pgScriptAsOneQuery(adapter: SqlDriverAdapter): SqlDriverAdapter {
  return Object.assign(adapter, {
    async executeScript(script: string): Promise<void> {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    },
  });
}

/**
 * Runs `sql` on its own short-lived connection to `database` (CREATE/DROP DATABASE cannot run inside a
 * transaction, and must not run on a connection to the database being dropped).
 */
async function runOnce(fields: PgConnectionFields, database: string, sql: string): Promise<void> {
  const client = new pg.Client({ ...fields, database });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export const SHADOW_DATABASE_PREFIX = "syncline_shadow_";

export class PgCliAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName = "@prisma/adapter-pg";
  readonly #fields: PgConnectionFields;

  constructor(url: string) {
    this.#fields = pgConnectionFields(url);
  }

  async connect(): Promise<SqlDriverAdapter> {
    return pgScriptAsOneQuery(await new PrismaPg(cliPoolConfig(this.#fields)).connect());
  }

  /**
   * Workaround 3. adapter-pg's own connectToShadowDb (a) builds the shadow pool as
   * `{ ...config, database: shadow }`, where a connectionString silently overrides `database`, so the
   * "shadow" is the real database (P3006 "already exists"); and (b) drops the shadow database while its
   * own pool is still connected, which fails and leaks the database. Here the shadow database is created
   * on a separate connection, reached with discrete fields, and dropped after its pool has ended.
   */
  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = `${SHADOW_DATABASE_PREFIX}${randomBytes(6).toString("hex")}`;
    const fields = this.#fields;
    await runOnce(fields, fields.database, `CREATE DATABASE "${shadow}"`);
    try {
      const adapter = pgScriptAsOneQuery(await new PrismaPg(cliPoolConfig({ ...fields, database: shadow })).connect());
      const dispose = adapter.dispose.bind(adapter);
      return Object.assign(adapter, {
        async dispose() {
          try {
            await dispose(); // ends the shadow pool first
          } finally {
            await runOnce(fields, fields.database, `DROP DATABASE IF EXISTS "${shadow}" WITH (FORCE)`);
          }
        },
      });
    } catch (error) {
      await runOnce(fields, fields.database, `DROP DATABASE IF EXISTS "${shadow}" WITH (FORCE)`);
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Process

export const ENGINE_TIMER_MIN_MS = 5_000;
let engineTimersUnrefed = false;

/**
 * Workaround 6. The WebAssembly schema engine arms a 10 s setTimeout (a timeout around its own work) and
 * cannot cancel it when the work finishes first, so every migrate command on PostgreSQL idled ~10 s after
 * printing its result. Timers of 5 s or more armed from WebAssembly frames are unref'd: they still fire if
 * the process is alive for another reason (a pending query), but no longer hold it open on their own.
 * Call once, from prisma.config.ts only (the CLI process); app processes never install this.
 */
export function unrefEngineTimers(): void {
  if (engineTimersUnrefed) return;
  engineTimersUnrefed = true;
  const original = globalThis.setTimeout;
  const patched = function (this: unknown, ...args: Parameters<typeof setTimeout>) {
    const timer = Reflect.apply(original, this, args) as ReturnType<typeof setTimeout>;
    const ms = Number(args[1] ?? 0);
    if (ms >= ENGINE_TIMER_MIN_MS && /\bwasm:\/\//.test(new Error().stack ?? "")) timer.unref();
    return timer;
  };
  // Keep setTimeout[util.promisify.custom] and friends.
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(original));
  globalThis.setTimeout = patched as typeof setTimeout;
}
