// How DATABASE_URL is read. Shared by the app (app/db.server.ts), the Prisma CLI (prisma.config.ts) and
// the test helpers, so that all three always agree on which database, and which SQLite file, is meant.
// Pure: no driver imports, safe to load anywhere.
import path from "node:path";

export type DbProvider = "sqlite" | "postgresql";

// Relative to the project root. data/ is gitignored as a whole, which also covers the -wal/-shm files
// that WAL mode creates beside the database.
export const DEFAULT_SQLITE_URL = "file:./data/dev.sqlite";

export function resolveDatabaseUrl(raw: string | undefined = process.env.DATABASE_URL): string {
  const url = raw?.trim();
  return url ? url : DEFAULT_SQLITE_URL;
}

export function providerFromUrl(url: string): DbProvider {
  if (/^file:/i.test(url)) return "sqlite";
  if (/^postgres(ql)?:\/\//i.test(url)) return "postgresql";
  throw new Error(
    `DATABASE_URL must be unset, start with "file:" (SQLite) or with "postgres://" / "postgresql://" (PostgreSQL); ` +
      `got "${redactUrl(url)}"`,
  );
}

/**
 * The file a `file:` URL names. Relative paths resolve against `root` (the project root, which is the
 * working directory of the app, the CLI and the tests), not against the schema file as classic Prisma did:
 * the app and the CLI must open the same file.
 */
export function sqliteFilePath(url: string, root: string = process.cwd()): string {
  if (!/^file:/i.test(url)) throw new Error(`Not a SQLite file: URL: "${redactUrl(url)}"`);
  // Prisma-style options (file:./dev.db?connection_limit=1) mean nothing to better-sqlite3.
  let file = url.slice("file:".length).replace(/\?.*$/, "");
  if (file.startsWith("//")) file = file.slice(2); // file:///abs/path
  if (file === ":memory:") return file;
  if (file === "") throw new Error(`DATABASE_URL "${url}" names no file`);
  return path.resolve(root, decodeURIComponent(file));
}

export interface PgConnectionFields {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  ssl?: boolean | { rejectUnauthorized: boolean };
}

/**
 * A postgres:// URL as discrete fields. The CLI needs them: adapter-pg builds its shadow-database pool as
 * `{ ...config, database: shadow }`, and a `connectionString` in that config silently wins over `database`.
 */
export function pgConnectionFields(url: string): PgConnectionFields {
  const u = new URL(url);
  if (!/^postgres(ql)?:$/i.test(u.protocol)) throw new Error(`Not a PostgreSQL URL: "${redactUrl(url)}"`);
  const sslmode = u.searchParams.get("sslmode");
  const fields: PgConnectionFields = {
    host: decodeURIComponent(u.hostname) || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || "postgres",
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres",
  };
  if (u.password) fields.password = decodeURIComponent(u.password);
  if (sslmode === "require" || sslmode === "prefer" || sslmode === "no-verify") {
    fields.ssl = { rejectUnauthorized: false };
  } else if (sslmode === "verify-ca" || sslmode === "verify-full") {
    fields.ssl = true;
  }
  return fields;
}

/** The same server, another database: for test databases and the admin connection that creates them. */
export function pgUrlWithDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}
