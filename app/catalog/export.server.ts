/**
 * Catalog export (issue 5 point 2): the whole catalog read from Shopify into a new generation, then made live in one
 * transaction (store.server.ts). Started when the switch turns on, every 4 hours by a per-shop schedule, and by
 * "Export now"; each start is a `catalog.export` job.
 *
 *   catalog.export job ──claim──▶ count variants (CatalogShop)
 *        ≤ 500 ─▶ paginated reads (CatalogProductsPage, CatalogVariantsPage) ─▶ flip
 *        > 500 ─▶ bulk run `catalog.export` (app/bulk): JSONL streamed, applied in batches ─▶ finished() ─▶ flip
 *
 * One export per shop at a time: the job claims the shop's next generation on the CatalogFeed row (`building`,
 * `exportId`) by a compare-and-set; a second start finds it claimed by a live export and does nothing. A failed
 * export (Shopify error, failed or partial bulk operation) releases the claim, is recorded where the page shows it,
 * and is retried; the live generation keeps being served throughout.
 *
 * After each flip: `catalog.exported` to the platform, and every product/collection/inventory item a webhook touched
 * since the export began is read again (deltas.server.ts), so a change made while Shopify collected the export wins.
 */
import { z } from "zod";

import { recordActivity } from "~/activity/activity.server";
import { defineBulkKind, type BulkLine } from "~/bulk/define.server";
import { bulkDocument } from "~/bulk/document";
import { ACTIVE_STATUSES, startBulkRun } from "~/bulk/runner.server";
import type { Db, PrismaClient } from "~/db.server";
import { emitEvent } from "~/events/emit.server";
import type { CatalogFeed } from "~/generated/sqlite/client";
import { CATALOG_EXPORT_BULK_QUERY } from "~/graphql/CatalogExportBulk";
import { CATALOG_PRODUCT_QUERY } from "~/graphql/CatalogProduct";
import { CATALOG_PRODUCTS_PAGE_QUERY } from "~/graphql/CatalogProductsPage";
import { CATALOG_SHOP_QUERY } from "~/graphql/CatalogShop";
import { CATALOG_VARIANTS_PAGE_QUERY } from "~/graphql/CatalogVariantsPage";
import { defineJob, PermanentJobError } from "~/jobs/define.server";
import { enqueue, ensureSchedule, removeSchedule } from "~/jobs/queue.server";
import type { Logger } from "~/logger.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { ShopNeedsReauthError } from "~/shopify/errors";
import type { CatalogProductQuery, CatalogProductsPageQuery, CatalogShopQuery, CatalogVariantsPageQuery } from "~/types/admin.generated";

import { CATALOG_SYNC, emptyRows, idFromGid, mapCollection, mapProduct, mapVariant, productGid, rowsFromBulkLines, type CatalogRows } from "./mapping";
import { catalogSwitchOn, deleteStaleGenerations, ensureFeed, generationCounts, refreshCatalogStatistics, writeRows, writeRowsDirect } from "./store.server";

export const CATALOG_EXPORT_JOB = "catalog.export";
export const CATALOG_EXPORT_KIND = "catalog.export";
export const CATALOG_REFRESH_JOB = "catalog.refresh";
/** Up to this many variants an export reads page by page at once; above, through a bulk operation. */
export const IMMEDIATE_LIMIT = 500;
export const EXPORT_INTERVAL_SECONDS = 4 * 3600;
/** After a failed export, the next attempt (the 4-hour schedule would be too late to repair a failed first export). */
export const RETRY_AFTER_FAILURE_MS = 15 * 60_000;
const PRODUCTS_PAGE = 50;
const VARIANTS_PAGE = 100;

export const exportReasons = z.enum(["enabled", "scheduled", "manual", "retry"]);
export type ExportReason = z.output<typeof exportReasons>;

export function exportScheduleName(shop: string): string {
  return `${CATALOG_EXPORT_JOB}:${shop}`;
}

// ------------------------------------------------------------------------------------------------ starting

/** Inside the switch's transaction: the 4-hour schedule, and a first export now. */
export async function scheduleExports(db: Db, shop: string, now = new Date()): Promise<void> {
  await ensureFeed(db, shop);
  await ensureSchedule(db, { name: exportScheduleName(shop), type: CATALOG_EXPORT_JOB, shop, payload: { reason: "scheduled" }, intervalSeconds: EXPORT_INTERVAL_SECONDS }, now);
  await enqueueExport(db, shop, "enabled", now);
}

export async function unscheduleExports(db: Db, shop: string): Promise<void> {
  await removeSchedule(db, exportScheduleName(shop));
}

/** Queues an export job (at most one per shop, reason and minute, however often it is asked for). */
export async function enqueueExport(db: Db, shop: string, reason: ExportReason, now = new Date(), runAt = now): Promise<{ created: boolean }> {
  const minute = new Date(Math.floor(runAt.getTime() / 60_000) * 60_000).toISOString();
  const { created } = await enqueue(db, { type: CATALOG_EXPORT_JOB, shop, payload: { reason }, runAt, dedupeKey: `${CATALOG_EXPORT_JOB}:${shop}:${reason}:${minute}` });
  return { created };
}

export class ExportNotAllowedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExportNotAllowedError";
  }
}

/** "Export now". Refused while the sync is off or an export is running (the running one is the fresh one). */
export async function requestExport(db: PrismaClient, shop: string, now = new Date()): Promise<void> {
  if (!(await catalogSwitchOn(db, shop))) throw new ExportNotAllowedError("Turn on catalog sync first.");
  const feed = await ensureFeed(db, shop);
  if (await exportRunning(db, feed)) throw new ExportNotAllowedError("An export is already running.");
  await enqueueExport(db, shop, "manual", now);
}

// ------------------------------------------------------------------------------------------------ the claim

/** Whether the export that claimed `building` is still alive (its job queued or running, or its bulk run active). */
export async function exportRunning(db: Db, feed: CatalogFeed): Promise<boolean> {
  if (feed.building === null || feed.exportId === null) return false;
  if (feed.exportMode === "bulk") {
    const run = await db.bulkRun.findFirst({ where: { id: feed.exportId, shop: feed.shop }, select: { status: true } });
    return !!run && (ACTIVE_STATUSES as readonly string[]).includes(run.status);
  }
  const job = await db.job.findFirst({ where: { id: feed.exportId, shop: feed.shop }, select: { status: true } });
  return !!job && (job.status === "queued" || job.status === "running");
}

/**
 * Claims the shop's next generation for `owner` (the export job's id). Returns it, or null when another live export
 * holds the claim. A claim left by a dead export is taken over; a retry of the same job gets its own claim back.
 */
export async function claimExport(db: PrismaClient, shop: string, owner: string, now: Date): Promise<number | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const feed = await ensureFeed(db, shop);
    if (feed.exportId !== owner && (await exportRunning(db, feed))) return null;
    const generation = feed.exportId === owner && feed.building !== null ? feed.building : Math.max(feed.generation, feed.building ?? 0) + 1;
    const { count } = await db.catalogFeed.updateMany({
      where: { shop, building: feed.building, exportId: feed.exportId },
      data: { building: generation, exportId: owner, exportMode: "immediate", exportStartedAt: now, progressDone: 0, progressTotal: null },
    });
    if (count === 1) {
      await deleteStaleGenerations(db, shop, feed.generation);
      return generation;
    }
  }
  return null;
}

async function releaseClaim(db: Db, shop: string, generation: number): Promise<void> {
  await db.catalogFeed.updateMany({ where: { shop, building: generation }, data: { building: null, exportId: null, exportMode: null, progressTotal: null, progressDone: 0 } });
}

// ------------------------------------------------------------------------------------------------ finishing

export interface ExportOutcome {
  generation: number;
  exportId: string;
  mode: "immediate" | "bulk";
}

/**
 * Makes `generation` live, in one transaction with the feed's bookkeeping and the `catalog.exported` event.
 * Idempotent: a second call (a bulk `finished` replayed after a crash) finds it live and does nothing. Returns
 * false when the claim was lost (a newer export took over): nothing is published.
 */
export async function publishExport(db: PrismaClient, shop: string, outcome: ExportOutcome, now = new Date()): Promise<boolean> {
  const published = await db.$transaction(async (tx) => {
    const feed = await tx.catalogFeed.findUnique({ where: { shop } });
    if (!feed) return null;
    if (feed.generation === outcome.generation) return null;
    if (feed.building !== outcome.generation) return false;
    const counts = await generationCounts(tx, shop, outcome.generation);
    const startedAt = feed.exportStartedAt ?? now;
    const durationMs = Math.max(0, now.getTime() - startedAt.getTime());
    await tx.catalogFeed.update({
      where: { shop },
      data: {
        generation: outcome.generation,
        building: null,
        exportId: null,
        exportMode: null,
        progressDone: counts.variants,
        revision: { increment: 1 },
        changedAt: now,
        lastExportAt: now,
        lastExportMs: durationMs,
        lastExportMode: outcome.mode,
        lastExportOutcome: "completed",
        lastExportError: null,
        lastSuccessAt: now,
      },
    });
    await emitEvent(tx, {
      shop,
      type: "catalog.exported",
      dedupeKey: `${outcome.generation}:${outcome.exportId}`,
      occurredAt: now,
      data: {
        mode: outcome.mode,
        generation: outcome.generation,
        products: counts.products,
        variants: counts.variants,
        categories: counts.collections,
        currency: feed.currency,
        startedAt: startedAt.toISOString(),
        exportedAt: now.toISOString(),
        durationMs,
      },
    });
    return { startedAt, durationMs, counts };
  });
  if (published === false) return false;
  if (published === null) return true;
  await replayTouches(db, shop, published.startedAt);
  await recordActivity(db, {
    shop,
    direction: "internal",
    kind: "job",
    name: CATALOG_EXPORT_JOB,
    status: "completed",
    sync: CATALOG_SYNC,
    durationMs: published.durationMs,
    reference: outcome.exportId,
    detail: { mode: outcome.mode, generation: outcome.generation, ...published.counts },
  });
  return true;
}

/** Objects a webhook changed since the export began are read again into the new live generation. */
async function replayTouches(db: PrismaClient, shop: string, since: Date): Promise<void> {
  const touches = await db.catalogTouch.findMany({ where: { shop, touchedAt: { gte: since } }, select: { kind: true, refId: true } });
  for (const t of touches) {
    await enqueue(db, { type: CATALOG_REFRESH_JOB, shop, payload: { kind: t.kind, id: t.refId } });
  }
  await db.catalogTouch.deleteMany({ where: { shop, touchedAt: { lt: since } } });
}

/** An export ended without publishing: the claim is released, the page says why, a retry is queued. */
export async function recordExportFailure(
  db: PrismaClient,
  shop: string,
  failure: { generation: number; exportId: string; mode: "immediate" | "bulk"; message: string; retry: boolean },
  now = new Date(),
): Promise<void> {
  const feed = await db.catalogFeed.findUnique({ where: { shop } });
  if (!feed || feed.building !== failure.generation) return;
  const startedAt = feed.exportStartedAt ?? now;
  await db.$transaction(async (tx) => {
    await tx.catalogFeed.update({
      where: { shop },
      data: {
        lastExportAt: now,
        lastExportMs: Math.max(0, now.getTime() - startedAt.getTime()),
        lastExportMode: failure.mode,
        lastExportOutcome: "failed",
        lastExportError: failure.message,
      },
    });
    await releaseClaim(tx, shop, failure.generation);
    if (failure.retry) await enqueueExport(tx, shop, "retry", now, new Date(now.getTime() + RETRY_AFTER_FAILURE_MS));
  });
  await recordActivity(db, {
    shop,
    direction: "internal",
    kind: "job",
    name: CATALOG_EXPORT_JOB,
    status: "failed",
    sync: CATALOG_SYNC,
    durationMs: now.getTime() - startedAt.getTime(),
    reference: failure.exportId,
    detail: { mode: failure.mode, generation: failure.generation, error: failure.message, retry: failure.retry },
  });
}

// ------------------------------------------------------------------------------------------------ paginated export

/** The rest of a product's collections, past the first page CatalogProductsPage read. */
async function remainingCollections(client: AdminClient, productId: string, signal: AbortSignal): Promise<CatalogRows["collections"]> {
  const out: CatalogRows["collections"] = [];
  let after: string | null = null;
  do {
    const data: CatalogProductQuery = await client.request(CATALOG_PRODUCT_QUERY, {
      variables: { id: productGid(productId), collectionsAfter: after, variantsAfter: null },
      sync: CATALOG_SYNC,
      signal,
    });
    if (!data.product) return out;
    out.push(...data.product.collections.nodes.map(mapCollection));
    after = data.product.collections.pageInfo.hasNextPage ? (data.product.collections.pageInfo.endCursor ?? null) : null;
  } while (after);
  return out;
}

/** ≤ 500 variants: products (with collections) then variants, page by page, each page written as it arrives. */
export async function paginatedExport(db: PrismaClient, client: AdminClient, shop: string, generation: number, signal: AbortSignal): Promise<void> {
  let after: string | null = null;
  do {
    const data: CatalogProductsPageQuery = await client.request(CATALOG_PRODUCTS_PAGE_QUERY, {
      variables: { first: PRODUCTS_PAGE, after },
      sync: CATALOG_SYNC,
      signal,
    });
    const rows = emptyRows();
    const collections = new Map<string, CatalogRows["collections"][number]>();
    for (const node of data.products.nodes) {
      const product = mapProduct(node);
      rows.products.push(product);
      const inCollections = node.collections.nodes.map(mapCollection);
      if (node.collections.pageInfo.hasNextPage) inCollections.push(...(await remainingCollections(client, product.productId, signal)));
      for (const c of inCollections) {
        collections.set(c.collectionId, c);
        rows.memberships.push({ collectionId: c.collectionId, productId: product.productId });
      }
    }
    rows.collections = [...collections.values()];
    await writeRowsDirect(db, shop, generation, rows);
    after = data.products.pageInfo.hasNextPage ? (data.products.pageInfo.endCursor ?? null) : null;
  } while (after);

  after = null;
  let done = 0;
  do {
    const data: CatalogVariantsPageQuery = await client.request(CATALOG_VARIANTS_PAGE_QUERY, {
      variables: { first: VARIANTS_PAGE, after },
      sync: CATALOG_SYNC,
      signal,
    });
    const rows = emptyRows();
    rows.variants = data.productVariants.nodes.map((node) => mapVariant(node, idFromGid(node.product.id)));
    done += rows.variants.length;
    await db.$transaction(async (tx) => {
      await writeRows(tx, shop, generation, rows);
      await tx.catalogFeed.updateMany({ where: { shop, building: generation }, data: { progressDone: done } });
    });
    after = data.productVariants.pageInfo.hasNextPage ? (data.productVariants.pageInfo.endCursor ?? null) : null;
  } while (after);
}

// ------------------------------------------------------------------------------------------------ the job

async function shopInfo(db: PrismaClient, client: AdminClient, shop: string, signal: AbortSignal) {
  const data: CatalogShopQuery = await client.request(CATALOG_SHOP_QUERY, { sync: CATALOG_SYNC, signal });
  const count = data.productVariantsCount?.count ?? 0;
  const exact = data.productVariantsCount?.precision !== "AT_LEAST";
  await db.catalogFeed.update({
    where: { shop },
    data: { shopName: data.shop.name, currency: data.shop.currencyCode, shopUrl: data.shop.primaryDomain.url, variantCount: count, progressTotal: count },
  });
  return { count, exact };
}

function failureMessage(error: unknown): string {
  if (error instanceof ShopNeedsReauthError) return "Shopify rejected the app's access: open the app in Shopify admin again, then export.";
  const text = error instanceof Error ? error.message : String(error);
  return `The export failed: ${text.slice(0, 300)}`;
}

export async function runExport(
  db: PrismaClient,
  shop: string,
  owner: string,
  options: { client: () => Promise<AdminClient>; signal: AbortSignal; logger: Logger; now?: () => Date },
): Promise<"skipped" | "busy" | "published" | "bulk"> {
  const now = options.now ?? (() => new Date());
  if (!(await catalogSwitchOn(db, shop))) return "skipped";
  const generation = await claimExport(db, shop, owner, now());
  if (generation === null) {
    options.logger.info("a catalog export is already running for this shop");
    return "busy";
  }
  let mode: "immediate" | "bulk" = "immediate";
  try {
    const client = await options.client();
    const { count, exact } = await shopInfo(db, client, shop, options.signal);
    if (exact && count <= IMMEDIATE_LIMIT) {
      await paginatedExport(db, client, shop, generation, options.signal);
      await publishExport(db, shop, { generation, exportId: owner, mode }, now());
      return "published";
    }
    mode = "bulk";
    const { run, created } = await startBulkRun(db, shop, CATALOG_EXPORT_KIND, { generation }, now());
    if (!created) throw new Error("a catalog bulk run of an earlier export is still active");
    await db.catalogFeed.updateMany({ where: { shop, building: generation }, data: { exportId: run.id, exportMode: "bulk" } });
    return "bulk";
  } catch (error) {
    const permanent = error instanceof ShopNeedsReauthError;
    await recordExportFailure(db, shop, { generation, exportId: owner, mode, message: failureMessage(error), retry: !permanent }, now());
    if (permanent) throw new PermanentJobError(failureMessage(error), { cause: error });
    // Recorded, released, and a retry queued: the job itself ends here, so two retry paths do not pile up.
    options.logger.warn({ err: error }, "catalog export failed; retrying later");
    return "skipped";
  }
}

export const catalogExportJob = defineJob(CATALOG_EXPORT_JOB, {
  schema: z.object({ reason: exportReasons }),
  maxAttempts: 3,
  async perform({ reason }, job) {
    const { db, shop, signal } = job;
    if (!shop) throw new PermanentJobError("catalog.export without a shop");
    const logger = job.logger.child({ reason });
    await runExport(db, shop, job.job.id, {
      signal,
      logger,
      client: async () => {
        const { adminClientForShop } = await import("~/shopify/admin-client.server");
        return adminClientForShop(shop, { db });
      },
    });
  },
});

// ------------------------------------------------------------------------------------------------ the bulk kind

export const catalogBulkParams = z.object({ generation: z.number().int().positive() });
export type CatalogBulkParams = z.output<typeof catalogBulkParams>;

export const catalogExportKind = defineBulkKind<CatalogBulkParams>({
  kind: CATALOG_EXPORT_KIND,
  paramsSchema: catalogBulkParams,
  query: () => bulkDocument(CATALOG_EXPORT_BULK_QUERY),
  // Not grouped: faster for Shopify, and every line is applied on its own (variants and collections by __parentId).
  groupObjects: false,
  batchSize: 1000,
  sync: CATALOG_SYNC,
  async proceed({ db, shop, params }) {
    if (!(await catalogSwitchOn(db, shop))) return "Catalog sync was turned off, so the export stopped.";
    const feed = await db.catalogFeed.findUnique({ where: { shop }, select: { building: true } });
    return feed?.building === params.generation ? null : "A newer export replaced this one.";
  },
  async consume({ db, shop, params }, lines: BulkLine[]) {
    await writeRowsDirect(db, shop, params.generation, rowsFromBulkLines(lines));
  },
  async finished({ db, shop, params, run }) {
    await refreshCatalogStatistics(db);
    await publishExport(db, shop, { generation: params.generation, exportId: run.id, mode: "bulk" });
  },
  async failed({ db, shop, params, run }, error) {
    if (!params) return;
    // STOPPED: the switch went off or a newer export took over; neither wants a retry.
    const retry = error.code !== "STOPPED" && error.code !== "NEEDS_REAUTH";
    await recordExportFailure(db, shop, { generation: params.generation, exportId: run.id, mode: "bulk", message: error.message, retry });
  },
});
