/**
 * Browser/server reconciliation against the database: matching browser reports to purchases whichever arrives
 * first, the mismatch flags, the `purchases.reconcile` job that handles a side still missing after the grace
 * period, purchase.mismatch events, and the read API of the Purchases page (at the end of the file).
 *
 * Invariants (README "Reconciliation"):
 * - A browser report never creates or changes an order: it attaches to a Purchase (BrowserPurchase.purchaseOrderId)
 *   or stays unmatched. Purchase rows are only ever created by the server registration, once per order id.
 * - Every function that writes a purchase's mismatch columns first writes the purchase row (a row lock on
 *   PostgreSQL, the single writer on SQLite) and then reads it, so two paths (a browser report and an
 *   orders/updated, or a report and the forwarding job) cannot both decide on a stale read.
 * - purchase.mismatch is emitted only for a purchase the platform already knows (forwarded) and only while the
 *   switch is on; the forwarding job emits a mismatch found earlier right after purchase.registered. One event per
 *   distinct mismatch (dedupe key from the differences).
 */
import { createHash, randomUUID } from "node:crypto";

import { z } from "zod";

import type { Db, PrismaClient, Tx } from "~/db.server";
import { emitEvent } from "~/events/emit.server";
import type { BrowserPurchase, Purchase } from "~/generated/sqlite/client";
import { defineJob, PermanentJobError } from "~/jobs/define.server";
import { ensureSchedule, removeSchedule } from "~/jobs/queue.server";

import type { BrowserReport } from "./browser-report";
import { parsePurchaseOptions, PURCHASES_SYNC, type PurchaseOptions } from "./options";
import {
  BROWSER_MISSING_JSON,
  compareReport,
  expectsBrowserReport,
  mismatchKindOf,
  orderNameCandidates,
  orderNumberOf,
  parseMismatchFields,
  pixelSinceSecond,
  serverItemCount,
  type MismatchField,
  type MismatchKind,
  type MismatchBrowserSnapshot,
  type PurchaseMismatchEventData,
} from "./reconcile";

export const RECONCILE_JOB = "purchases.reconcile";
/** How often the per-shop reconciliation runs while the switch is on: a flag appears within grace + 5 minutes. */
export const RECONCILE_INTERVAL_SECONDS = 5 * 60;
/**
 * How far back the job looks for a side still missing. Anything older was checked by earlier runs; this only bounds
 * the scan (and is how long the worker may be down before an order escapes the check).
 */
export const RECONCILE_LOOKBACK_MS = 48 * 3600_000;
/** A report is matched by name to orders created this long before or after it was received. */
const NAME_MATCH_BEFORE_MS = 7 * 24 * 3600_000;
const NAME_MATCH_AFTER_MS = 24 * 3600_000;
const BATCH = 200;
/** Per run and side; the rest waits for the next run (keeps one job short under a flood of reports). */
const MAX_PER_RUN = 2_000;

export interface ReconcileSetting {
  enabled: boolean;
  options: PurchaseOptions;
}

export function reconcileScheduleName(shop: string): string {
  return `${RECONCILE_JOB}:${shop}`;
}

/** For the purchase switch's hooks: the per-shop reconciliation runs every 5 minutes while the switch is on. */
export async function ensureReconcileSchedule(db: Db, shop: string, now = new Date()): Promise<void> {
  await ensureSchedule(db, { name: reconcileScheduleName(shop), type: RECONCILE_JOB, shop, intervalSeconds: RECONCILE_INTERVAL_SECONDS }, now);
}

export async function removeReconcileSchedule(db: Db, shop: string): Promise<void> {
  await removeSchedule(db, reconcileScheduleName(shop));
}

// ---------------------------------------------------------------------------------------------------------------
// Matching and comparing

/** The purchase a report without an order id names, by order name or number (when the shop turned that on). */
async function findPurchaseForReport(
  tx: Tx,
  report: Pick<BrowserPurchase, "shop" | "orderName" | "receivedAt">,
  options: PurchaseOptions,
): Promise<Pick<Purchase, "orderId"> | null> {
  const { shop } = report;
  if (!options.matchByOrderName || !report.orderName) return null;
  const name = report.orderName.trim();
  const number = orderNumberOf(name);
  // Order numbers are unique per shop; the window only keeps the lookup on the (shop, orderCreatedAt) index.
  return tx.purchase.findFirst({
    where: {
      shop,
      orderCreatedAt: {
        gte: new Date(report.receivedAt.getTime() - NAME_MATCH_BEFORE_MS),
        lte: new Date(report.receivedAt.getTime() + NAME_MATCH_AFTER_MS),
      },
      OR: [{ orderName: name }, ...(number ? [{ orderNumber: number }, { orderName: { in: [number, `#${number}`] } }] : [])],
    },
    orderBy: { orderCreatedAt: "desc" },
    select: { orderId: true },
  });
}

/** Unmatched reports that name this purchase (by id; by name when the shop turned that on). */
async function unmatchedReportsFor(
  tx: Tx,
  purchase: Pick<Purchase, "shop" | "orderId" | "orderName" | "orderNumber">,
  options: PurchaseOptions,
): Promise<string[]> {
  const rows = await tx.browserPurchase.findMany({
    where: {
      shop: purchase.shop,
      purchaseOrderId: null,
      OR: [
        { orderId: purchase.orderId },
        ...(options.matchByOrderName ? [{ orderId: null, orderName: { in: orderNameCandidates(purchase) } }] : []),
      ],
    },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/**
 * Attaches `reportIds` (unmatched reports) to the purchase and compares the purchase with its primary report (see
 * primaryReport). Writes the flags and emits the mismatch when due. Does nothing to a purchase without any report
 * (that is the grace-period job's business). False when there is no such purchase.
 */
async function attachAndCompare(tx: Tx, shop: string, orderId: string, reportIds: string[], setting: ReconcileSetting, now: Date): Promise<boolean> {
  // The lock: see the file comment. Purchase.updatedAt moves, nothing else. No row: no such purchase (yet).
  const locked = await tx.purchase.updateMany({ where: { shop, orderId }, data: { updatedAt: now } });
  if (locked.count === 0) return false;
  if (reportIds.length > 0) {
    await tx.browserPurchase.updateMany({
      where: { shop, id: { in: reportIds }, purchaseOrderId: null },
      data: { purchaseOrderId: orderId, matchedAt: now },
    });
  }
  const purchase = await tx.purchase.findUniqueOrThrow({ where: { shop_orderId: { shop, orderId } } });
  const primary = await primaryReport(tx, shop, orderId);
  if (!primary) return true;
  const fields = compareReport(purchase, primary);
  const after = await writeFlags(tx, purchase, fields, now);
  await emitMismatchIfDue(tx, after, primary, setting.enabled, now);
  return true;
}

/** The report a purchase is compared with: the first attached one that carries the order id, else the first. */
async function primaryReport(tx: Tx, shop: string, orderId: string): Promise<BrowserPurchase | null> {
  const reports = await tx.browserPurchase.findMany({ where: { shop, purchaseOrderId: orderId }, orderBy: [{ receivedAt: "asc" }, { id: "asc" }] });
  return reports.find((r) => r.orderId !== null) ?? reports[0] ?? null;
}

/** Stores the comparison on the purchase (only when something changed) and returns the row as it now stands. */
async function writeFlags(tx: Tx, purchase: Purchase, fields: MismatchField[], now: Date): Promise<Purchase> {
  const mismatchFields = fields.length > 0 ? JSON.stringify(fields) : null;
  const names = (list: readonly MismatchField[]) => list.map((f) => f.field).join(",");
  // The same fields still differing (maybe by other amounts) is the same mismatch; other fields are a new one.
  const sameMismatch = purchase.mismatch && names(parseMismatchFields(purchase.mismatchFields)) === names(fields);
  const data = {
    browserReportedAt: purchase.browserReportedAt ?? now,
    mismatch: fields.length > 0,
    mismatchFields,
    // When this mismatch was first found; it goes when both sides agree.
    mismatchAt: fields.length === 0 ? null : sameMismatch ? (purchase.mismatchAt ?? now) : now,
  };
  const unchanged =
    purchase.browserReportedAt !== null &&
    purchase.mismatch === data.mismatch &&
    purchase.mismatchFields === data.mismatchFields &&
    (purchase.mismatchAt?.getTime() ?? null) === (data.mismatchAt?.getTime() ?? null);
  if (unchanged) return purchase;
  await tx.purchase.updateMany({ where: { shop: purchase.shop, orderId: purchase.orderId }, data });
  return { ...purchase, ...data };
}

/**
 * A browser report just stored by the pixel endpoint: attach it to its purchase and compare, in the caller's
 * transaction. Returns whether a purchase was found; an unmatched report waits for its order (registerOrder looks
 * for it) or for the grace-period job.
 */
export async function matchBrowserReport(tx: Tx, report: BrowserPurchase, setting: ReconcileSetting, now = new Date()): Promise<boolean> {
  // By id the lock's own update finds the purchase; by name it has to be looked up first.
  if (report.orderId) return attachAndCompare(tx, report.shop, report.orderId, [report.id], setting, now);
  const purchase = await findPurchaseForReport(tx, report, setting.options);
  if (!purchase) return false;
  return attachAndCompare(tx, report.shop, purchase.orderId, [report.id], setting, now);
}

/**
 * The server side of reconciliation, called by registerOrder inside its transaction for every order it created or
 * updated: attach reports that arrived first, and compare again with the order as it now stands (an upsell's order
 * edit changes the total and the items; a change that makes both sides agree clears the flag).
 */
export async function reconcilePurchase(tx: Tx, shop: string, orderId: string, setting: ReconcileSetting, now = new Date()): Promise<void> {
  const purchase = await tx.purchase.findUnique({
    where: { shop_orderId: { shop, orderId } },
    select: { shop: true, orderId: true, orderName: true, orderNumber: true, browserReportedAt: true },
  });
  if (!purchase) return;
  const waiting = await unmatchedReportsFor(tx, purchase, setting.options);
  if (waiting.length === 0 && purchase.browserReportedAt === null) return;
  await attachAndCompare(tx, shop, orderId, waiting, setting, now);
}

// ---------------------------------------------------------------------------------------------------------------
// purchase.mismatch

function dedupeKey(orderRef: string, kind: MismatchKind, fields: readonly MismatchField[]): string {
  // Email values stay out of the key: OutboundEvent.dedupeKey outlives customers/redact.
  const material = fields.map((f) => (f.field === "email" ? ["email"] : [f.field, f.server, f.browser]));
  const digest = createHash("sha256").update(JSON.stringify(material)).digest("hex").slice(0, 16);
  return `${orderRef}:${kind}:${digest}`;
}

function browserSnapshot(report: BrowserPurchase): MismatchBrowserSnapshot {
  return {
    eventId: report.eventId,
    totalPrice: report.totalPrice,
    currency: report.currency,
    email: report.email,
    itemCount: report.itemCount,
    occurredAt: report.occurredAt.toISOString(),
    receivedAt: report.receivedAt.toISOString(),
  };
}

async function emitMismatchIfDue(tx: Tx, purchase: Purchase, report: BrowserPurchase | null, enabled: boolean, now: Date): Promise<void> {
  if (!enabled || !purchase.mismatch || !purchase.forwardedAt || purchase.excludedReason) return;
  const fields = parseMismatchFields(purchase.mismatchFields);
  if (fields.length === 0) return;
  const kind = mismatchKindOf(fields);
  const detectedAt = purchase.mismatchAt ?? now;
  const data: PurchaseMismatchEventData = {
    kind,
    orderId: purchase.orderId,
    orderName: purchase.orderName,
    fields: fields.map((f) => f.field),
    server: {
      totalPrice: purchase.totalPrice,
      currency: purchase.currency,
      presentmentTotalPrice: purchase.presentmentTotal,
      presentmentCurrency: purchase.presentmentCurrency,
      email: purchase.email,
      itemCount: serverItemCount(purchase.lineItems),
      sourceName: purchase.sourceName,
    },
    browser: kind === "differs" && report ? browserSnapshot(report) : null,
    detectedAt: detectedAt.toISOString(),
  };
  await emitEvent(tx, {
    shop: purchase.shop,
    type: "purchase.mismatch",
    dedupeKey: dedupeKey(purchase.orderId, kind, fields),
    occurredAt: detectedAt,
    data: data as unknown as Record<string, unknown>,
  });
}

/**
 * For the forwarding job, right after purchase.registered, in its transaction (which has just written the row):
 * the mismatch found while the purchase was in its upsell window goes out now that the platform knows the order.
 */
export async function emitPendingMismatch(tx: Tx, shop: string, orderId: string, enabled: boolean, now = new Date()): Promise<void> {
  const purchase = await tx.purchase.findUnique({ where: { shop_orderId: { shop, orderId } } });
  if (!purchase?.mismatch) return;
  await emitMismatchIfDue(tx, purchase, await primaryReport(tx, shop, orderId), enabled, now);
}

async function emitServerMissing(tx: Tx, report: BrowserPurchase, now: Date): Promise<void> {
  const data: PurchaseMismatchEventData = {
    kind: "server_missing",
    orderId: report.orderId,
    orderName: report.orderName,
    fields: ["server"],
    server: null,
    browser: browserSnapshot(report),
    detectedAt: (report.mismatchAt ?? now).toISOString(),
  };
  await emitEvent(tx, {
    shop: report.shop,
    type: "purchase.mismatch",
    dedupeKey: `browser:${report.eventId}:server_missing`,
    occurredAt: report.mismatchAt ?? now,
    data: data as unknown as Record<string, unknown>,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Storing a browser report (the pixel endpoint's write)

export type BrowserReportOutcome = "unknown_shop" | "not_accepting" | "stored" | "duplicate";

/**
 * Stores a validated browser report once per (shop, eventId) and matches it at once when its purchase is there,
 * in one transaction. Only a shop that has the app installed and the purchase sync on takes reports.
 */
export async function acceptBrowserReport(db: PrismaClient, report: BrowserReport, now = new Date()): Promise<BrowserReportOutcome> {
  const [shopRow, settingRow] = await Promise.all([
    db.shop.findUnique({ where: { shop: report.shop }, select: { uninstalledAt: true } }),
    db.syncSetting.findUnique({ where: { shop_sync: { shop: report.shop, sync: PURCHASES_SYNC } }, select: { enabled: true, options: true } }),
  ]);
  if (!shopRow || shopRow.uninstalledAt) return "unknown_shop";
  if (!settingRow?.enabled) return "not_accepting";
  const setting: ReconcileSetting = { enabled: true, options: parsePurchaseOptions(settingRow.options) };
  return db.$transaction(async (tx) => {
    const id = randomUUID();
    // A no-op update makes Prisma run one INSERT ... ON CONFLICT: a retried post never raises (see enqueue()).
    const row = await tx.browserPurchase.upsert({
      where: { shop_eventId: { shop: report.shop, eventId: report.eventId } },
      create: {
        id,
        shop: report.shop,
        eventId: report.eventId,
        orderId: report.orderId,
        orderName: report.orderName,
        checkoutToken: report.checkoutToken,
        totalPrice: report.totalPrice,
        currency: report.currency,
        email: report.email,
        itemCount: report.itemCount,
        lineItems: JSON.stringify(report.lineItems),
        occurredAt: report.occurredAt,
        receivedAt: now,
      },
      update: { eventId: report.eventId },
    });
    if (row.id !== id) return "duplicate";
    await matchBrowserReport(tx, row, setting, now);
    return "stored";
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The grace period: purchases.reconcile

export interface ReconcileRunReport {
  skipped: boolean;
  /** Reports past the grace period that found their purchase now. */
  reportsMatched: number;
  /** Reports flagged: no server registration within the grace period. */
  serverMissing: number;
  /** Purchases that found a report the arrival paths missed (they raced). */
  purchasesMatched: number;
  /** Purchases flagged: no browser report within the grace period. */
  browserMissing: number;
}

/**
 * One run for one shop: every report past the grace period still without its purchase is matched again (the
 * options may have changed, or the two arrived in the same instant) and otherwise flagged as server missing; every
 * purchase that expects a browser report and has none past the grace period is checked for one again and otherwise
 * flagged as browser missing. Each flag is emitted once as purchase.mismatch (a purchase's only once forwarded).
 */
export async function runReconciliation(db: PrismaClient, shop: string, now = new Date()): Promise<ReconcileRunReport> {
  const report: ReconcileRunReport = { skipped: false, reportsMatched: 0, serverMissing: 0, purchasesMatched: 0, browserMissing: 0 };
  const row = await db.syncSetting.findUnique({
    where: { shop_sync: { shop, sync: PURCHASES_SYNC } },
    select: { enabled: true, options: true, enabledAt: true },
  });
  if (!row?.enabled) return { ...report, skipped: true };
  const setting: ReconcileSetting = { enabled: true, options: parsePurchaseOptions(row.options) };
  const cutoff = new Date(now.getTime() - setting.options.mismatchGraceMinutes * 60_000);
  const since = new Date(now.getTime() - RECONCILE_LOOKBACK_MS);

  // Browser reports without a purchase.
  // Keyset pagination: a row handled in this run may leave the filter (matched) or stay (already flagged).
  let after: { at: Date; id: string } | null = null;
  for (let seen = 0; seen < MAX_PER_RUN; ) {
    const batch: BrowserPurchase[] = await db.browserPurchase.findMany({
      where: {
        shop,
        matchedAt: null,
        receivedAt: { gte: since, lte: cutoff },
        ...(after ? { OR: [{ receivedAt: { gt: after.at } }, { receivedAt: after.at, id: { gt: after.id } }] } : {}),
      },
      orderBy: [{ receivedAt: "asc" }, { id: "asc" }],
      take: BATCH,
    });
    if (batch.length === 0) break;
    for (const candidate of batch) {
      const outcome = await db.$transaction(async (tx) => {
        if (await matchBrowserReport(tx, candidate, setting, now)) return "matched";
        if (candidate.mismatchAt) return "already_flagged";
        const flagged = await tx.browserPurchase.updateMany({
          where: { shop, id: candidate.id, matchedAt: null, mismatchAt: null },
          data: { mismatchAt: now },
        });
        if (flagged.count === 0) return "raced";
        await emitServerMissing(tx, { ...candidate, mismatchAt: now }, now);
        return "flagged";
      });
      if (outcome === "matched") report.reportsMatched += 1;
      if (outcome === "flagged") report.serverMissing += 1;
    }
    seen += batch.length;
    const last = batch[batch.length - 1];
    after = { at: last.receivedAt, id: last.id };
    if (batch.length < BATCH) break;
  }

  // Purchases without a browser report.
  const pixelSince = row.enabledAt;
  if (pixelSince) {
    let afterPurchase: { at: Date; id: string } | null = null;
    for (let seen = 0; seen < MAX_PER_RUN; ) {
      const batch: Purchase[] = await db.purchase.findMany({
        where: {
          shop,
          browserReportedAt: null,
          mismatch: false,
          excludedReason: null,
          test: false,
          sourceName: "web",
          orderCreatedAt: { gte: new Date(Math.max(pixelSinceSecond(pixelSince).getTime(), since.getTime())) },
          createdAt: { lte: cutoff },
          ...(afterPurchase
            ? { OR: [{ orderCreatedAt: { gt: afterPurchase.at } }, { orderCreatedAt: afterPurchase.at, id: { gt: afterPurchase.id } }] }
            : {}),
        },
        orderBy: [{ orderCreatedAt: "asc" }, { id: "asc" }],
        take: BATCH,
      });
      if (batch.length === 0) break;
      for (const candidate of batch) {
        if (!expectsBrowserReport(candidate, pixelSince)) continue;
        const outcome = await db.$transaction(async (tx) => {
          const waiting = await unmatchedReportsFor(tx, candidate, setting.options);
          if (waiting.length > 0) {
            await attachAndCompare(tx, shop, candidate.orderId, waiting, setting, now);
            return "matched";
          }
          const flagged = await tx.purchase.updateMany({
            where: { shop, orderId: candidate.orderId, browserReportedAt: null, mismatch: false },
            data: { mismatch: true, mismatchFields: BROWSER_MISSING_JSON, mismatchAt: now },
          });
          if (flagged.count === 0) return "raced";
          const purchase = await tx.purchase.findUniqueOrThrow({ where: { shop_orderId: { shop, orderId: candidate.orderId } } });
          await emitMismatchIfDue(tx, purchase, null, setting.enabled, now);
          return "flagged";
        });
        if (outcome === "matched") report.purchasesMatched += 1;
        if (outcome === "flagged") report.browserMissing += 1;
      }
      seen += batch.length;
      const last = batch[batch.length - 1];
      afterPurchase = { at: last.orderCreatedAt, id: last.id };
      if (batch.length < BATCH) break;
    }
  }
  return report;
}

export const purchaseReconcileJob = defineJob(RECONCILE_JOB, {
  schema: z.object({}).passthrough(),
  maxAttempts: 3,
  backoff: { baseMs: 60_000, maxMs: 10 * 60_000 },
  async perform(_payload, { db, shop, logger }) {
    if (!shop) throw new PermanentJobError("purchase reconciliation job without a shop");
    const outcome = await runReconciliation(db, shop);
    if (outcome.skipped) return; // the switch is off: the schedule goes with the next turn-off, or stays idle
    logger.info(outcome, "purchase reconciliation done");
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Read API for the Purchases page

export interface MismatchCounts {
  /** Purchases whose browser report disagrees with the order (total, currency, email, item count). */
  differs: number;
  /** Purchases that expected a browser report and had none after the grace period. */
  browserMissing: number;
  /** Browser reports with no server registration after the grace period (and still unmatched). */
  serverMissing: number;
  total: number;
}

/** Counts for the sync page's Mismatches view, one shop. Three indexed counts. */
export async function mismatchCounts(db: Db, shop: string): Promise<MismatchCounts> {
  const [flagged, browserMissing, serverMissing] = await Promise.all([
    db.purchase.count({ where: { shop, mismatch: true } }),
    db.purchase.count({ where: { shop, mismatch: true, mismatchFields: BROWSER_MISSING_JSON } }),
    db.browserPurchase.count({ where: { shop, matchedAt: null, mismatchAt: { not: null } } }),
  ]);
  const differs = flagged - browserMissing;
  return { differs, browserMissing, serverMissing, total: differs + browserMissing + serverMissing };
}

export interface UnmatchedBrowserReport {
  id: string;
  eventId: string;
  orderId: string | null;
  orderName: string | null;
  totalPrice: string;
  currency: string;
  email: string | null;
  itemCount: number;
  occurredAt: Date;
  receivedAt: Date;
  /** "waiting": still inside the grace period; "server_missing": flagged (mismatchAt) after it. */
  status: "waiting" | "server_missing";
  mismatchAt: Date | null;
}

/** An opaque page cursor: the last row's position (receivedAt, id), so a row matched meanwhile breaks nothing. */
function encodeCursor(row: { receivedAt: Date; id: string }): string {
  return Buffer.from(`${row.receivedAt.toISOString()}|${row.id}`, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): { at: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const time = Date.parse(at ?? "");
  return id && !Number.isNaN(time) ? { at: new Date(time), id } : null;
}

/**
 * Browser reports that no purchase has claimed, newest first, a page at a time. `cursor` is the `nextCursor` of
 * the previous page (opaque; an unreadable one starts from the top); `limit` defaults to 50, at most 250.
 */
export async function listUnmatchedBrowserReports(
  db: Db,
  shop: string,
  page: { cursor?: string | null; limit?: number } = {},
): Promise<{ reports: UnmatchedBrowserReport[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(page.limit ?? 50), 1), 250);
  const before = page.cursor ? decodeCursor(page.cursor) : null;
  const rows = await db.browserPurchase.findMany({
    where: {
      shop,
      matchedAt: null,
      ...(before ? { OR: [{ receivedAt: { lt: before.at } }, { receivedAt: before.at, id: { lt: before.id } }] } : {}),
    },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const reports = rows.slice(0, limit).map((r) => ({
    id: r.id,
    eventId: r.eventId,
    orderId: r.orderId,
    orderName: r.orderName,
    totalPrice: r.totalPrice,
    currency: r.currency,
    email: r.email,
    itemCount: r.itemCount,
    occurredAt: r.occurredAt,
    receivedAt: r.receivedAt,
    status: r.mismatchAt ? ("server_missing" as const) : ("waiting" as const),
    mismatchAt: r.mismatchAt,
  }));
  return { reports, nextCursor: rows.length > limit ? encodeCursor(reports[reports.length - 1]) : null };
}
