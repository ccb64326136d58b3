import { stringify } from "lossless-json";

import type { Db } from "~/db.server";
import { redactPii } from "~/logger.server";
import { parseShopifyJson } from "~/webhooks/json";
import { parseMismatchFields } from "~/purchases/reconcile";
import { purchaseEventData } from "~/purchases/service.server";
import { consentData } from "~/consent/compliance.server";

/** A customer as the compliance webhooks name them. Ids are decimal strings. */
export interface CustomerRef {
  id: string;
  email?: string | null;
  phone?: string | null;
}

/**
 * Everything that holds customer data registers here, so that customers/data_request can export it and
 * customers/redact can remove it. Each sync's tables add a holder when they arrive.
 */
export interface CustomerDataHolder {
  name: string;
  export(db: Db, shop: string, customer: CustomerRef, orderIds: string[]): Promise<unknown[]>;
  /** Returns how many records were redacted or deleted. */
  redact(db: Db, shop: string, customer: CustomerRef, orderIds: string[]): Promise<number>;
}

const COMPLIANCE_TOPICS = new Set(["CUSTOMERS_DATA_REQUEST", "CUSTOMERS_REDACT", "SHOP_REDACT"]);

/** Webhook bodies we keep: any that names the customer (by id, email or phone) or one of the listed orders. */
export const webhookDeliveries: CustomerDataHolder = {
  name: "webhook deliveries",
  async export(db, shop, customer, orderIds) {
    const rows = await referencing(
      db.webhookDelivery.findMany({
        where: { shop, OR: containsAny(customer, orderIds) },
        select: { id: true, topic: true, receivedAt: true, payload: true },
      }),
      (row) => row.topic,
      customer,
      orderIds,
    );
    return rows
      .filter((row) => !COMPLIANCE_TOPICS.has(row.topic))
      .map((row) => ({ topic: row.topic, receivedAt: row.receivedAt.toISOString(), payload: row.parsed }));
  },
  async redact(db, shop, customer, orderIds) {
    const rows = await referencing(
      db.webhookDelivery.findMany({ where: { shop, OR: containsAny(customer, orderIds) }, select: { id: true, topic: true, payload: true } }),
      (row) => row.topic,
      customer,
      orderIds,
    );
    for (const row of rows) {
      await db.webhookDelivery.update({ where: { id: row.id }, data: { payload: redactedJson(row.parsed, customer) } });
    }
    return rows.length;
  },
};

/** Events for the platform (sent or waiting) that carry the customer's data; a redacted one is sent redacted. */
export const outboundEvents: CustomerDataHolder = {
  name: "platform events",
  async export(db, shop, customer, orderIds) {
    const rows = await referencing(
      db.outboundEvent.findMany({
        where: { shop, OR: containsAny(customer, orderIds) },
        select: { id: true, type: true, createdAt: true, payload: true },
      }),
      (row) => row.type,
      customer,
      orderIds,
    );
    return rows.map((row) => ({ event: row.id, type: row.type, createdAt: row.createdAt.toISOString(), payload: row.parsed }));
  },
  async redact(db, shop, customer, orderIds) {
    const rows = await referencing(
      db.outboundEvent.findMany({ where: { shop, OR: containsAny(customer, orderIds) }, select: { id: true, type: true, payload: true } }),
      (row) => row.type,
      customer,
      orderIds,
    );
    for (const row of rows) {
      await db.outboundEvent.update({ where: { id: row.id }, data: { payload: redactedJson(row.parsed, customer) } });
    }
    return rows.length;
  },
};

/** Earlier exports for this customer hold the same data again. */
export const customerDataExports: CustomerDataHolder = {
  name: "data exports",
  async export() {
    return [];
  },
  async redact(db, shop, customer) {
    const { count } = await db.customerDataExport.deleteMany({ where: { shop, customerId: customer.id } });
    return count;
  },
};

/** The purchase sync's orders and their refunds: the customer's own orders, and the orders Shopify lists. */
export const purchases: CustomerDataHolder = {
  name: "purchases",
  async export(db, shop, customer, orderIds) {
    const rows = await db.purchase.findMany({ where: { shop, OR: purchaseOwnership(customer, orderIds) }, orderBy: { orderCreatedAt: "asc" } });
    const refunds = await db.purchaseRefund.findMany({
      where: { shop, orderId: { in: rows.map((r) => r.orderId) } },
      orderBy: { refundCreatedAt: "asc" },
    });
    // The same view of an order the platform receives in purchase.registered, plus its status here.
    return rows.map((row) => ({
      ...purchaseEventData(row),
      status: row.status,
      // Where the storefront's report disagreed (it may hold the email the browser reported).
      mismatchFields: parseMismatchFields(row.mismatchFields),
      refunds: refunds
        .filter((r) => r.orderId === row.orderId)
        .map((r) => ({ refundId: r.refundId, amount: r.amount, currency: r.currency, createdAt: r.refundCreatedAt.toISOString() })),
    }));
  },
  /**
   * The order itself stays (the merchant's sales history); what identifies the customer goes, and redactedAt
   * keeps a late orders/updated from writing it back. Refund rows carry no customer data.
   */
  async redact(db, shop, customer, orderIds) {
    // An email mismatch keeps both addresses in mismatchFields; blanked first, while the rows are still found by
    // the customer id and email the update below clears.
    const emailMismatches = await db.purchase.findMany({
      where: { shop, OR: purchaseOwnership(customer, orderIds), mismatchFields: { contains: '"field":"email"' } },
      select: { id: true, mismatchFields: true },
    });
    for (const row of emailMismatches) {
      const fields = parseMismatchFields(row.mismatchFields).map((f) =>
        f.field === "email" ? { ...f, server: f.server === null ? null : "[redacted]", browser: f.browser === null ? null : "[redacted]" } : f,
      );
      await db.purchase.update({ where: { id: row.id }, data: { mismatchFields: JSON.stringify(fields) } });
    }
    const { count } = await db.purchase.updateMany({
      where: { shop, OR: purchaseOwnership(customer, orderIds) },
      data: { customerId: null, email: null, redactedAt: new Date() },
    });
    return count;
  },
};

/**
 * The web pixel's reports of the customer's checkouts (app/purchases/reconcile.server.ts): found by the email the
 * browser reported (stored lower-cased), by the orders Shopify lists, and by attachment to the customer's own
 * purchases. Redaction blanks the email (the rest is the order, not the person) and sets redactedAt. Runs before
 * `purchases`, whose redaction clears the customer id and email this lookup goes through.
 */
export const browserPurchases: CustomerDataHolder = {
  name: "browser purchase reports",
  async export(db, shop, customer, orderIds) {
    const rows = await db.browserPurchase.findMany({
      where: { shop, OR: await browserOwnership(db, shop, customer, orderIds) },
      orderBy: { receivedAt: "asc" },
    });
    return rows.map((row) => ({
      eventId: row.eventId,
      orderId: row.orderId,
      orderName: row.orderName,
      totalPrice: row.totalPrice,
      currency: row.currency,
      email: row.email,
      itemCount: row.itemCount,
      lineItems: JSON.parse(row.lineItems) as unknown,
      occurredAt: row.occurredAt.toISOString(),
      receivedAt: row.receivedAt.toISOString(),
      matchedOrderId: row.purchaseOrderId,
    }));
  },
  async redact(db, shop, customer, orderIds) {
    const { count } = await db.browserPurchase.updateMany({
      where: { shop, OR: await browserOwnership(db, shop, customer, orderIds) },
      data: { email: null, redactedAt: new Date() },
    });
    return count;
  },
};

async function browserOwnership(db: Db, shop: string, customer: CustomerRef, orderIds: string[]) {
  const own = await db.purchase.findMany({ where: { shop, OR: purchaseOwnership(customer, orderIds) }, select: { orderId: true } });
  const orders = [...new Set([...orderIds, ...own.map((p) => p.orderId)])];
  const email = customer.email?.trim();
  return [
    ...(email ? [{ email: { in: [...new Set([email.toLowerCase(), email])] } }] : []),
    ...(orders.length > 0 ? [{ orderId: { in: orders } }, { purchaseOrderId: { in: orders } }] : []),
  ];
}

function purchaseOwnership(customer: CustomerRef, orderIds: string[]) {
  return [
    { customerId: customer.id },
    // As given and lower-cased: SQLite and PostgreSQL compare text case-sensitively, and checkouts keep what was typed.
    ...(customer.email ? [{ email: { in: [...new Set([customer.email, customer.email.toLowerCase()])] } }] : []),
    ...(orderIds.length > 0 ? [{ orderId: { in: orderIds } }] : []),
  ];
}

export const customerDataHolders: CustomerDataHolder[] = [
  webhookDeliveries,
  outboundEvents,
  customerDataExports,
  browserPurchases,
  purchases,
  consentData,
];

/** A text filter that narrows the candidates to rows whose JSON mentions the customer or one of the orders. */
function containsAny(customer: CustomerRef, orderIds: string[]) {
  return [customer.id, customer.email, customer.phone, ...orderIds]
    .filter((v): v is string => typeof v === "string" && v.length > 0)
    .map((needle) => ({ payload: { contains: needle } }));
}

/**
 * The candidates that really reference the customer: parsing each one decides, so a number that merely contains the
 * id's digits, or an email inside some other customer's note, does not count.
 */
async function referencing<Row extends { payload: string }>(
  candidates: Promise<Row[]>,
  kindOf: (row: Row) => string,
  customer: CustomerRef,
  orderIds: string[],
): Promise<(Row & { parsed: unknown })[]> {
  const matches: (Row & { parsed: unknown })[] = [];
  for (const row of await candidates) {
    let parsed: unknown;
    try {
      parsed = parseShopifyJson(row.payload);
    } catch {
      continue; // a malformed body recorded as failed: no structure to attribute
    }
    if (references(parsed, kindOf(row), customer, orderIds)) matches.push({ ...row, parsed });
  }
  return matches;
}

/**
 * The payload with every PII field blanked (by key), and the customer's own email and phone blanked wherever else
 * they appear (a key we do not know, a note attribute): redaction must not depend on knowing every field name.
 */
function redactedJson(parsed: unknown, customer: CustomerRef): string {
  const email = customer.email?.toLowerCase();
  const phone = customer.phone ?? undefined;
  const scrub = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
    }
    if (typeof value === "string" && ((email && value.toLowerCase() === email) || (phone && value === phone))) {
      return "[redacted]";
    }
    return value;
  };
  return stringify(scrub(redactPii(parsed))) ?? "{}";
}

/** An id in any form payloads carry it (number, bigint, digits, GID) as decimal digits. */
const idOf = (value: unknown): string | undefined => {
  if (typeof value === "number" || typeof value === "bigint") return value.toString();
  if (typeof value !== "string") return undefined;
  return /^gid:\/\/shopify\/\w+\/(\d+)/.exec(value)?.[1] ?? value;
};

const CUSTOMER_ID_KEYS = new Set(["customer_id", "customerId"]);
const ORDER_ID_KEYS = new Set(["order_id", "orderId"]);

/** Does this payload name the customer or one of the orders? */
export function references(payload: unknown, topic: string, customer: CustomerRef, orderIds: string[]): boolean {
  const email = customer.email?.toLowerCase();
  const phone = customer.phone ?? undefined;
  const orders = new Set(orderIds);
  // An order webhook's own id is the order's; everywhere else an order is named by an order_id-like key.
  if (payload && typeof payload === "object" && !Array.isArray(payload)) {
    const top = payload as Record<string, unknown>;
    if (/^ORDERS_/.test(topic) && orders.has(idOf(top.id) ?? "")) return true;
  }
  const visit = (value: unknown, key: string | undefined): boolean => {
    if (Array.isArray(value)) return value.some((v) => visit(v, key));
    if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if (key === "customer" && idOf(record.id) === customer.id) return true;
      return Object.entries(record).some(([k, v]) => visit(v, k));
    }
    if (key && CUSTOMER_ID_KEYS.has(key) && idOf(value) === customer.id) return true;
    if (key && ORDER_ID_KEYS.has(key) && orders.has(idOf(value) ?? "")) return true;
    if (typeof value === "string") {
      if (email && value.toLowerCase() === email) return true;
      if (phone && value === phone) return true;
    }
    return false;
  };
  return visit(payload, undefined);
}
