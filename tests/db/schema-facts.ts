// What the databases must contain, read from prisma/models.prisma itself so that these tests follow the
// lead's model changes without edits.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { pgConnectionFields } from "../../prisma/support/database-url";
import { PROJECT_ROOT } from "../../prisma/support/run-prisma";

export const MODELS_FILE = path.join(PROJECT_ROOT, "prisma", "models.prisma");

/** Table names the models map to (model name, or its @@map). */
export function expectedTables(): string[] {
  const source = fs.readFileSync(MODELS_FILE, "utf8");
  const tables: string[] = [];
  for (const match of source.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const mapped = /@@map\(\s*"([^"]+)"\s*\)/.exec(match[2]);
    tables.push(mapped ? mapped[1] : match[1]);
  }
  return tables.sort();
}

export function migrationFolders(provider: "sqlite" | "postgresql"): string[] {
  const dir = path.join(PROJECT_ROOT, "prisma", provider, "migrations");
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export type Columns = Record<string, string[]>;

/** table -> sorted column names, application tables only (no _prisma_migrations, no sqlite_*). */
export function sqliteColumns(file: string): Columns {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'")
      .all() as Array<{ name: string }>;
    const out: Columns = {};
    for (const { name } of tables) {
      const cols = db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{ name: string }>;
      out[name] = cols.map((c) => c.name).sort();
    }
    return out;
  } finally {
    db.close();
  }
}

export async function postgresColumns(url: string): Promise<Columns> {
  const client = new pg.Client(pgConnectionFields(url));
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const out: Columns = {};
    for (const row of rows) (out[row.table_name] ??= []).push(row.column_name);
    for (const key of Object.keys(out)) out[key].sort();
    return out;
  } finally {
    await client.end();
  }
}
