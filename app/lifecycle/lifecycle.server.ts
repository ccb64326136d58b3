import { z } from "zod";

import type { WebhookHandler } from "~/webhooks/handlers.server";
import { shopifyId } from "~/webhooks/json";
import { removeSchedulesForShop } from "~/jobs/queue.server";
import { markShopUninstalled, turnOffRevokedSwitches } from "~/syncs/records.server";
import { ensureHealthSchedule } from "~/syncs/schedule.server";

/**
 * app/uninstalled. The access token is already revoked when this arrives, so everything here is local:
 * sessions go, the shop is marked uninstalled, every sync off and its subscriptions history. Data stays until
 * shop/redact.
 */
export const appUninstalled = {
  topic: "APP_UNINSTALLED",
  schema: z.object({ id: shopifyId.optional() }).passthrough(),
  async handle({ db, shop, delivery, log }) {
    const uninstalledAt = delivery.triggeredAt ?? delivery.receivedAt;
    const existing = await db.shop.findUnique({ where: { shop } });
    // A late delivery must not undo a reinstall that happened after it was triggered.
    if (existing && existing.installedAt > uninstalledAt) {
      log.info({ installedAt: existing.installedAt, uninstalledAt }, "stale app/uninstalled ignored: the shop reinstalled since");
      return;
    }
    await db.$transaction(async (tx) => {
      await tx.session.deleteMany({ where: { shop } });
      await tx.shop.upsert({
        where: { shop },
        create: { shop, uninstalledAt, installedAt: uninstalledAt },
        update: { uninstalledAt },
      });
      // Shopify removes shop-specific subscriptions with the installation: our rows become history.
      await markShopUninstalled(tx, shop, uninstalledAt);
      await removeSchedulesForShop(tx, shop);
    });
    log.info("shop uninstalled: sessions deleted, syncs off, data kept until shop/redact");
  },
} satisfies WebhookHandler;

/**
 * app/scopes_update: store what the merchant has granted now, and turn off every sync that lost a scope it needs
 * (status "revoked", app/syncs/records.server.ts). An older update never overwrites a newer one.
 */
export const appScopesUpdate = {
  topic: "APP_SCOPES_UPDATE",
  schema: z
    .object({
      current: z.array(z.string()),
      previous: z.array(z.string()).optional(),
      updated_at: z.string().datetime({ offset: true }).optional(),
    })
    .passthrough(),
  async handle({ db, shop, payload, delivery, log }) {
    const updatedAt = payload.updated_at ? new Date(payload.updated_at) : (delivery.triggeredAt ?? delivery.receivedAt);
    const scopes = payload.current.join(",");
    const existing = await db.shop.findUnique({ where: { shop } });
    if (existing?.scopesUpdatedAt && existing.scopesUpdatedAt > updatedAt) {
      log.info({ updatedAt }, "older app/scopes_update ignored");
      return;
    }
    let revoked: Awaited<ReturnType<typeof turnOffRevokedSwitches>> = [];
    await db.$transaction(async (tx) => {
      await tx.shop.upsert({
        where: { shop },
        create: { shop, scopes, scopesUpdatedAt: updatedAt },
        update: { scopes, scopesUpdatedAt: updatedAt },
      });
      await tx.session.updateMany({ where: { shop }, data: { scope: scopes } });
      revoked = await turnOffRevokedSwitches(tx, shop, payload.current, updatedAt);
      // Whatever Shopify leaves of a revoked switch's subscriptions, the health check deletes as strays.
      if (revoked.length > 0) await ensureHealthSchedule(tx, shop);
    });
    if (revoked.length > 0) log.info({ revoked }, "syncs turned off: a scope they need was revoked");
    log.info({ scopes: payload.current }, "granted scopes updated");
  },
} satisfies WebhookHandler;
