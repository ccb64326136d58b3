/**
 * What the Purchases pages read: one page of purchases (newest first, keyset-paged so that new orders do not shift
 * the pages), the counts behind the tabs and the sync page's summary, the storefront reports no order matched, and
 * one purchase in detail with its refunds, storefront reports and platform events. Every query names the shop.
 *
 * Indexes used: Purchase(shop, orderCreatedAt) for the list and its cursor, Purchase(shop, status) for the status
 * counts, BrowserPurchase(shop, matchedAt, receivedAt) for the unmatched reports, BrowserPurchase(shop, orderId) and
 * (shop, orderName) for a purchase's reports, OutboundEvent.dedupeKey (unique) and (shop, createdAt) for its events,
 * ActivityLog(shop, createdAt) for their delivery attempts. The README of this folder lists what is not indexed.
 */
import { isInteger, isSafeNumber, parse, stringify } from "lossless-json";

import type { Prisma, PrismaClient } from "~/db.server";

import { KNOWN_SOURCES, PURCHASE_CURSOR_PATTERN, STATUS_VIEWS, type PurchaseFilters, type SourceFilter } from "./filters";
import type { PurchaseStatus } from "./rules";

export { parsePurchaseFilters, type PurchaseFilters } from "./filters";

type Where = Prisma.PurchaseWhereInput;

export const PURCHASE_PAGE_SIZE = 50;

// ---------------------------------------------------------------------------------------------------------------
// JSON columns, read losslessly: ids above 2^53 stay digit for digit whatever wrote them.

/** JSON text → value, with integers beyond 2^53 kept as their digits (strings). Null when the text is not JSON. */
export function parseStoredJson(text: string | null | undefined): unknown {
  if (!text) return null;
  try {
    return parse(text, null, (value) => (isInteger(value) && !isSafeNumber(value) ? value : Number(value)));
  } catch {
    return null;
  }
}

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return stringify(value) ?? null;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(text: string | null | undefined): Record<string, unknown>[] {
  const value = parseStoredJson(text);
  return Array.isArray(value) ? value.map(record) : [];
}

export interface MismatchField {
  field: string;
  server: string | null;
  browser: string | null;
}

/** Purchase.mismatchFields (`[{field, server, browser}]`, written by the reconciliation) as text on both sides. */
export function parseMismatchFields(text: string | null | undefined): MismatchField[] {
  return list(text)
    .filter((f) => typeof f.field === "string")
    .map((f) => ({ field: f.field as string, server: asText(f.server), browser: asText(f.browser) }));
}

export interface LineItemView {
  lineItemId: string | null;
  productId: string | null;
  variantId: string | null;
  sku: string | null;
  title: string | null;
  quantity: number | null;
  price: string | null;
}

function lineItems(text: string | null | undefined): LineItemView[] {
  return list(text).map((item) => ({
    lineItemId: asText(item.lineItemId),
    productId: asText(item.productId),
    variantId: asText(item.variantId),
    sku: asText(item.sku),
    title: asText(item.title),
    quantity: typeof item.quantity === "number" ? item.quantity : null,
    price: asText(item.price),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// The list

function parseCursor(value: string): { at: Date; id: string } {
  const match = PURCHASE_CURSOR_PATTERN.exec(value);
  if (!match) throw new Error(`not a purchase cursor: ${value}`);
  return { at: new Date(Number(match[1])), id: match[2] };
}

export function purchaseCursorOf(row: { orderCreatedAt: Date; id: string }): string {
  return `${row.orderCreatedAt.getTime()}_${row.id}`;
}

/** "other" is every source_name that is not one of the named channels, including none. */
export function sourceCondition(sources: readonly SourceFilter[]): Where | null {
  if (sources.length === 0 || sources.length === KNOWN_SOURCES.length + 1) return null;
  const named = sources.filter((s): s is (typeof KNOWN_SOURCES)[number] => s !== "other");
  const conditions: Where[] = [];
  if (named.length) conditions.push({ sourceName: named.length === 1 ? named[0] : { in: named } });
  if (sources.includes("other")) conditions.push({ OR: [{ sourceName: null }, { sourceName: { notIn: [...KNOWN_SOURCES] } }] });
  return conditions.length === 1 ? conditions[0] : { OR: conditions };
}

/**
 * The Prisma where-clause for a page of the shop's purchases. Pure, so every combination is unit-tested. The shop
 * comes first and no filter can replace it.
 */
export function purchaseWhere(shop: string, filters: PurchaseFilters): { AND: Where[] } {
  const and: Where[] = [{ shop }];
  if (filters.view === "mismatch") and.push({ mismatch: true });
  else if (filters.view !== "all") and.push({ status: filters.view });
  const source = sourceCondition(filters.source);
  if (source) and.push(source);
  // Keyset on (orderCreatedAt, id), the order of the list: stable whatever arrives meanwhile.
  if (filters.after) {
    const { at, id } = parseCursor(filters.after);
    and.push({ OR: [{ orderCreatedAt: { lt: at } }, { orderCreatedAt: at, id: { lt: id } }] });
  } else if (filters.before) {
    const { at, id } = parseCursor(filters.before);
    and.push({ OR: [{ orderCreatedAt: { gt: at } }, { orderCreatedAt: at, id: { gt: id } }] });
  }
  return { AND: and };
}

const LIST_COLUMNS = {
  id: true,
  orderId: true,
  orderName: true,
  orderCreatedAt: true,
  email: true,
  totalPrice: true,
  currency: true,
  presentmentTotal: true,
  presentmentCurrency: true,
  sourceName: true,
  test: true,
  status: true,
  excludedReason: true,
  forwardAt: true,
  mismatch: true,
  mismatchFields: true,
  browserReportedAt: true,
} satisfies Prisma.PurchaseSelect;

export async function listPurchases(db: PrismaClient, shop: string, filters: PurchaseFilters, pageSize = PURCHASE_PAGE_SIZE) {
  const backwards = !!filters.before;
  const rows = await db.purchase.findMany({
    where: purchaseWhere(shop, filters),
    orderBy: backwards ? [{ orderCreatedAt: "asc" }, { id: "asc" }] : [{ orderCreatedAt: "desc" }, { id: "desc" }],
    take: pageSize + 1,
    select: LIST_COLUMNS,
  });
  const more = rows.length > pageSize;
  const page = rows.slice(0, pageSize);
  if (backwards) page.reverse();
  // Coming from a cursor means there is something on the side we came from.
  const hasOlder = backwards ? true : more;
  const hasNewer = backwards ? more : !!filters.after;
  const first = page[0];
  const last = page[page.length - 1];
  return {
    purchases: page.map(({ mismatchFields, orderCreatedAt, forwardAt, browserReportedAt, ...row }) => ({
      ...row,
      status: row.status as PurchaseStatus,
      orderCreatedAt: orderCreatedAt.toISOString(),
      forwardAt: forwardAt?.toISOString() ?? null,
      browserReportedAt: browserReportedAt?.toISOString() ?? null,
      mismatchFields: row.mismatch ? parseMismatchFields(mismatchFields) : [],
    })),
    nextCursor: hasOlder && last ? purchaseCursorOf(last) : null,
    // On an empty page past the end there is no row to page back from; the page offers the newest ones instead.
    previousCursor: hasNewer && first ? purchaseCursorOf(first) : null,
    hasPrevious: hasNewer,
  };
}

export type PurchaseListRow = Awaited<ReturnType<typeof listPurchases>>["purchases"][number];

// ---------------------------------------------------------------------------------------------------------------
// Counts

export interface MismatchCounts {
  /** Both sides arrived and differ (amount, currency, email, items). */
  differing: number;
  /** Shopify sent the order; the storefront never reported it within the grace period. */
  browserMissing: number;
  /** The storefront reported a purchase; Shopify never sent a matching order within the grace period. */
  serverMissing: number;
  total: number;
}

// The reconciliation writes mismatchFields with JSON.stringify, so a missing browser side is exactly this text.
const BROWSER_MISSING_MARK = '"field":"browser"';

/**
 * Mismatches from the columns themselves (Purchase.mismatch / mismatchFields and BrowserPurchase.mismatchAt with no
 * match), so the pages do not depend on the reconciliation module's own helpers.
 */
export async function countMismatches(db: PrismaClient, shop: string, source: Where | null = null): Promise<MismatchCounts> {
  const base: Where = source ? { AND: [{ shop, mismatch: true }, source] } : { shop, mismatch: true };
  const [flagged, browserMissing, serverMissing] = await Promise.all([
    db.purchase.count({ where: base }),
    db.purchase.count({ where: { AND: [base, { mismatchFields: { contains: BROWSER_MISSING_MARK } }] } }),
    // A report has no sales channel: with a channel filter it is not counted.
    source ? Promise.resolve(0) : db.browserPurchase.count({ where: unmatchedMismatchWhere(shop) }),
  ]);
  return { differing: flagged - browserMissing, browserMissing, serverMissing, total: flagged + serverMissing };
}

export type ViewCounts = Record<"all" | PurchaseStatus, number> & { mismatch: number };

/** The tabs' counts under the current channel filter: one grouped count on (shop, status), plus the mismatches. */
export async function countPurchaseViews(
  db: PrismaClient,
  shop: string,
  sources: readonly SourceFilter[] = [],
): Promise<{ views: ViewCounts; mismatches: MismatchCounts }> {
  const source = sourceCondition(sources);
  const [grouped, mismatches] = await Promise.all([
    db.purchase.groupBy({
      by: ["status"],
      where: source ? { AND: [{ shop }, source] } : { shop },
      _count: { _all: true },
    }),
    countMismatches(db, shop, source),
  ]);
  const byStatus = new Map(grouped.map((g) => [g.status, g._count._all]));
  const views = { all: 0, mismatch: mismatches.total } as ViewCounts;
  for (const status of STATUS_VIEWS) views[status] = byStatus.get(status) ?? 0;
  // Every row counts in "All", whatever status word a later writer adds.
  views.all = grouped.reduce((n, g) => n + g._count._all, 0);
  return { views, mismatches };
}

// ---------------------------------------------------------------------------------------------------------------
// Storefront reports that no order matched

function unmatchedMismatchWhere(shop: string): Prisma.BrowserPurchaseWhereInput {
  return { shop, matchedAt: null, mismatchAt: { not: null } };
}

export const REPORT_PAGE_SIZE = 20;

/**
 * Reports flagged because Shopify never sent their order (newest received first, keyset on (receivedAt, id) along
 * BrowserPurchase(shop, matchedAt, receivedAt)). `after` is the cursor of the last report of the previous page.
 */
export async function listServerMissingReports(
  db: PrismaClient,
  shop: string,
  { after, limit = REPORT_PAGE_SIZE }: { after?: string | null; limit?: number } = {},
) {
  const cursor = after && PURCHASE_CURSOR_PATTERN.test(after) ? parseCursor(after) : null;
  const rows = await db.browserPurchase.findMany({
    where: {
      ...unmatchedMismatchWhere(shop),
      ...(cursor ? { OR: [{ receivedAt: { lt: cursor.at } }, { receivedAt: cursor.at, id: { lt: cursor.id } }] } : {}),
    },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    reports: page.map(reportView),
    nextCursor: rows.length > limit && last ? `${last.receivedAt.getTime()}_${last.id}` : null,
  };
}

type BrowserPurchaseRow = Awaited<ReturnType<PrismaClient["browserPurchase"]["findFirstOrThrow"]>>;

function reportView(row: BrowserPurchaseRow) {
  return {
    id: row.id,
    eventId: row.eventId,
    orderId: row.orderId,
    orderName: row.orderName,
    totalPrice: row.totalPrice,
    currency: row.currency,
    email: row.email,
    itemCount: row.itemCount,
    lineItems: lineItems(row.lineItems),
    occurredAt: row.occurredAt.toISOString(),
    receivedAt: row.receivedAt.toISOString(),
    matchedAt: row.matchedAt?.toISOString() ?? null,
    mismatchAt: row.mismatchAt?.toISOString() ?? null,
    purchaseOrderId: row.purchaseOrderId,
  };
}

export type BrowserReportView = ReturnType<typeof reportView>;

// ---------------------------------------------------------------------------------------------------------------
// One purchase

const PURCHASE_EVENT_TYPES = ["purchase.registered", "purchase.mismatch", "refund.created"] as const;

/** Order names as a browser integration may send them: "#1001", "1001". */
function nameVariants(orderName: string | null, orderNumber: string | null): string[] {
  const names = new Set<string>();
  for (const value of [orderName, orderNumber]) {
    if (!value) continue;
    names.add(value);
    if (value.startsWith("#")) names.add(value.slice(1));
    else names.add(`#${value}`);
  }
  return [...names];
}

/**
 * The platform events sent for an order. Most are found by their dedupe keys (`<shop>|<type>|<key>`, emitEvent),
 * which the unique index answers: purchase.registered keyed on the order id, refund.created on each refund id, the
 * server-missing purchase.mismatch on its report (`browser:<eventId>:server_missing`, reconcile.server.ts). A
 * purchase.mismatch about a registered order is keyed on the order id, its kind and a digest of the differing
 * values, which cannot be rebuilt here: it is found by the order id in its payload, among the shop's mismatch
 * events since the mismatch was flagged (a range of OutboundEvent(shop, createdAt) that starts at the flag).
 */
async function eventsOf(
  db: PrismaClient,
  shop: string,
  orderId: string,
  refundIds: string[],
  reportEventIds: string[],
  mismatchSince: Date | null,
) {
  const keys = [
    `${shop}|purchase.registered|${orderId}`,
    ...refundIds.map((id) => `${shop}|refund.created|${id}`),
    ...reportEventIds.map((id) => `${shop}|purchase.mismatch|browser:${id}:server_missing`),
  ];
  const select = {
    id: true,
    type: true,
    status: true,
    attempts: true,
    lastStatus: true,
    lastError: true,
    nextAttemptAt: true,
    deliveredAt: true,
    createdAt: true,
    updatedAt: true,
    payload: true,
  } satisfies Prisma.OutboundEventSelect;
  const [keyed, mismatchEvents] = await Promise.all([
    db.outboundEvent.findMany({ where: { shop, dedupeKey: { in: keys } }, select }),
    mismatchSince
      ? db.outboundEvent.findMany({
          where: {
            shop,
            type: "purchase.mismatch",
            createdAt: { gte: new Date(mismatchSince.getTime() - 5 * 60_000) },
            payload: { contains: `"orderId":"${orderId}"` },
          },
          select,
          orderBy: { createdAt: "asc" },
          take: 20,
        })
      : Promise.resolve([]),
  ]);
  const byId = new Map([...keyed, ...mismatchEvents].map((e) => [e.id, e]));
  const events = [...byId.values()]
    .filter((e) => (PURCHASE_EVENT_TYPES as readonly string[]).includes(e.type))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  if (events.length === 0) return [];

  // Each delivery attempt is an activity entry whose reference is the event id (app/events/deliver.server.ts),
  // written between the event's creation and its last update: that range of ActivityLog(shop, createdAt).
  const from = new Date(Math.min(...events.map((e) => e.createdAt.getTime())));
  const to = new Date(Math.max(...events.map((e) => e.updatedAt.getTime())) + 60_000);
  const attempts = await db.activityLog.findMany({
    where: { shop, createdAt: { gte: from, lte: to }, kind: "platform", reference: { in: events.map((e) => e.id) } },
    select: { id: true, reference: true, status: true, createdAt: true },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return events.map((event) => {
    const own = attempts.filter((a) => a.reference === event.id);
    return {
      id: event.id,
      type: event.type,
      status: event.status,
      attempts: event.attempts,
      lastStatus: event.lastStatus,
      lastError: event.lastError,
      nextAttemptAt: event.nextAttemptAt?.toISOString() ?? null,
      deliveredAt: event.deliveredAt?.toISOString() ?? null,
      createdAt: event.createdAt.toISOString(),
      /** The newest attempt's activity entry, to link to. */
      latestActivityId: own[0]?.id ?? null,
      activityCount: own.length,
      subject: eventSubject(event.payload),
    };
  });
}

/** What an event is about, for the list on the detail page: the refund id of a refund.created. */
function eventSubject(payload: string): string | null {
  const data = record(record(parseStoredJson(payload)).data);
  return asText(data.refundId);
}

export type PurchaseEventView = Awaited<ReturnType<typeof eventsOf>>[number];

/**
 * One order as the detail page shows it: the purchase (null when only the storefront reported it), its refunds,
 * the storefront reports of the same order (matched to it, or carrying its id or name), and the events sent.
 * Null when the shop has neither a purchase nor a report with that order id.
 */
export async function getPurchaseDetail(db: PrismaClient, shop: string, orderId: string) {
  if (!/^\d{1,30}$/.test(orderId)) return null;
  const purchase = await db.purchase.findUnique({ where: { shop_orderId: { shop, orderId } } });
  const names = purchase ? nameVariants(purchase.orderName, purchase.orderNumber) : [];
  const [refunds, reportRows] = await Promise.all([
    db.purchaseRefund.findMany({ where: { shop, orderId }, orderBy: [{ refundCreatedAt: "asc" }, { id: "asc" }] }),
    db.browserPurchase.findMany({
      where: { shop, OR: [{ orderId }, ...(names.length ? [{ orderName: { in: names } }] : [])] },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
      take: 50,
    }),
  ]);
  // A report found by name belongs here only if it was matched to this order or to none.
  const reports = reportRows.filter((r) => r.purchaseOrderId === orderId || r.orderId === orderId || r.purchaseOrderId === null);
  if (!purchase && reports.length === 0) return null;
  const events = await eventsOf(
    db,
    shop,
    orderId,
    refunds.map((r) => r.refundId),
    reports.map((r) => r.eventId),
    purchase?.mismatchAt ?? null,
  );
  return {
    orderId,
    purchase: purchase && {
      id: purchase.id,
      orderId: purchase.orderId,
      orderName: purchase.orderName,
      orderNumber: purchase.orderNumber,
      customerId: purchase.customerId,
      email: purchase.email,
      currency: purchase.currency,
      totalPrice: purchase.totalPrice,
      presentmentCurrency: purchase.presentmentCurrency,
      presentmentTotal: purchase.presentmentTotal,
      discountCodes: list(purchase.discountCodes).map((d) => ({
        code: asText(d.code) ?? "",
        amount: asText(d.amount),
        type: asText(d.type),
      })),
      lineItems: lineItems(purchase.lineItems),
      sourceName: purchase.sourceName,
      tags: purchase.tags,
      test: purchase.test,
      orderCreatedAt: purchase.orderCreatedAt.toISOString(),
      processedAt: purchase.processedAt?.toISOString() ?? null,
      sourceUpdatedAt: purchase.sourceUpdatedAt.toISOString(),
      status: purchase.status as PurchaseStatus,
      excludedReason: purchase.excludedReason,
      forwardAt: purchase.forwardAt?.toISOString() ?? null,
      decidedAt: purchase.decidedAt?.toISOString() ?? null,
      forwardedAt: purchase.forwardedAt?.toISOString() ?? null,
      refundedAt: purchase.refundedAt?.toISOString() ?? null,
      mismatch: purchase.mismatch,
      mismatchFields: parseMismatchFields(purchase.mismatchFields),
      mismatchAt: purchase.mismatchAt?.toISOString() ?? null,
      browserReportedAt: purchase.browserReportedAt?.toISOString() ?? null,
      redactedAt: purchase.redactedAt?.toISOString() ?? null,
      registeredAt: purchase.createdAt.toISOString(),
    },
    refunds: refunds.map((r) => ({
      id: r.id,
      refundId: r.refundId,
      amount: r.amount,
      currency: r.currency ?? purchase?.currency ?? null,
      lineItems: list(r.lineItems).map((item) => ({
        lineItemId: asText(item.lineItemId),
        quantity: typeof item.quantity === "number" ? item.quantity : null,
        subtotal: asText(item.subtotal),
      })),
      refundCreatedAt: r.refundCreatedAt.toISOString(),
      forwardedAt: r.forwardedAt?.toISOString() ?? null,
    })),
    reports: reports.map((r) => ({ ...reportView(r), matchedHere: r.purchaseOrderId === orderId })),
    events,
  };
}

export type PurchaseDetail = NonNullable<Awaited<ReturnType<typeof getPurchaseDetail>>>;
