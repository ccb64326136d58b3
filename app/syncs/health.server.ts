import { z } from "zod";

import type { PrismaClient } from "~/db.server";
import { recordActivity } from "~/activity/activity.server";
import { isUniqueViolation } from "~/db/errors.server";
import { env } from "~/env.server";
import { defineJob, PermanentJobError } from "~/jobs/define.server";
import { removeSchedule } from "~/jobs/queue.server";
import type { Logger } from "~/logger.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { ShopNeedsReauthError } from "~/shopify/errors";
import type { SyncSetting } from "~/generated/sqlite/client";
import { claimSwitch, isClaimAlive, renewClaim, settleClaim, SyncBusyError, type Claim } from "./claim.server";
import { findSwitch, SYNC_SWITCHES, SYNC_TOPICS, webhookPath, type WebhookTopic } from "./definitions";
import { planRepairs, type Repair } from "./reconcile";
import { deletedRowData } from "./records.server";
import { createSubscription, deleteSubscription, describeShopifyFailure, listSubscriptions } from "./remote.server";
import { healthScheduleName, removeHealthScheduleIfIdle, SUBSCRIPTION_HEALTH_JOB } from "./schedule.server";

/**
 * The subscription health check of one shop (scheduled every 30 min while a switch is on, see schedule.server.ts):
 * lists what Shopify holds, compares it with our records (reconcile.ts) and repairs the difference. Every repair is
 * written to the activity log (internal, job, "subscriptions.repair"). It only ever touches subscriptions whose uri
 * is under our own `${SHOPIFY_APP_URL}/webhooks/` and whose topic is a sync topic: other apps' subscriptions, and our
 * app-specific ones from shopify.app.toml, are never changed. It never calls registerWebhooks.
 */

export interface RepairOutcome {
  repair: Repair;
  ok: boolean;
  error?: string;
}

export interface HealthReport {
  /** Switches whose claim was abandoned (a process died mid-toggle) and that were settled. */
  settled: string[];
  outcomes: RepairOutcome[];
  /** Switches another change held: looked at again next time. */
  skipped: string[];
  scheduleRemoved: boolean;
}

export interface HealthContext {
  db: PrismaClient;
  shop: string;
  client: AdminClient;
  appUrl: string;
  log?: Logger;
  now?: () => Date;
}

export async function checkSubscriptions(ctx: HealthContext): Promise<HealthReport> {
  const { db, shop } = ctx;
  const now = ctx.now ?? (() => new Date());
  const report: HealthReport = { settled: [], outcomes: [], skipped: [], scheduleRemoved: false };

  report.settled = await settleAbandonedClaims(db, shop, now());

  // Shopify first, our records second: a toggle inserts its row before it creates the subscription, so anything the
  // list shows already has its row by the time we read them, and is never taken for a stray.
  const remote = await listSubscriptions(ctx.client);
  const settings = await db.syncSetting.findMany({ where: { shop } });
  const rows = await db.webhookSubscription.findMany({ where: { shop, liveKey: { not: null } } });
  const settingOf = new Map(settings.map((s) => [s.sync, s]));
  const at = now();

  const repairs = planRepairs({
    appUrl: ctx.appUrl,
    switches: SYNC_SWITCHES.map((sw) => {
      const setting = settingOf.get(sw.key);
      return { key: sw.key, enabled: setting?.enabled ?? false, busy: setting ? isClaimAlive(setting, at) : false, topics: sw.topics };
    }),
    rows: rows.map((r) => ({ id: r.id, sync: r.sync, topic: r.topic, uri: r.uri, shopifyId: r.shopifyId, status: r.status })),
    remote,
    syncTopics: SYNC_TOPICS,
    pathOf: (topic) => webhookPath(topic as WebhookTopic),
  });

  const bySync = new Map<string, Repair[]>();
  for (const repair of repairs) {
    const key = repair.kind === "stray" ? "" : repair.sync;
    bySync.set(key, [...(bySync.get(key) ?? []), repair]);
  }

  for (const [key, group] of bySync) {
    const setting = settingOf.get(key);
    if (!key || !setting) {
      // Strays, and rows of a switch that no longer exists: no setting to hold.
      for (const repair of group) report.outcomes.push(await carryOut(ctx, repair));
      continue;
    }
    let claim: Claim;
    try {
      claim = await claimSwitch(db, shop, key, setting.enabled ? "enabling" : "disabling", now());
    } catch (error) {
      if (!(error instanceof SyncBusyError)) throw error;
      report.skipped.push(key);
      continue;
    }
    if (claim.before.enabled !== setting.enabled) {
      // A toggle finished between our read and the claim: the plan is out of date, next run redoes it.
      await settleClaim(db, claim, { enabled: claim.before.enabled, status: claim.before.status });
      report.skipped.push(key);
      continue;
    }
    const outcomes: RepairOutcome[] = [];
    try {
      for (const repair of group) {
        outcomes.push(await carryOut(ctx, repair));
        await renewClaim(db, claim);
      }
    } catch (error) {
      if (error instanceof SyncBusyError) {
        report.outcomes.push(...outcomes);
        report.skipped.push(key);
        continue;
      }
      // Shopify refused the app altogether (401): leave the switch as it was and stop.
      await settleClaim(db, claim, { enabled: claim.before.enabled, status: claim.before.status }).catch(() => undefined);
      throw error;
    }
    report.outcomes.push(...outcomes);
    const failed = outcomes.filter((o) => !o.ok);
    const title = findSwitch(key)?.title ?? key;
    await settleClaim(db, claim, {
      enabled: claim.before.enabled,
      status: claim.before.status,
      ...(claim.before.enabled && failed.length > 0
        ? {
            lastError: `${title} is missing ${failed.length} of its webhook subscription(s) and the app could not restore them yet: ${failed[0].error} The app tries again every 30 minutes.`,
            lastErrorAt: now(),
          }
        : {}),
    });
  }

  const allOk = report.outcomes.every((o) => o.ok) && report.skipped.length === 0;
  if (allOk) report.scheduleRemoved = await removeHealthScheduleIfIdle(db, shop);
  return report;
}

/**
 * A claim nobody renewed for CLAIM_TTL_MS belongs to a process that died. Settled the way the interrupted change
 * was heading: a turn-on that did not finish is an error (its subscriptions are retired by the repairs that follow),
 * a turn-off completes, an interrupted repair leaves the switch as it was.
 */
async function settleAbandonedClaims(db: PrismaClient, shop: string, now: Date): Promise<string[]> {
  const abandoned = (await db.syncSetting.findMany({ where: { shop, status: { in: ["enabling", "disabling"] } } })).filter(
    (s) => !isClaimAlive(s, now),
  );
  const settled: string[] = [];
  for (const setting of abandoned) {
    let claim: Claim;
    try {
      claim = await claimSwitch(db, shop, setting.sync, setting.status as "enabling" | "disabling", now);
    } catch (error) {
      if (error instanceof SyncBusyError) continue;
      throw error;
    }
    await settleClaim(db, claim, settledStateOf(claim.before, now));
    settled.push(setting.sync);
  }
  return settled;
}

function settledStateOf(before: SyncSetting, now: Date) {
  const title = findSwitch(before.sync)?.title ?? before.sync;
  if (before.status === "disabling") return { enabled: false, status: "off" };
  if (before.enabled) return { enabled: true, status: "on" };
  return {
    enabled: false,
    status: "error",
    lastError: `Turning on ${title} was interrupted before it finished. Turn it on again.`,
    lastErrorAt: now,
  };
}

async function carryOut(ctx: HealthContext, repair: Repair): Promise<RepairOutcome> {
  const { db, shop } = ctx;
  const sync = repair.kind === "stray" ? null : repair.sync;
  let detail: Record<string, unknown> = { action: repair.kind, topic: repair.topic, uri: repair.uri };
  try {
    switch (repair.kind) {
      case "confirm":
        await db.webhookSubscription.updateMany({
          where: { id: repair.rowId, liveKey: { not: null } },
          data: { shopifyId: repair.shopifyId, status: "active", lastError: null },
        });
        detail = { ...detail, shopifyId: repair.shopifyId, previousShopifyId: repair.previousShopifyId };
        break;
      case "adopt":
        try {
          await db.webhookSubscription.create({
            data: {
              shop,
              sync: repair.sync,
              topic: repair.topic,
              uri: repair.uri,
              shopifyId: repair.shopifyId,
              status: "active",
              liveKey: `${shop}|${repair.topic}|${repair.uri}`,
            },
          });
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
        detail = { ...detail, shopifyId: repair.shopifyId };
        break;
      case "recreate": {
        const rowId = await rowForRecreate(db, shop, repair);
        const created = await createSubscription(ctx.client, { topic: repair.topic as WebhookTopic, uri: repair.uri, sync: repair.sync });
        await db.webhookSubscription.updateMany({
          where: { id: rowId, liveKey: { not: null } },
          data: { shopifyId: created.id, status: "active", lastError: null },
        });
        detail = { ...detail, shopifyId: created.id, previousShopifyId: repair.previousShopifyId, adopted: created.adopted };
        break;
      }
      case "retire": {
        const outcome = repair.shopifyId ? await deleteSubscription(ctx.client, repair.shopifyId, repair.sync) : "missing";
        await db.webhookSubscription.updateMany({
          where: { id: repair.rowId, liveKey: { not: null } },
          data: deletedRowData("removed by the health check: no switch that is on needs it", new Date()),
        });
        detail = { ...detail, shopifyId: repair.shopifyId, deletedInShopify: outcome === "deleted" };
        break;
      }
      case "stray": {
        const outcome = await deleteSubscription(ctx.client, repair.shopifyId, null);
        detail = { ...detail, shopifyId: repair.shopifyId, deletedInShopify: outcome === "deleted" };
        break;
      }
    }
  } catch (error) {
    if (error instanceof ShopNeedsReauthError) throw error;
    const message = describeShopifyFailure(error);
    ctx.log?.warn({ err: error, repair }, "subscription repair failed");
    await recordActivity(db, {
      shop,
      direction: "internal",
      kind: "job",
      name: "subscriptions.repair",
      status: "error",
      sync,
      detail: { ...detail, error: message },
    });
    return { repair, ok: false, error: message };
  }
  ctx.log?.info({ repair: detail }, "subscription repaired");
  await recordActivity(db, {
    shop,
    direction: "internal",
    kind: "job",
    name: "subscriptions.repair",
    status: "ok",
    sync,
    detail,
  });
  return { repair, ok: true };
}

/**
 * The live row a re-creation fills in. A row that never got an id is reused (an earlier creation failed); one whose
 * subscription Shopify dropped becomes history and a new row takes over its live key, in one transaction.
 */
async function rowForRecreate(db: PrismaClient, shop: string, repair: Extract<Repair, { kind: "recreate" }>): Promise<string> {
  const liveKey = `${shop}|${repair.topic}|${repair.uri}`;
  if (repair.rowId && !repair.previousShopifyId) return repair.rowId;
  return db.$transaction(async (tx) => {
    if (repair.rowId) {
      await tx.webhookSubscription.updateMany({
        where: { id: repair.rowId, liveKey },
        data: deletedRowData("Shopify no longer had this subscription; re-created", new Date()),
      });
    }
    const row = await tx.webhookSubscription.create({
      data: { shop, sync: repair.sync, topic: repair.topic, uri: repair.uri, status: "pending", liveKey },
    });
    return row.id;
  });
}

export const subscriptionHealthJob = defineJob(SUBSCRIPTION_HEALTH_JOB, {
  schema: z.object({}).passthrough(),
  maxAttempts: 3,
  backoff: { baseMs: 60_000, maxMs: 10 * 60_000 },
  async perform(_payload, { db, shop, logger, signal }) {
    if (!shop) throw new PermanentJobError("subscription health job without a shop");
    const installed = await db.shop.findUnique({ where: { shop }, select: { uninstalledAt: true } });
    if (installed?.uninstalledAt) {
      // Shopify removed every subscription with the installation; nothing to look after until a reinstall.
      await removeSchedule(db, healthScheduleName(shop));
      return;
    }
    try {
      // Loaded here, not at the top: the job registry imports this module, and the client brings the Shopify
      // composition root (and its environment check) with it.
      const { adminClientForShop } = await import("~/shopify/admin-client.server");
      const client = await adminClientForShop(shop, { db });
      if (signal.aborted) return;
      const report = await checkSubscriptions({ db, shop, client, appUrl: env().SHOPIFY_APP_URL, log: logger });
      logger.info(
        {
          settled: report.settled,
          repaired: report.outcomes.filter((o) => o.ok).length,
          failed: report.outcomes.filter((o) => !o.ok).length,
          skipped: report.skipped,
          scheduleRemoved: report.scheduleRemoved,
        },
        "subscription health check done",
      );
    } catch (error) {
      if (error instanceof ShopNeedsReauthError) throw new PermanentJobError(error.message, { cause: error });
      throw error;
    }
  },
});

