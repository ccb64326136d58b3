import type { PrismaClient } from "~/db.server";

/**
 * Every model that carries a `shop` column, i.e. every tenant-owned table. shop/redact deletes from each of these;
 * tests/unit/tenant-models.test.ts fails when a model with a `shop` column is missing here.
 */
export const TENANT_MODELS = [
  "Session",
  "Shop",
  "SyncSetting",
  "WebhookDelivery",
  "Job",
  "Schedule",
  "ActivityLog",
  "CustomerDataExport",
  "WebhookSubscription",
  "PlatformConnection",
  "OutboundEvent",
  "Purchase",
  "PurchaseRefund",
  "BrowserPurchase",
  "BulkRun",
  // Catalog sync: product data only, nothing about customers (customers/redact has nothing to do there).
  "CatalogFeed",
  "CatalogProduct",
  "CatalogVariant",
  "CatalogCollection",
  "CatalogMembership",
  "CatalogTouch",
  // Consent sync: customer PII (email, phone, consent). customers/redact deletes the customer's rows
  // (app/consent/compliance.server.ts); shop/redact deletes them all.
  "ConsentRecord",
  "ConsentChange",
] as const;

export type TenantModel = (typeof TENANT_MODELS)[number];

/** Deletes all of the shop's rows, except the job doing the deleting (the job runner still has to finish it). */
export async function deleteShopData(
  db: PrismaClient,
  shop: string,
  options: { keepJobId?: string } = {},
): Promise<Record<TenantModel, number>> {
  return db.$transaction(async (tx) => {
    const counts = {} as Record<TenantModel, number>;
    counts.Session = (await tx.session.deleteMany({ where: { shop } })).count;
    counts.SyncSetting = (await tx.syncSetting.deleteMany({ where: { shop } })).count;
    counts.WebhookDelivery = (await tx.webhookDelivery.deleteMany({ where: { shop } })).count;
    counts.Job = (
      await tx.job.deleteMany({ where: { shop, ...(options.keepJobId ? { id: { not: options.keepJobId } } : {}) } })
    ).count;
    counts.Schedule = (await tx.schedule.deleteMany({ where: { shop } })).count;
    counts.ActivityLog = (await tx.activityLog.deleteMany({ where: { shop } })).count;
    counts.CustomerDataExport = (await tx.customerDataExport.deleteMany({ where: { shop } })).count;
    counts.WebhookSubscription = (await tx.webhookSubscription.deleteMany({ where: { shop } })).count;
    counts.PlatformConnection = (await tx.platformConnection.deleteMany({ where: { shop } })).count;
    counts.OutboundEvent = (await tx.outboundEvent.deleteMany({ where: { shop } })).count;
    counts.Purchase = (await tx.purchase.deleteMany({ where: { shop } })).count;
    counts.PurchaseRefund = (await tx.purchaseRefund.deleteMany({ where: { shop } })).count;
    counts.BrowserPurchase = (await tx.browserPurchase.deleteMany({ where: { shop } })).count;
    counts.BulkRun = (await tx.bulkRun.deleteMany({ where: { shop } })).count;
    counts.CatalogFeed = (await tx.catalogFeed.deleteMany({ where: { shop } })).count;
    counts.CatalogProduct = (await tx.catalogProduct.deleteMany({ where: { shop } })).count;
    counts.CatalogVariant = (await tx.catalogVariant.deleteMany({ where: { shop } })).count;
    counts.CatalogCollection = (await tx.catalogCollection.deleteMany({ where: { shop } })).count;
    counts.CatalogMembership = (await tx.catalogMembership.deleteMany({ where: { shop } })).count;
    counts.CatalogTouch = (await tx.catalogTouch.deleteMany({ where: { shop } })).count;
    counts.ConsentRecord = (await tx.consentRecord.deleteMany({ where: { shop } })).count;
    counts.ConsentChange = (await tx.consentChange.deleteMany({ where: { shop } })).count;
    counts.Shop = (await tx.shop.deleteMany({ where: { shop } })).count;
    return counts;
  });
}
