/**
 * The stored catalog: one CatalogFeed row per shop and the rows of its generations (docs/decisions/009-catalog-feed.md).
 *
 * - The feed serves `CatalogFeed.generation` (the live generation) and nothing else.
 * - An export claims a new generation (`building`), writes all of its rows, then `flipGeneration` makes it live in
 *   one transaction: a reader sees the whole old catalog or the whole new one, never half of either.
 * - Webhook deltas change the live generation in place and bump `revision` (the ETag) in the same transaction.
 * - Rows of generations other than the live one are deleted when the next export claims its generation, not at the
 *   flip: a reader that started streaming just before a flip finishes reading the generation it began with.
 *
 * Every write is keyed (insert or update on the row's unique key), so a replayed bulk batch or a repeated delta
 * changes nothing.
 */
import { createHash, randomBytes } from "node:crypto";

import { driverOf, preparedOn, type Db, type PrismaClient } from "~/db.server";
import { uuidv7 } from "~/db/ids.server";
import { logger } from "~/logger.server";
import { providerOf } from "~/jobs/queue.server";
import type { CatalogFeed } from "~/generated/sqlite/client";

import { CATALOG_SYNC, type CatalogRows, type CollectionRow, type ProductRow, type VariantRow } from "./mapping";

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function newToken(): string {
  return randomBytes(24).toString("base64url");
}

/** The shop's feed row, created (with a fresh token) the first time the sync needs it. */
export async function ensureFeed(db: Db, shop: string): Promise<CatalogFeed> {
  const existing = await db.catalogFeed.findUnique({ where: { shop } });
  if (existing) return existing;
  const token = newToken();
  return db.catalogFeed.upsert({ where: { shop }, create: { shop, token, tokenHash: hashToken(token) }, update: {} });
}

/** A new secret: the old feed URLs answer 404 from now on. */
export async function rotateFeedToken(db: Db, shop: string): Promise<CatalogFeed> {
  await ensureFeed(db, shop);
  const token = newToken();
  return db.catalogFeed.update({ where: { shop }, data: { token, tokenHash: hashToken(token) } });
}

/** The feed a URL token opens, or null. Looked up by the token's hash (an indexed equality, no string compare of secrets). */
export async function findFeedByToken(db: Db, token: string): Promise<CatalogFeed | null> {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) return null;
  return db.catalogFeed.findUnique({ where: { tokenHash: hashToken(token) } });
}

export async function catalogSwitchOn(db: Db, shop: string): Promise<boolean> {
  const row = await db.syncSetting.findUnique({ where: { shop_sync: { shop, sync: CATALOG_SYNC } }, select: { enabled: true } });
  return row?.enabled ?? false;
}

// ------------------------------------------------------------------------------------------------ writing rows

/**
 * Rows go in as `INSERT … ON CONFLICT (key) DO UPDATE`: idempotent (a replayed batch rewrites the same rows), the
 * same SQL on SQLite and PostgreSQL, and several times faster than Prisma's createMany after a deleteMany.
 * Two ways to run them:
 * - `writeRows(tx, …)`: inside a caller's Prisma transaction (deltas, the paginated export), one multi-row
 *   statement per slice of 500 (SQLite binds at most 32,766 values a statement; 16 columns × 500 rows stays below).
 * - `writeRowsDirect(client, …)`: a bulk export's batches, in a transaction of their own on the client's driver
 *   (driverOf): on SQLite one prepared single-row statement run per row, on PostgreSQL the same slices as above on a
 *   pooled connection. Prisma's query compiler took more time than SQLite over a 100,000-variant export (bench:catalog).
 */
const SLICE = 500;

function slices<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += SLICE) out.push(items.slice(i, i + SLICE));
  return out;
}

type Value = string | number | boolean | null;

interface TableRows {
  table: string;
  columns: readonly string[];
  key: readonly string[];
  rows: Value[][];
}

const PRODUCT_COLUMNS = ["id", "shop", "generation", "productId", "title", "handle", "vendor", "url", "active", "imageUrl"] as const;
const VARIANT_COLUMNS = [
  "id", "shop", "generation", "variantId", "productId", "inventoryItemId", "title", "position", "sku", "barcode", "price", "stock",
  "weight", "weightUnit", "imageUrl", "options",
] as const;

/** The rows of each table, in write order, with the same key twice reduced to its last row (as a replay would). */
function tableRows(shop: string, generation: number, rows: CatalogRows): TableRows[] {
  const tables: TableRows[] = [
    {
      table: "CatalogProduct",
      columns: PRODUCT_COLUMNS,
      key: ["shop", "generation", "productId"],
      rows: rows.products.map((p) => [uuidv7(), shop, generation, p.productId, p.title, p.handle, p.vendor, p.url, p.active, p.imageUrl]),
    },
    {
      table: "CatalogVariant",
      columns: VARIANT_COLUMNS,
      key: ["shop", "generation", "variantId"],
      rows: rows.variants.map((v) => [
        uuidv7(), shop, generation, v.variantId, v.productId, v.inventoryItemId, v.title, v.position, v.sku, v.barcode, v.price, v.stock,
        v.weight, v.weightUnit, v.imageUrl, v.options,
      ]),
    },
    {
      table: "CatalogCollection",
      columns: ["id", "shop", "generation", "collectionId", "title"],
      key: ["shop", "generation", "collectionId"],
      rows: rows.collections.map((c) => [uuidv7(), shop, generation, c.collectionId, c.title]),
    },
    {
      table: "CatalogMembership",
      columns: ["id", "shop", "generation", "collectionId", "productId"],
      key: ["shop", "generation", "collectionId", "productId"],
      rows: rows.memberships.map((m) => [uuidv7(), shop, generation, m.collectionId, m.productId]),
    },
  ];
  // The same key twice in one statement is an error on PostgreSQL: the last row of a key wins.
  return tables
    .map((t) => {
      const keyIndexes = t.key.map((k) => t.columns.indexOf(k));
      return { ...t, rows: [...new Map(t.rows.map((r) => [keyIndexes.map((i) => String(r[i])).join("\u0000"), r])).values()] };
    })
    .filter((t) => t.rows.length > 0);
}

/** The upsert of `rowCount` rows; placeholders `?` (SQLite) or `$n` (PostgreSQL). */
function upsertSql({ table, columns, key }: TableRows, rowCount: number, pg: boolean): string {
  const quoted = (c: string) => `"${c}"`;
  const updates = columns.filter((c) => c !== "id" && !key.includes(c)).map((c) => `${quoted(c)} = excluded.${quoted(c)}`);
  let n = 0;
  const tuple = () => `(${columns.map(() => (pg ? `$${++n}` : "?")).join(",")})`;
  const tuples = Array.from({ length: rowCount }, tuple);
  return (
    `INSERT INTO ${quoted(table)} (${columns.map(quoted).join(",")}) VALUES ${tuples.join(",")} ` +
    `ON CONFLICT (${key.map(quoted).join(",")}) DO ${updates.length ? `UPDATE SET ${updates.join(", ")}` : "NOTHING"}`
  );
}

// better-sqlite3 binds no booleans; Prisma keeps SQLite booleans as 0/1.
const sqliteValue = (value: Value) => (typeof value === "boolean" ? (value ? 1 : 0) : value);

/** Writes rows into `generation`, replacing any with the same keys (idempotent). Use inside a transaction. */
export async function writeRows(tx: Db, shop: string, generation: number, rows: CatalogRows): Promise<void> {
  const pg = providerOf(tx) === "postgresql";
  for (const table of tableRows(shop, generation, rows)) {
    for (const part of slices(table.rows)) {
      await tx.$executeRawUnsafe(upsertSql(table, part.length, pg), ...part.flat().map((v) => (pg ? v : sqliteValue(v))));
    }
  }
}

/** writeRows in a transaction of its own, through the client's driver (see above). */
export async function writeRowsDirect(client: PrismaClient, shop: string, generation: number, rows: CatalogRows): Promise<void> {
  const tables = tableRows(shop, generation, rows);
  if (tables.length === 0) return;
  const driver = driverOf(client);
  if (driver.provider === "sqlite") {
    await driver.run((db) =>
      db.transaction(() => {
        for (const table of tables) {
          const statement = preparedOn(db, upsertSql(table, 1, false));
          for (const row of table.rows) statement.run(row.map(sqliteValue));
        }
      }).immediate(),
    );
    return;
  }
  const connection = await (await driver.pool()).connect();
  try {
    await connection.query("BEGIN");
    for (const table of tables) {
      for (const part of slices(table.rows)) await connection.query(upsertSql(table, part.length, true), part.flat());
    }
    await connection.query("COMMIT");
  } catch (error) {
    await connection.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}

/**
 * After a bulk export wrote a generation (up to hundreds of thousands of rows a shop), PostgreSQL's planner
 * statistics of the catalog tables are refreshed before the feed goes live. Until autovacuum gets to it, a table
 * filled since its last ANALYZE is estimated at a row or so, and the planner then reads the feed's pages through
 * the wrong index (the memberships of 100 products through the collection index, 40 ms a page instead of 0.3).
 * SQLite's planner works from the index shapes alone here and needs nothing. A failure (a role that may not analyze
 * the tables only gets a warning from PostgreSQL; anything else) is logged and does not hold back the export.
 */
export async function refreshCatalogStatistics(client: PrismaClient): Promise<void> {
  if (driverOf(client).provider !== "postgresql") return;
  try {
    await client.$executeRawUnsafe('ANALYZE "CatalogProduct", "CatalogVariant", "CatalogMembership", "CatalogCollection"');
  } catch (error) {
    logger.warn({ err: error }, "ANALYZE of the catalog tables failed; the feed may read slowly until autovacuum analyzes them");
  }
}

/** Deletes every generation but the live one (leftovers of the previous export, and of failed ones). */
export async function deleteStaleGenerations(db: PrismaClient, shop: string, live: number): Promise<void> {
  const where = { shop, generation: { not: live } };
  await db.catalogVariant.deleteMany({ where });
  await db.catalogMembership.deleteMany({ where });
  await db.catalogProduct.deleteMany({ where });
  await db.catalogCollection.deleteMany({ where });
}

export async function generationCounts(db: Db, shop: string, generation: number) {
  const where = { shop, generation };
  const [products, variants, collections] = await Promise.all([
    db.catalogProduct.count({ where }),
    db.catalogVariant.count({ where }),
    db.catalogCollection.count({ where }),
  ]);
  return { products, variants, collections };
}

// ------------------------------------------------------------------------------------------------ deltas

/** The feed changed: a new ETag and Last-Modified. */
async function bump(tx: Db, shop: string, now: Date): Promise<void> {
  await tx.catalogFeed.update({ where: { shop }, data: { revision: { increment: 1 }, changedAt: now } });
}

/** Records that a webhook changed an object, so an export finishing later reads it again (see flip). */
export async function touch(db: Db, shop: string, kind: "product" | "inventory" | "collection", refId: string, at: Date): Promise<void> {
  await db.catalogTouch.upsert({
    where: { shop_kind_refId: { shop, kind, refId } },
    create: { shop, kind, refId, touchedAt: at },
    update: { touchedAt: at },
  });
}

/** Replaces one product of the live generation (its variants and memberships too); null removes it. */
export async function replaceProduct(
  db: PrismaClient,
  shop: string,
  productId: string,
  product: { product: ProductRow; variants: VariantRow[]; collections: CollectionRow[] } | null,
  now = new Date(),
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const feed = await tx.catalogFeed.findUnique({ where: { shop } });
    if (!feed || feed.generation === 0) return false;
    const generation = feed.generation;
    await tx.catalogVariant.deleteMany({ where: { shop, generation, productId } });
    await tx.catalogMembership.deleteMany({ where: { shop, generation, productId } });
    await tx.catalogProduct.deleteMany({ where: { shop, generation, productId } });
    if (product) {
      await writeRows(tx, shop, generation, {
        products: [product.product],
        variants: product.variants,
        collections: product.collections,
        memberships: product.collections.map((c) => ({ collectionId: c.collectionId, productId })),
      });
    }
    await bump(tx, shop, now);
    return true;
  });
}

/** Sets a variant's stock (found by its inventory item) in the live generation. */
export async function updateStock(db: PrismaClient, shop: string, inventoryItemId: string, stock: number | null, now = new Date()): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const feed = await tx.catalogFeed.findUnique({ where: { shop } });
    if (!feed || feed.generation === 0) return false;
    const { count } = await tx.catalogVariant.updateMany({ where: { shop, generation: feed.generation, inventoryItemId }, data: { stock } });
    if (count > 0) await bump(tx, shop, now);
    return count > 0;
  });
}

/** Replaces a collection's title and members in the live generation; null removes it. */
export async function replaceCollection(
  db: PrismaClient,
  shop: string,
  collectionId: string,
  collection: { title: string; productIds: string[] } | null,
  now = new Date(),
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const feed = await tx.catalogFeed.findUnique({ where: { shop } });
    if (!feed || feed.generation === 0) return false;
    const generation = feed.generation;
    await tx.catalogMembership.deleteMany({ where: { shop, generation, collectionId } });
    await tx.catalogCollection.deleteMany({ where: { shop, generation, collectionId } });
    if (collection) {
      // Only products the feed holds: a product created a moment ago arrives with its own refresh.
      const known = new Set<string>();
      for (const part of slices(collection.productIds)) {
        const rows = await tx.catalogProduct.findMany({ where: { shop, generation, productId: { in: part } }, select: { productId: true } });
        for (const row of rows) known.add(row.productId);
      }
      await writeRows(tx, shop, generation, {
        products: [],
        variants: [],
        collections: [{ collectionId, title: collection.title }],
        memberships: collection.productIds.filter((id) => known.has(id)).map((productId) => ({ collectionId, productId })),
      });
    }
    await bump(tx, shop, now);
    return true;
  });
}
