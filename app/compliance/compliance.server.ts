import { z } from "zod";

import type { WebhookHandler } from "~/webhooks/handlers.server";
import { shopifyId } from "~/webhooks/json";
import { recordActivity } from "~/activity/activity.server";
import { customerDataHolders, type CustomerRef } from "./customer-data.server";
import { deleteShopData } from "./shop-data.server";

const customerSchema = z
  .object({
    id: shopifyId,
    email: z.string().nullish(),
    phone: z.string().nullish(),
  })
  .passthrough();

const toRef = (c: z.output<typeof customerSchema>): CustomerRef => ({ id: c.id, email: c.email, phone: c.phone });

/**
 * customers/data_request: assemble everything we hold on the customer into one JSON document and record where
 * it is (a CustomerDataExport row, named in the activity log) so the merchant can hand it over.
 */
export const customersDataRequest = {
  topic: "CUSTOMERS_DATA_REQUEST",
  schema: z
    .object({
      shop_domain: z.string().optional(),
      customer: customerSchema,
      orders_requested: z.array(shopifyId).default([]),
      data_request: z.object({ id: shopifyId }).passthrough().optional(),
    })
    .passthrough(),
  async handle({ db, shop, payload, delivery, log }) {
    const customer = toRef(payload.customer);
    const sections: Record<string, unknown[]> = {};
    for (const holder of customerDataHolders) {
      sections[holder.name] = await holder.export(db, shop, customer, payload.orders_requested);
    }
    const document = {
      shop,
      customer,
      ordersRequested: payload.orders_requested,
      dataRequestId: payload.data_request?.id ?? null,
      generatedAt: new Date().toISOString(),
      data: sections,
    };
    const content = JSON.stringify(document, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
    // Keyed on the delivery: a retried job (say the activity write below failed) replaces its export.
    const data = { shop, customerId: customer.id, requestId: payload.data_request?.id ?? null, content };
    const saved = await db.customerDataExport.upsert({
      where: { webhookId: delivery.webhookId },
      create: { ...data, webhookId: delivery.webhookId },
      update: data,
    });
    await recordActivity(db, {
      shop,
      direction: "internal",
      kind: "job",
      name: "customers/data_request export",
      status: "ok",
      reference: saved.id,
      detail: { exportId: saved.id, customerId: customer.id, records: Object.fromEntries(Object.entries(sections).map(([k, v]) => [k, v.length])) },
    });
    log.info({ exportId: saved.id }, "customer data export assembled");
  },
} satisfies WebhookHandler;

/** customers/redact: remove or anonymise the customer's PII everywhere we hold it, and the listed orders'. */
export const customersRedact = {
  topic: "CUSTOMERS_REDACT",
  schema: z
    .object({
      shop_domain: z.string().optional(),
      customer: customerSchema,
      orders_to_redact: z.array(shopifyId).default([]),
    })
    .passthrough(),
  async handle({ db, shop, payload, log }) {
    const customer = toRef(payload.customer);
    const counts: Record<string, number> = {};
    for (const holder of customerDataHolders) {
      counts[holder.name] = await holder.redact(db, shop, customer, payload.orders_to_redact);
    }
    await recordActivity(db, {
      shop,
      direction: "internal",
      kind: "job",
      name: "customers/redact",
      status: "ok",
      detail: { customerId: customer.id, redacted: counts },
    });
    log.info({ counts }, "customer data redacted");
  },
} satisfies WebhookHandler;

/** shop/redact (48 h after uninstall): delete everything the shop owns. */
export const shopRedact = {
  topic: "SHOP_REDACT",
  schema: z.object({ shop_id: shopifyId.optional(), shop_domain: z.string().optional() }).passthrough(),
  async handle({ db, shop, delivery, jobId, log }) {
    const requestedAt = delivery.triggeredAt ?? delivery.receivedAt;
    const existing = await db.shop.findUnique({ where: { shop } });
    // Shopify sends this 48 h after an uninstall; a shop that has reinstalled since is live again.
    if (existing && !existing.uninstalledAt && existing.installedAt > requestedAt) {
      log.warn({ installedAt: existing.installedAt, requestedAt }, "shop/redact ignored: the shop reinstalled after it was requested");
      return;
    }
    const counts = await deleteShopData(db, shop, { keepJobId: jobId });
    log.info({ counts }, "shop data deleted");
  },
} satisfies WebhookHandler;
