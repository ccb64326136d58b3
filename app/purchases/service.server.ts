/**
 * Registering orders and refunds from webhooks, and forwarding them to the platform after the upsell window.
 *
 * Exactly-once rests on database constraints, not on the order deliveries arrive in: a purchase is unique on
 * (shop, orderId) and a refund on (shop, refundId); the forwarding job is deduplicated on
 * `purchase-forward:<shop>:<orderId>`, and its events on the order id / refund id (emitEvent's dedupeKey).
 *
 * Switch off: Shopify only delivers while the subscriptions exist, but a delivery that was already on its way (or a
 * retry of one) can arrive after the merchant turned the sync off. It is registered all the same (the history is
 * the merchant's, and a later backfill can rely on it), but nothing is forwarded while the switch is off: a purchase
 * whose window closes then is recorded as excluded with the reason `sync_off`, and a refund stays unforwarded.
 */
import { randomUUID } from "node:crypto";

import type { PrismaClient, Tx } from "~/db.server";
import type { Purchase } from "~/generated/sqlite/client";
import { emitEvent } from "~/events/emit.server";
import { enqueue } from "~/jobs/queue.server";

import { parsePurchaseOptions, PURCHASES_SYNC, type PurchaseOptions } from "./options";
import { isFullyRefunded, type MappedOrder, type MappedRefund, type PurchaseLineItem, type RefundLineItem } from "./payloads";
import { emitPendingMismatch, reconcilePurchase } from "./reconcile.server";
import { exclusionReason, purchaseStatus } from "./rules";

export const PURCHASE_FORWARD_JOB = "purchases.forward";

/** Raised when a concurrent forwarding decision changed the row between read and write; the job retries. */
export class PurchaseChangedConcurrently extends Error {
  constructor(shop: string, orderId: string) {
    super(`purchase ${orderId} of ${shop} changed while it was being updated; retrying`);
    this.name = "PurchaseChangedConcurrently";
  }
}

export interface PurchaseSetting {
  enabled: boolean;
  options: PurchaseOptions;
}

export async function loadPurchaseSetting(db: PrismaClient | Tx, shop: string): Promise<PurchaseSetting> {
  const row = await db.syncSetting.findUnique({
    where: { shop_sync: { shop, sync: PURCHASES_SYNC } },
    select: { enabled: true, options: true },
  });
  return { enabled: row?.enabled ?? false, options: parsePurchaseOptions(row?.options) };
}

export function forwardDedupeKey(shop: string, orderId: string): string {
  return `purchase-forward:${shop}:${orderId}`;
}

/** When the upsell window of an order closes: its creation plus the delay (a late first delivery forwards at once). */
export function forwardTime(order: Pick<MappedOrder, "orderCreatedAt">, options: PurchaseOptions, now: Date): Date {
  if (options.upsellDelayMinutes === 0) return now;
  return new Date(order.orderCreatedAt.getTime() + options.upsellDelayMinutes * 60_000);
}

function orderColumns(order: MappedOrder, redacted: boolean) {
  return {
    orderName: order.orderName,
    orderNumber: order.orderNumber,
    ...(redacted ? {} : { customerId: order.customerId, email: order.email }),
    currency: order.currency,
    totalPrice: order.totalPrice,
    presentmentCurrency: order.presentmentCurrency,
    presentmentTotal: order.presentmentTotal,
    discountCodes: JSON.stringify(order.discountCodes),
    lineItems: JSON.stringify(order.lineItems),
    sourceName: order.sourceName,
    tags: order.tags,
    test: order.test,
    orderCreatedAt: order.orderCreatedAt,
    processedAt: order.processedAt,
    sourceUpdatedAt: order.sourceUpdatedAt,
  };
}

export type OrderOutcome = "created" | "updated" | "stale";

/**
 * orders/create and orders/updated alike: the first delivery of an order creates its purchase and queues its
 * forwarding; every later one replaces the stored order only if its `updated_at` is newer (a conditional update,
 * so two concurrent deliveries cannot regress it). Until the forwarding job has decided, the exclusion follows the
 * current order; afterwards the decision stands.
 */
export async function registerOrder(db: PrismaClient, shop: string, order: MappedOrder, now = new Date()): Promise<OrderOutcome> {
  const { enabled, options } = await loadPurchaseSetting(db, shop);
  return db.$transaction(async (tx) => {
    const newId = randomUUID();
    const excludedReason = exclusionReason(order, options);
    const forwardAt = forwardTime(order, options, now);
    const row = await tx.purchase.upsert({
      where: { shop_orderId: { shop, orderId: order.orderId } },
      create: {
        id: newId,
        shop,
        orderId: order.orderId,
        ...orderColumns(order, false),
        excludedReason,
        status: purchaseStatus({ excludedReason, refundedAt: null, forwardedAt: null }),
        forwardAt,
      },
      // A no-op update makes Prisma use one native INSERT ... ON CONFLICT (see enqueue()): concurrent first
      // deliveries cannot both create, and a conflict never aborts the PostgreSQL transaction.
      update: { orderId: order.orderId },
    });
    if (row.id === newId) {
      await refreshRefundState(tx, shop, order.orderId, now);
      await enqueue(tx, {
        type: PURCHASE_FORWARD_JOB,
        shop,
        payload: { orderId: order.orderId },
        runAt: forwardAt,
        dedupeKey: forwardDedupeKey(shop, order.orderId),
      });
      // A browser report that arrived first is attached and compared now (reconcile.server.ts).
      await reconcilePurchase(tx, shop, order.orderId, { enabled, options }, now);
      return "created";
    }
    if (row.sourceUpdatedAt.getTime() >= order.sourceUpdatedAt.getTime()) return "stale";
    const undecided = row.decidedAt === null;
    const nextExcluded = undecided ? excludedReason : row.excludedReason;
    const { count } = await tx.purchase.updateMany({
      where: {
        shop,
        orderId: order.orderId,
        sourceUpdatedAt: { lt: order.sourceUpdatedAt },
        decidedAt: undecided ? null : { not: null },
      },
      data: {
        ...orderColumns(order, row.redactedAt !== null),
        excludedReason: nextExcluded,
        status: purchaseStatus({ excludedReason: nextExcluded, refundedAt: row.refundedAt, forwardedAt: row.forwardedAt }),
      },
    });
    if (count === 0) {
      const current = await tx.purchase.findUniqueOrThrow({ where: { shop_orderId: { shop, orderId: order.orderId } } });
      // Someone stored a state at least as new: this delivery is simply stale. Otherwise the decision moved under us.
      if (current.sourceUpdatedAt.getTime() >= order.sourceUpdatedAt.getTime()) return "stale";
      throw new PurchaseChangedConcurrently(shop, order.orderId);
    }
    // New line items can turn earlier partial refunds into a full one.
    await refreshRefundState(tx, shop, order.orderId, now);
    // The order changed (an upsell's edit, a corrected email): compared with its browser report again.
    await reconcilePurchase(tx, shop, order.orderId, { enabled, options }, now);
    return "updated";
  });
}

/** Marks the purchase refunded once its refunds (however they arrived) add up to a full refund. */
async function refreshRefundState(tx: Tx, shop: string, orderId: string, now: Date): Promise<void> {
  const purchase = await tx.purchase.findUnique({ where: { shop_orderId: { shop, orderId } } });
  if (!purchase || purchase.refundedAt) return;
  const refunds = await tx.purchaseRefund.findMany({ where: { shop, orderId } });
  if (refunds.length === 0) return;
  const full = isFullyRefunded(
    {
      currency: purchase.currency,
      totalPrice: purchase.totalPrice,
      presentmentCurrency: purchase.presentmentCurrency,
      presentmentTotal: purchase.presentmentTotal,
      lineItems: JSON.parse(purchase.lineItems) as PurchaseLineItem[],
    },
    refunds.map((r) => ({ amount: r.amount, currency: r.currency, lineItems: JSON.parse(r.lineItems) as RefundLineItem[] })),
  );
  if (!full) return;
  await tx.purchase.updateMany({
    where: { shop, orderId, refundedAt: null },
    data: {
      refundedAt: now,
      status: purchaseStatus({ excludedReason: purchase.excludedReason, refundedAt: now, forwardedAt: purchase.forwardedAt }),
    },
  });
}

export type RefundOutcome = "duplicate" | "waiting_for_order" | "held" | "forwarded";

/**
 * refunds/create: stored once per refund id. A refund whose order has not arrived is kept and attached when it
 * does (by order id). It goes to the platform only after its purchase did, so the platform never sees a refund of
 * a purchase it does not know; a refund of a purchase still in its window is forwarded by the forwarding job.
 */
export async function registerRefund(db: PrismaClient, shop: string, refund: MappedRefund, now = new Date()): Promise<RefundOutcome> {
  const { enabled } = await loadPurchaseSetting(db, shop);
  return db.$transaction(async (tx) => {
    const newId = randomUUID();
    const row = await tx.purchaseRefund.upsert({
      where: { shop_refundId: { shop, refundId: refund.refundId } },
      create: {
        id: newId,
        shop,
        refundId: refund.refundId,
        orderId: refund.orderId,
        amount: refund.amount,
        currency: refund.currency,
        lineItems: JSON.stringify(refund.lineItems),
        refundCreatedAt: refund.refundCreatedAt,
      },
      update: { refundId: refund.refundId },
    });
    if (row.id !== newId) return "duplicate";
    const purchase = await tx.purchase.findUnique({ where: { shop_orderId: { shop, orderId: refund.orderId } } });
    if (!purchase) return "waiting_for_order";
    await refreshRefundState(tx, shop, refund.orderId, now);
    if (!purchase.forwardedAt || !enabled) return "held";
    await forwardRefund(tx, shop, row, now);
    return "forwarded";
  });
}

async function forwardRefund(
  tx: Tx,
  shop: string,
  refund: { id: string; refundId: string; orderId: string; amount: string; currency: string | null; lineItems: string; refundCreatedAt: Date },
  now: Date,
): Promise<void> {
  const purchase = await tx.purchase.findUniqueOrThrow({ where: { shop_orderId: { shop, orderId: refund.orderId } } });
  await emitEvent(tx, {
    shop,
    type: "refund.created",
    dedupeKey: refund.refundId,
    occurredAt: refund.refundCreatedAt,
    data: {
      refundId: refund.refundId,
      orderId: refund.orderId,
      orderName: purchase.orderName,
      amount: refund.amount,
      currency: refund.currency ?? purchase.currency,
      lineItems: JSON.parse(refund.lineItems) as unknown,
      createdAt: refund.refundCreatedAt.toISOString(),
      fullyRefunded: purchase.refundedAt !== null,
    },
  });
  await tx.purchaseRefund.updateMany({ where: { shop, id: refund.id, forwardedAt: null }, data: { forwardedAt: now } });
}

export type ForwardOutcome = "missing" | "already_decided" | "excluded" | "forwarded";

/**
 * The forwarding job's work, when the upsell window closes: the order as it stands now is checked against the
 * exclusions again (an orders/updated may have added an excluding tag) and either forwarded as
 * `purchase.registered`, with any refunds that arrived meanwhile, or recorded as excluded. Either way the decision
 * is final.
 */
export async function forwardPurchase(db: PrismaClient, shop: string, orderId: string, now = new Date()): Promise<ForwardOutcome> {
  const { enabled, options } = await loadPurchaseSetting(db, shop);
  return db.$transaction(async (tx) => {
    const purchase = await tx.purchase.findUnique({ where: { shop_orderId: { shop, orderId } } });
    if (!purchase) return "missing"; // shop/redact removed it
    if (purchase.decidedAt) return "already_decided";
    const reason = exclusionReason(purchase, options) ?? (enabled ? null : "sync_off");
    if (reason) {
      await tx.purchase.updateMany({
        where: { shop, orderId, decidedAt: null },
        data: { excludedReason: reason, decidedAt: now, status: "excluded" },
      });
      return "excluded";
    }
    const claimed = await tx.purchase.updateMany({
      where: { shop, orderId, decidedAt: null, sourceUpdatedAt: purchase.sourceUpdatedAt },
      data: {
        excludedReason: null,
        decidedAt: now,
        forwardedAt: now,
        status: purchaseStatus({ excludedReason: null, refundedAt: purchase.refundedAt, forwardedAt: now }),
      },
    });
    // An orders/updated committed between our read and this write: forward the newer state on the retry.
    if (claimed.count === 0) throw new PurchaseChangedConcurrently(shop, orderId);
    await emitEvent(tx, {
      shop,
      type: "purchase.registered",
      dedupeKey: orderId,
      occurredAt: purchase.orderCreatedAt,
      data: purchaseEventData(purchase),
    });
    // A mismatch found during the upsell window goes out once the platform knows the purchase.
    await emitPendingMismatch(tx, shop, orderId, enabled, now);
    const refunds = await tx.purchaseRefund.findMany({ where: { shop, orderId, forwardedAt: null }, orderBy: { refundCreatedAt: "asc" } });
    for (const refund of refunds) await forwardRefund(tx, shop, refund, now);
    return "forwarded";
  });
}

/** The stored columns an event is built from: the Purchase row's own types, not a hand-kept copy of them. */
type PurchaseRow = Pick<
  Purchase,
  | "orderId"
  | "orderName"
  | "orderNumber"
  | "customerId"
  | "email"
  | "currency"
  | "totalPrice"
  | "presentmentCurrency"
  | "presentmentTotal"
  | "discountCodes"
  | "lineItems"
  | "sourceName"
  | "tags"
  | "test"
  | "orderCreatedAt"
  | "processedAt"
  | "sourceUpdatedAt"
  | "refundedAt"
>;

/** The `data` of purchase.registered: the order as stored, ids as strings, money as decimal strings. */
export function purchaseEventData(purchase: PurchaseRow): Record<string, unknown> {
  return {
    orderId: purchase.orderId,
    orderName: purchase.orderName,
    orderNumber: purchase.orderNumber,
    customerId: purchase.customerId,
    email: purchase.email,
    totalPrice: purchase.totalPrice,
    currency: purchase.currency,
    presentmentTotalPrice: purchase.presentmentTotal,
    presentmentCurrency: purchase.presentmentCurrency,
    discountCodes: JSON.parse(purchase.discountCodes) as unknown,
    lineItems: JSON.parse(purchase.lineItems) as unknown,
    sourceName: purchase.sourceName,
    tags: purchase.tags,
    test: purchase.test,
    createdAt: purchase.orderCreatedAt.toISOString(),
    processedAt: purchase.processedAt?.toISOString() ?? null,
    updatedAt: purchase.sourceUpdatedAt.toISOString(),
    refunded: purchase.refundedAt !== null,
  };
}
