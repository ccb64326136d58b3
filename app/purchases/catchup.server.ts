/**
 * The hourly catch-up (issue 4 point 7): re-reads the orders Shopify changed recently and registers any that a lost
 * webhook missed, through the same `registerOrder` as the webhooks, so nothing is doubled and an older state never
 * overwrites a newer one.
 *
 * Two passes keep it cheap: a list of (id, updatedAt) of every order updated in the window (250 a page, about 250
 * cost points), then a full read (PurchasesOrder) only of orders we do not have or hold in an older state. Most
 * hours the second pass is empty. Calls go through the admin client, which paces them by the shop's cost bucket.
 *
 * The window: the last 48 hours plus one hour of margin (the interval, a late job, clock skew); longer when the
 * last successful catch-up is older than that (the worker was down), up to the 7 days the activity log remembers.
 * It never reaches back before the switch was last turned on (minus 5 minutes for the toggle itself): orders from
 * before that were never meant to arrive by webhook, and "Import past orders" is the way to bring them in.
 */
import { z } from "zod";

import { recordActivity } from "~/activity/activity.server";
import type { Db, PrismaClient } from "~/db.server";
import { PURCHASES_ORDER_QUERY } from "~/graphql/PurchasesOrder";
import { PURCHASES_RECENT_ORDERS_QUERY } from "~/graphql/PurchasesRecentOrders";
import { defineJob, PermanentJobError } from "~/jobs/define.server";
import { enqueue, ensureSchedule, removeSchedule } from "~/jobs/queue.server";
import type { Logger } from "~/logger.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { ShopNeedsReauthError } from "~/shopify/errors";
import { scopeGranted } from "~/syncs/scopes";
import type { PurchasesOrderQuery, PurchasesRecentOrdersQuery } from "~/types/admin.generated";
import { numericId } from "~/webhooks/json";

import { parseGraphqlOrder } from "./graphql-mapping";
import { PURCHASES_SYNC } from "./options";
import type { MappedOrder } from "./payloads";
import { loadPurchaseSetting, registerOrder } from "./service.server";

export const PURCHASES_CATCHUP_JOB = "purchases.catchup";
export const CATCHUP_INTERVAL_SECONDS = 3600;
export const CATCHUP_WINDOW_MS = 48 * 3_600_000;
export const CATCHUP_MARGIN_MS = 3_600_000;
/** As far back as a catch-up after an outage reaches: the activity log (which remembers the last one) keeps 7 days. */
export const CATCHUP_MAX_WINDOW_MS = 7 * 86_400_000;
/** Before `enabledAt`: the toggle creates the subscriptions a little before it records the switch as on. */
export const CATCHUP_ENABLE_MARGIN_MS = 5 * 60_000;
/** The first catch-up after the switch goes on: soon, once the subscriptions have settled. */
export const FIRST_CATCHUP_DELAY_MS = 2 * 60_000;
const PAGE_SIZE = 250;

export function catchupScheduleName(shop: string): string {
  return `${PURCHASES_CATCHUP_JOB}:${shop}`;
}

/** Hourly while the switch is on; the first run a couple of minutes after it went on. Inside the toggle transaction. */
export async function scheduleCatchup(db: Db, shop: string, now = new Date()): Promise<void> {
  await ensureSchedule(db, {
    name: catchupScheduleName(shop),
    type: PURCHASES_CATCHUP_JOB,
    shop,
    payload: {},
    intervalSeconds: CATCHUP_INTERVAL_SECONDS,
  }, now);
  const firstAt = new Date(now.getTime() + FIRST_CATCHUP_DELAY_MS);
  // One per minute at most, however often the switch is flipped.
  const minute = new Date(Math.floor(firstAt.getTime() / 60_000) * 60_000).toISOString();
  await enqueue(db, { type: PURCHASES_CATCHUP_JOB, shop, payload: {}, runAt: firstAt, dedupeKey: `${PURCHASES_CATCHUP_JOB}:first:${shop}:${minute}` });
}

export async function unscheduleCatchup(db: Db, shop: string): Promise<void> {
  await removeSchedule(db, catchupScheduleName(shop));
}

export interface OrderReadScopes {
  /** read_customers: the order's customer id (and the customer's email when the order has none). */
  withCustomer: boolean;
  /** read_products: line items' product and variant ids. */
  withProducts: boolean;
}

/** What GraphQL lets us read about orders besides read_orders, from the scopes the shop granted. */
export async function orderReadScopes(db: Db, shop: string): Promise<OrderReadScopes> {
  const row = await db.shop.findUnique({ where: { shop }, select: { scopes: true } });
  const granted = (row?.scopes ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return { withCustomer: scopeGranted("read_customers", granted), withProducts: scopeGranted("read_products", granted) };
}

/** One order in full (all its line items, 50 a request), mapped for registration; null when Shopify has no such order. */
export async function fetchOrder(client: AdminClient, id: string, scopes: OrderReadScopes, signal?: AbortSignal): Promise<MappedOrder | null> {
  let after: string | null = null;
  let order: unknown = null;
  let discountApplications: unknown[] = [];
  let shippingLines: unknown[] = [];
  const lineItems: unknown[] = [];
  do {
    const data: PurchasesOrderQuery = await client.request(PURCHASES_ORDER_QUERY, {
      variables: { id, lineItemsAfter: after, ...scopes },
      sync: PURCHASES_SYNC,
      signal,
    });
    if (!data.order) return null;
    if (order === null) {
      order = data.order;
      discountApplications = data.order.discountApplications.nodes;
      shippingLines = data.order.shippingLines.nodes;
    }
    lineItems.push(...data.order.lineItems.nodes);
    after = data.order.lineItems.pageInfo.hasNextPage ? (data.order.lineItems.pageInfo.endCursor ?? null) : null;
  } while (after);
  return parseGraphqlOrder(order, { lineItems, discountApplications, shippingLines });
}

export interface CatchupReport {
  since: Date;
  until: Date;
  /** Orders Shopify listed as updated in the window. */
  read: number;
  /** Of those, read in full because we lacked them or held an older state. */
  fetched: number;
  /** Registered for the first time: their webhooks never arrived. */
  created: number;
  /** A newer state than we held: an orders/updated was missed. */
  updated: number;
  /** Already held in this state or a newer one. */
  unchanged: number;
  /** Listed, then gone before the full read (deleted, or aged out of the 60 days). */
  gone: number;
}

/** Where this catch-up starts reading (see the module comment). */
export async function catchupSince(db: PrismaClient, shop: string, now: Date): Promise<Date> {
  let since = now.getTime() - CATCHUP_WINDOW_MS - CATCHUP_MARGIN_MS;
  const last = await db.activityLog.findFirst({
    where: { shop, kind: "job", name: PURCHASES_CATCHUP_JOB, status: "ok" },
    orderBy: { createdAt: "desc" },
    select: { detail: true },
  });
  const lastUntil = (() => {
    try {
      const until = (JSON.parse(last?.detail ?? "{}") as { until?: unknown }).until;
      return typeof until === "string" ? Date.parse(until) : NaN;
    } catch {
      return NaN;
    }
  })();
  if (Number.isFinite(lastUntil)) since = Math.min(since, lastUntil - CATCHUP_MARGIN_MS);
  since = Math.max(since, now.getTime() - CATCHUP_MAX_WINDOW_MS);
  const setting = await db.syncSetting.findUnique({ where: { shop_sync: { shop, sync: PURCHASES_SYNC } }, select: { enabledAt: true } });
  if (setting?.enabledAt) since = Math.max(since, setting.enabledAt.getTime() - CATCHUP_ENABLE_MARGIN_MS);
  return new Date(since);
}

export interface CatchupContext {
  db: PrismaClient;
  shop: string;
  client: AdminClient;
  logger?: Logger;
  signal?: AbortSignal;
  now?: Date;
}

export async function catchUpOrders(ctx: CatchupContext): Promise<CatchupReport> {
  const { db, shop, client, signal } = ctx;
  const until = ctx.now ?? new Date();
  const since = await catchupSince(db, shop, until);
  const scopes = await orderReadScopes(db, shop);
  const report: CatchupReport = { since, until, read: 0, fetched: 0, created: 0, updated: 0, unchanged: 0, gone: 0 };
  const search = `updated_at:>='${since.toISOString()}'`;
  let after: string | null = null;
  do {
    const data: PurchasesRecentOrdersQuery = await client.request(PURCHASES_RECENT_ORDERS_QUERY, {
      variables: { first: PAGE_SIZE, after, query: search },
      sync: PURCHASES_SYNC,
      signal,
    });
    const nodes = data.orders.nodes;
    report.read += nodes.length;
    const stored = await db.purchase.findMany({
      where: { shop, orderId: { in: nodes.map((n) => numericId(n.id)) } },
      select: { orderId: true, sourceUpdatedAt: true },
    });
    const storedAt = new Map(stored.map((p) => [p.orderId, p.sourceUpdatedAt.getTime()]));
    for (const node of nodes) {
      const held = storedAt.get(numericId(node.id));
      if (held !== undefined && held >= Date.parse(String(node.updatedAt))) {
        report.unchanged += 1;
        continue;
      }
      signal?.throwIfAborted();
      report.fetched += 1;
      const order = await fetchOrder(client, node.id, scopes, signal);
      if (!order) {
        report.gone += 1;
        continue;
      }
      const outcome = await registerOrder(db, shop, order);
      if (outcome === "created") report.created += 1;
      else if (outcome === "updated") report.updated += 1;
      else report.unchanged += 1;
    }
    after = data.orders.pageInfo.hasNextPage ? (data.orders.pageInfo.endCursor ?? null) : null;
  } while (after);
  return report;
}

export const purchaseCatchupJob = defineJob(PURCHASES_CATCHUP_JOB, {
  schema: z.object({}).passthrough(),
  maxAttempts: 3,
  backoff: { baseMs: 60_000, maxMs: 10 * 60_000 },
  async perform(_payload, { db, shop, logger, signal }) {
    if (!shop) throw new PermanentJobError("purchase catch-up job without a shop");
    const { enabled } = await loadPurchaseSetting(db, shop);
    if (!enabled) {
      // Revocation and uninstall turn the switch off without the hooks; the schedule finds it off and does nothing.
      logger.debug("purchase sync is off; no catch-up");
      return;
    }
    const started = Date.now();
    let report: CatchupReport;
    try {
      // Loaded here, not at the top: the client brings the Shopify composition root with it (see health.server.ts).
      const { adminClientForShop } = await import("~/shopify/admin-client.server");
      const client = await adminClientForShop(shop, { db });
      report = await catchUpOrders({ db, shop, client, logger, signal });
    } catch (error) {
      if (error instanceof ShopNeedsReauthError) throw new PermanentJobError(error.message, { cause: error });
      throw error;
    }
    // Counts and the window only: no order data, so nothing personal reaches the log.
    await recordActivity(db, {
      shop,
      direction: "internal",
      kind: "job",
      name: PURCHASES_CATCHUP_JOB,
      status: "ok",
      sync: PURCHASES_SYNC,
      durationMs: Date.now() - started,
      detail: {
        since: report.since.toISOString(),
        until: report.until.toISOString(),
        read: report.read,
        fetched: report.fetched,
        new: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        gone: report.gone,
      },
    });
    logger.info({ ...report, since: report.since.toISOString(), until: report.until.toISOString() }, "purchase catch-up done");
  },
});
