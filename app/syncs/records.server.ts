import type { Db } from "~/db.server";
import { recordActivity } from "~/activity/activity.server";
import { findSwitch, type SyncSwitchKey } from "./definitions";
import { permissionList, missingScopes } from "./scopes";

/**
 * The control plane's bookkeeping that never talks to Shopify, for the webhook handlers (app/lifecycle, the
 * processing job). Kept apart from control.server.ts so that those handlers do not load the Admin API client.
 */

/** Every live row ends up like this: the history stays, the live key is released for a future subscription. */
export function deletedRowData(reason: string, now: Date) {
  return { status: "deleted", liveKey: null, deletedAt: now, lastError: reason };
}

export function revokedMessage(missing: readonly string[]): string {
  return `Turned off because access to ${permissionList(missing)} was removed in Shopify. Turn it on again to grant it.`;
}

/**
 * app/scopes_update: every switch that is on (or being turned on or off) and needs a scope that `current` no longer
 * covers turns off with status "revoked". Its subscriptions are marked deleted in our records only: Shopify removes
 * the subscriptions of a revoked scope itself, and whatever it leaves behind the health job deletes as a stray.
 * The version bump makes a toggle in flight on that switch lose its claim instead of turning it back on.
 * A switch turned on after `revokedAt` (the update's own time) is left alone: webhooks arrive late, and a merchant
 * who granted the scope again and turned the switch on meanwhile was checked against the scopes Shopify held then.
 * `enabledAt` is written only when a turn-on completes, so other writes to the row (health repairs, claims) do not
 * hide a revocation.
 * Run inside the handler's transaction.
 */
export async function turnOffRevokedSwitches(
  db: Db,
  shop: string,
  current: readonly string[],
  revokedAt: Date,
  now = new Date(),
): Promise<{ key: SyncSwitchKey; missing: string[] }[]> {
  const settings = await db.syncSetting.findMany({
    where: {
      shop,
      OR: [{ enabledAt: null }, { enabledAt: { lte: revokedAt } }],
      AND: [{ OR: [{ enabled: true }, { status: { in: ["enabling", "disabling"] } }] }],
    },
  });
  const revoked: { key: SyncSwitchKey; missing: string[] }[] = [];
  for (const setting of settings) {
    const sw = findSwitch(setting.sync);
    if (!sw) continue;
    const missing = missingScopes(sw.scopes, current);
    if (missing.length === 0) continue;
    const message = revokedMessage(missing);
    await db.syncSetting.updateMany({
      where: { shop, sync: sw.key },
      data: { enabled: false, status: "revoked", lastError: message, lastErrorAt: now, version: { increment: 1 } },
    });
    const { count } = await db.webhookSubscription.updateMany({
      where: { shop, sync: sw.key, liveKey: { not: null } },
      data: deletedRowData(`access to ${permissionList(missing)} was removed`, now),
    });
    await recordActivity(db, {
      shop,
      direction: "internal",
      kind: "job",
      name: "syncs.revoked",
      status: "ok",
      sync: sw.key,
      detail: { missing, subscriptionsMarkedDeleted: count, message },
    });
    revoked.push({ key: sw.key as SyncSwitchKey, missing });
  }
  return revoked;
}

/**
 * app/uninstalled: Shopify removes shop-specific subscriptions with the installation, so every live row of the shop
 * becomes history, and every switch is off (the version bump stops any toggle in flight).
 */
export async function markShopUninstalled(db: Db, shop: string, now = new Date()): Promise<void> {
  await db.webhookSubscription.updateMany({
    where: { shop, liveKey: { not: null } },
    data: deletedRowData("app uninstalled", now),
  });
  await db.syncSetting.updateMany({
    where: { shop },
    data: { enabled: false, status: "off", version: { increment: 1 } },
  });
}

/**
 * The last webhook received for a switch, written by the processing job. Raw SQL on purpose: a Prisma update would
 * bump updatedAt, which is the age of a toggle's claim (claim.server.ts), and a busy shop's webhooks would keep an
 * abandoned claim alive forever. Only ever moves forward: deliveries are processed out of order.
 */
export async function touchLastEvent(db: Db, shop: string, key: string, at: Date): Promise<void> {
  await db.$executeRaw`
    UPDATE "SyncSetting" SET "lastEventAt" = ${at}
    WHERE "shop" = ${shop} AND "sync" = ${key} AND ("lastEventAt" IS NULL OR "lastEventAt" < ${at})`;
}
