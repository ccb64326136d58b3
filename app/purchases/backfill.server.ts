/**
 * "Import past orders" (issue 4 point 7): the `purchases.backfill` bulk kind. One bulk query reads every order
 * created in the range with its line items, discount applications and shipping lines (grouped, so each order's
 * lines follow it and every batch holds whole orders); each order goes through `registerOrder`, exactly like a
 * webhook. So an order already registered live is never doubled (unique on (shop, orderId)), and a live webhook
 * that arrives during the import wins whenever its `updated_at` is newer.
 *
 * The range: the last 60 days; up to 365 days when the shop granted read_all_orders (Shopify hides orders older than
 * 60 days without it). Backfilled orders follow the normal rules: exclusions apply, and their upsell window has long
 * closed, so each is forwarded to the platform as `purchase.registered` at once (a merchant importing past orders
 * wants them on the platform). That is also why the import needs the switch on, and stops if it is turned off:
 * an order whose window closed while the switch was off would be excluded for good (`sync_off`).
 */
import { z } from "zod";

import { defineBulkKind, type BulkLine } from "~/bulk/define.server";
import { bulkDocument } from "~/bulk/document";
import { bulkRunProgress, latestBulkRun, startBulkRun, type BulkRunProgress, type StartedBulkRun } from "~/bulk/runner.server";
import type { PrismaClient } from "~/db.server";
import { PURCHASES_BACKFILL_BULK_QUERY } from "~/graphql/PurchasesBackfillBulk";
import { scopeGranted } from "~/syncs/scopes";

import { orderReadScopes } from "./catchup.server";
import { parseGraphqlOrder } from "./graphql-mapping";
import { PURCHASES_SYNC } from "./options";
import { loadPurchaseSetting, registerOrder } from "./service.server";

export const PURCHASES_BACKFILL_KIND = "purchases.backfill";
/** Shopify shows apps the last 60 days of orders unless they hold read_all_orders. */
export const BACKFILL_DAYS = 60;
/** With read_all_orders: a year. Longer imports take long, and a year covers what a platform usually wants. */
export const BACKFILL_DAYS_ALL_ORDERS = 365;
const DAY_MS = 86_400_000;

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "not an ISO timestamp");

export const backfillParamsSchema = z.object({
  /** Orders created at or after this instant... */
  since: isoDate,
  /** ...and at or before this one (the start of the run: later orders arrive by webhook). */
  until: isoDate,
  withCustomer: z.boolean(),
  withProducts: z.boolean(),
});

export type BackfillParams = z.output<typeof backfillParamsSchema>;

export const SWITCH_OFF_REASON = "Purchase sync was turned off, so the import stopped. Turn it on to import past orders again.";

export function backfillQuery(params: BackfillParams): string {
  return bulkDocument(PURCHASES_BACKFILL_BULK_QUERY, {
    search: `created_at:>='${params.since}' AND created_at:<='${params.until}'`,
    withCustomer: params.withCustomer,
    withProducts: params.withProducts,
  });
}

interface OrderGroup {
  order: BulkLine;
  lineItems: BulkLine[];
  discountApplications: BulkLine[];
  shippingLines: BulkLine[];
}

/** A batch of grouped JSONL lines → one group per order (children matched on `__parentId`, typed by `__typename`). */
export function groupOrders(lines: BulkLine[]): OrderGroup[] {
  const groups = new Map<string, OrderGroup>();
  const ordered: OrderGroup[] = [];
  for (const line of lines) {
    if (line.__parentId === undefined) {
      const group = { order: line, lineItems: [], discountApplications: [], shippingLines: [] };
      groups.set(String(line.id), group);
      ordered.push(group);
      continue;
    }
    const group = groups.get(line.__parentId);
    if (!group) throw new Error(`bulk line of ${line.__parentId} arrived without its order (the result is not grouped)`);
    if (line.__typename === "LineItem") group.lineItems.push(line);
    else if (line.__typename === "ShippingLine") group.shippingLines.push(line);
    else group.discountApplications.push(line);
  }
  return ordered;
}

export const purchaseBackfillKind = defineBulkKind<BackfillParams>({
  kind: PURCHASES_BACKFILL_KIND,
  paramsSchema: backfillParamsSchema,
  query: backfillQuery,
  groupObjects: true,
  batchSize: 250,
  sync: PURCHASES_SYNC,
  async proceed({ db, shop }) {
    const { enabled } = await loadPurchaseSetting(db, shop);
    return enabled ? null : SWITCH_OFF_REASON;
  },
  async consume({ db, shop }, lines) {
    for (const group of groupOrders(lines)) {
      const order = parseGraphqlOrder(group.order, group);
      // Idempotent: a replayed batch finds each order stored in the same state ("stale") and changes nothing.
      await registerOrder(db, shop, order);
    }
  },
});

export class BackfillNotAllowedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackfillNotAllowedError";
  }
}

export interface BackfillRange {
  days: number;
  since: string;
  /** The shop granted read_all_orders, so the range is longer than Shopify's 60-day default. */
  allOrders: boolean;
}

export async function backfillRange(db: PrismaClient, shop: string, now = new Date()): Promise<BackfillRange> {
  const row = await db.shop.findUnique({ where: { shop }, select: { scopes: true } });
  const granted = (row?.scopes ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const allOrders = scopeGranted("read_all_orders", granted);
  const days = allOrders ? BACKFILL_DAYS_ALL_ORDERS : BACKFILL_DAYS;
  return { days, since: new Date(now.getTime() - days * DAY_MS).toISOString(), allOrders };
}

/** Starts an import of the shop's past orders, or returns the one already running. */
export async function startBackfill(db: PrismaClient, shop: string, now = new Date()): Promise<StartedBulkRun> {
  const { enabled } = await loadPurchaseSetting(db, shop);
  if (!enabled) throw new BackfillNotAllowedError("Turn on purchase sync first: imported orders are forwarded like new ones.");
  const range = await backfillRange(db, shop, now);
  const scopes = await orderReadScopes(db, shop);
  const params: BackfillParams = { since: range.since, until: now.toISOString(), ...scopes };
  return startBulkRun(db, shop, PURCHASES_BACKFILL_KIND, params, now);
}

export interface BackfillStatus {
  /** The import can be started now (the switch is on and no import is running). */
  canStart: boolean;
  /** Why not, in words for the merchant; null when it can. */
  blockedReason: string | null;
  /** What a new import would cover. */
  range: BackfillRange;
  run: BulkRunProgress | null;
  /** For the latest run's range: orders on record now, and how many of them it registered for the first time. */
  counts: { onRecord: number; imported: number } | null;
}

/** Everything the "Import past orders" card shows; plain JSON for a loader. */
export async function loadBackfillStatus(db: PrismaClient, shop: string, now = new Date()): Promise<BackfillStatus> {
  const [{ enabled }, range, latest] = await Promise.all([
    loadPurchaseSetting(db, shop),
    backfillRange(db, shop, now),
    latestBulkRun(db, shop, PURCHASES_BACKFILL_KIND),
  ]);
  const run = latest ? bulkRunProgress(latest) : null;
  let counts: BackfillStatus["counts"] = null;
  if (latest) {
    const params = backfillParamsSchema.safeParse(JSON.parse(latest.params) as unknown);
    if (params.success) {
      const inRange = { shop, orderCreatedAt: { gte: new Date(params.data.since), lte: new Date(params.data.until) } };
      const [onRecord, imported] = await Promise.all([
        db.purchase.count({ where: inRange }),
        db.purchase.count({ where: { ...inRange, createdAt: { gte: latest.startedAt } } }),
      ]);
      counts = { onRecord, imported };
    }
  }
  const blockedReason = !enabled
    ? "Turn on purchase sync to import past orders."
    : run?.active
      ? "An import is already running."
      : null;
  return { canStart: blockedReason === null, blockedReason, range, run, counts };
}
