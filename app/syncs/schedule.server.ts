import type { Db } from "~/db.server";
import { ensureSchedule, removeSchedule } from "~/jobs/queue.server";

/** The job that compares a shop's webhook subscriptions in Shopify with our records and repairs the difference. */
export const SUBSCRIPTION_HEALTH_JOB = "syncs.subscriptions.health";

/** Shopify deletes a subscription after ~4 h of failed deliveries; checking twice an hour finds that well within a day. */
export const SUBSCRIPTION_HEALTH_INTERVAL_SECONDS = 30 * 60;

export function healthScheduleName(shop: string): string {
  return `${SUBSCRIPTION_HEALTH_JOB}:${shop}`;
}

/** Idempotent: called whenever a switch goes on, or a cleanup is left for the job. */
export async function ensureHealthSchedule(db: Db, shop: string): Promise<void> {
  await ensureSchedule(db, {
    name: healthScheduleName(shop),
    type: SUBSCRIPTION_HEALTH_JOB,
    shop,
    payload: {},
    intervalSeconds: SUBSCRIPTION_HEALTH_INTERVAL_SECONDS,
  });
}

/**
 * Removes the shop's health schedule when there is nothing left for it to look after: no switch on or changing,
 * no live subscription row. Returns whether it was removed.
 */
export async function removeHealthScheduleIfIdle(db: Db, shop: string): Promise<boolean> {
  const active = await db.syncSetting.count({
    where: { shop, OR: [{ enabled: true }, { status: { in: ["enabling", "disabling"] } }] },
  });
  const live = await db.webhookSubscription.count({ where: { shop, liveKey: { not: null } } });
  if (active > 0 || live > 0) return false;
  await removeSchedule(db, healthScheduleName(shop));
  return true;
}
