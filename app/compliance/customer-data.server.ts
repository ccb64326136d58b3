import { stringify } from "lossless-json";

import type { Db } from "~/db.server";
import { redactPii } from "~/logger.server";
import { parseShopifyJson } from "~/webhooks/json";

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
    const rows = await findReferencing(db, shop, customer, orderIds);
    return rows
      .filter((row) => !COMPLIANCE_TOPICS.has(row.topic))
      .map((row) => ({ topic: row.topic, receivedAt: row.receivedAt.toISOString(), payload: row.parsed }));
  },
  async redact(db, shop, customer, orderIds) {
    const rows = await findReferencing(db, shop, customer, orderIds);
    for (const row of rows) {
      await db.webhookDelivery.update({
        where: { id: row.id },
        data: { payload: stringify(redactPii(row.parsed)) ?? "{}" },
      });
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

export const customerDataHolders: CustomerDataHolder[] = [webhookDeliveries, customerDataExports];

async function findReferencing(db: Db, shop: string, customer: CustomerRef, orderIds: string[]) {
  // A text search narrows the candidates; parsing each one decides, so a number that merely contains the id's
  // digits, or an email inside some other customer's note, does not count as a reference.
  const needles = [customer.id, customer.email, customer.phone, ...orderIds].filter(
    (v): v is string => typeof v === "string" && v.length > 0,
  );
  if (needles.length === 0) return [];
  const candidates = await db.webhookDelivery.findMany({
    where: { shop, OR: needles.map((needle) => ({ payload: { contains: needle } })) },
    select: { id: true, topic: true, receivedAt: true, payload: true },
  });
  const matches: { id: string; topic: string; receivedAt: Date; parsed: unknown }[] = [];
  for (const row of candidates) {
    let parsed: unknown;
    try {
      parsed = parseShopifyJson(row.payload);
    } catch {
      continue; // a malformed body recorded as failed: no structure to attribute
    }
    if (references(parsed, row.topic, customer, orderIds)) matches.push({ ...row, parsed });
  }
  return matches;
}

const idOf = (value: unknown) =>
  typeof value === "number" || typeof value === "bigint" || typeof value === "string" ? value.toString() : undefined;

/** Does this payload name the customer or one of the orders? */
export function references(payload: unknown, topic: string, customer: CustomerRef, orderIds: string[]): boolean {
  const email = customer.email?.toLowerCase();
  const phone = customer.phone ?? undefined;
  const orders = new Set(orderIds);
  if (payload && typeof payload === "object" && !Array.isArray(payload)) {
    const top = payload as Record<string, unknown>;
    if (/^ORDERS_/.test(topic) && orders.has(idOf(top.id) ?? "")) return true;
    if (orders.has(idOf(top.order_id) ?? "")) return true;
  }
  const visit = (value: unknown, key: string | undefined): boolean => {
    if (Array.isArray(value)) return value.some((v) => visit(v, key));
    if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if (key === "customer" && idOf(record.id) === customer.id) return true;
      return Object.entries(record).some(([k, v]) => visit(v, k));
    }
    if (key === "customer_id" && idOf(value) === customer.id) return true;
    if (typeof value === "string") {
      if (email && value.toLowerCase() === email) return true;
      if (phone && value === phone) return true;
    }
    return false;
  };
  return visit(payload, undefined);
}
