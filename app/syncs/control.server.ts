import type { PrismaClient } from "~/db.server";
import { logger } from "~/logger.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import type { SyncSetting, WebhookSubscription } from "~/generated/sqlite/client";
import { isUniqueViolation } from "~/db/errors.server";
import {
  claimSwitch,
  ensureSetting,
  isClaimAlive,
  IN_FLIGHT_STATUSES,
  renewClaim,
  settleClaim,
  SyncBusyError,
  type Claim,
} from "./claim.server";
import {
  findSwitch,
  switchesOfPage,
  webhookPath,
  type SyncPageKey,
  type SyncSwitch,
  type SyncSwitchKey,
  type WebhookTopic,
} from "./definitions";
import { createSubscription, deleteSubscription, describeShopifyFailure, findSubscription } from "./remote.server";
import { runSwitchedOff, runSwitchedOn } from "./hooks.server";
import { ensureHealthSchedule, removeHealthScheduleIfIdle } from "./schedule.server";
import { permissionList, missingScopes } from "./scopes";

/**
 * The sync control plane: turning a switch on and off, with its shop-specific webhook subscriptions. Routes call
 * this module (app/syncs/ui); the health job (health.server.ts) repairs what drifts afterwards.
 *
 * Guarantees, whatever the clicks and failures:
 * - one change per (shop, switch) at a time (claim.server.ts); the loser gets SyncBusyError;
 * - a row is written before Shopify is asked, under a unique live key "<shop>|<topic>|<uri>", so a subscription of
 *   ours never exists in Shopify without a record naming it, and never twice;
 * - a failed turn-on is compensated at once: whatever this switch holds in Shopify is deleted again. What cannot be
 *   deleted right now (Shopify still failing) stays recorded and the health job deletes it later.
 */

export { SyncBusyError } from "./claim.server";

export type SwitchStatusValue = "off" | "enabling" | "on" | "disabling" | "error" | "revoked";

export interface SwitchStatus {
  key: SyncSwitchKey;
  title: string;
  enabled: boolean;
  status: SwitchStatusValue;
  requiredScopes: string[];
  missingScopes: string[];
  subscriptions: { topic: string; status: string; healthy: boolean }[];
  subscriptionsHealthy: boolean;
  lastEventAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  counts: { webhooksLast24h: number; failedLast24h: number };
}

export interface ControlContext {
  db: PrismaClient;
  shop: string;
  client: AdminClient;
  /** SHOPIFY_APP_URL: subscriptions point at `${appUrl}/webhooks/...`. */
  appUrl: string;
}

/** enableSwitch was asked to turn on a switch whose scopes Shopify has not granted: ask the merchant first. */
export class ScopeNotGrantedError extends Error {
  constructor(
    readonly key: SyncSwitchKey,
    readonly missing: string[],
  ) {
    super(`Shopify has not granted ${permissionList(missing)}, which this sync needs.`);
    this.name = "ScopeNotGrantedError";
  }
}

/**
 * Shopify failed while a switch was being turned on or off. The message is the reason in plain words; the setting
 * already records it (status "error", lastError) and `status` is the switch as it stands now.
 */
export class SyncToggleError extends Error {
  constructor(
    message: string,
    readonly status: SwitchStatus,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = "SyncToggleError";
  }
}

export class UnknownSwitchError extends Error {
  constructor(readonly key: string) {
    super(`Unknown sync switch: ${key}`);
    this.name = "UnknownSwitchError";
  }
}

const DAY_MS = 24 * 3600 * 1000;

function requireSwitch(key: string): SyncSwitch {
  const sw = findSwitch(key);
  if (!sw) throw new UnknownSwitchError(key);
  return sw;
}

/** Where Shopify delivers a topic for this app. */
export function subscriptionUri(appUrl: string, topic: WebhookTopic): string {
  return `${appUrl.replace(/\/+$/, "")}${webhookPath(topic)}`;
}

export function liveKeyOf(shop: string, topic: string, uri: string): string {
  return `${shop}|${topic}|${uri}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

export async function loadSwitches(
  db: PrismaClient,
  shop: string,
  page: SyncPageKey,
  grantedScopes: string[],
  now = new Date(),
): Promise<SwitchStatus[]> {
  return statusesOf(db, shop, switchesOfPage(page), grantedScopes, now);
}

/** One switch, as loadSwitches shows it. */
export async function loadSwitch(db: PrismaClient, shop: string, key: SyncSwitchKey, grantedScopes: string[]): Promise<SwitchStatus> {
  const [status] = await statusesOf(db, shop, [requireSwitch(key)], grantedScopes, new Date());
  return status;
}

async function statusesOf(db: PrismaClient, shop: string, switches: SyncSwitch[], granted: string[], now: Date): Promise<SwitchStatus[]> {
  const keys = switches.map((s) => s.key);
  const since = new Date(now.getTime() - DAY_MS);
  const topics = switches.flatMap((s) => s.topics as readonly string[]);
  const settings = await db.syncSetting.findMany({ where: { shop, sync: { in: keys } } });
  const rows = await db.webhookSubscription.findMany({
    where: { shop, sync: { in: keys }, liveKey: { not: null } },
    orderBy: { createdAt: "asc" },
  });
  const received = await db.activityLog.groupBy({
    by: ["sync"],
    // A redelivery of one already accepted is logged as "duplicate": one event, counted once.
    where: { shop, kind: "webhook", sync: { in: keys }, status: { not: "duplicate" }, createdAt: { gte: since } },
    _count: { _all: true },
  });
  // Failed at intake (bad payload) or in processing (the handler kept failing): both leave the delivery "failed".
  const failed = await db.webhookDelivery.groupBy({
    by: ["topic"],
    where: { shop, status: "failed", topic: { in: topics }, receivedAt: { gte: since } },
    _count: { _all: true },
  });
  const failedByTopic = new Map(failed.map((f) => [f.topic, f._count._all]));
  const receivedBySync = new Map(received.map((r) => [r.sync, r._count._all]));

  return switches.map((sw) =>
    toStatus(
      sw,
      settings.find((s) => s.sync === sw.key),
      rows.filter((r) => r.sync === sw.key),
      granted,
      {
        webhooksLast24h: receivedBySync.get(sw.key) ?? 0,
        failedLast24h: sw.topics.reduce((n, t) => n + (failedByTopic.get(t) ?? 0), 0),
      },
    ),
  );
}

const STATUS_VALUES: readonly SwitchStatusValue[] = ["off", "enabling", "on", "disabling", "error", "revoked"];

function toStatus(
  sw: SyncSwitch,
  setting: SyncSetting | undefined,
  rows: WebhookSubscription[],
  granted: string[],
  counts: SwitchStatus["counts"],
): SwitchStatus {
  const enabled = setting?.enabled ?? false;
  const status = STATUS_VALUES.find((v) => v === setting?.status) ?? "off";
  const subscriptions = sw.topics.map((topic) => {
    const row = rows.find((r) => r.topic === topic);
    if (!row) return { topic, status: enabled ? "missing" : "none", healthy: !enabled };
    // An active subscription of a switch that is off is a leftover the health job still has to delete.
    return { topic, status: row.status, healthy: enabled && row.status === "active" };
  });
  return {
    key: sw.key as SyncSwitchKey,
    title: sw.title,
    enabled,
    status,
    requiredScopes: [...sw.scopes],
    missingScopes: missingScopes(sw.scopes, granted),
    subscriptions,
    subscriptionsHealthy: subscriptions.every((s) => s.healthy),
    lastEventAt: setting?.lastEventAt?.toISOString() ?? null,
    lastError: setting?.lastError ?? null,
    lastErrorAt: setting?.lastErrorAt?.toISOString() ?? null,
    counts,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Turning on

/**
 * Turns a switch on: one shop-specific subscription per topic, then the setting (on) and the rows (active) in one
 * transaction. Already on: returns at once. Throws ScopeNotGrantedError before touching anything when a scope is
 * missing, SyncBusyError when another change holds the switch, SyncToggleError when Shopify failed (after the
 * compensation described above; the switch is then off with status "error").
 */
export async function enableSwitch(ctx: ControlContext & { grantedScopes: string[] }, key: SyncSwitchKey): Promise<SwitchStatus> {
  const sw = requireSwitch(key);
  const { db, shop } = ctx;
  const missing = missingScopes(sw.scopes, ctx.grantedScopes);
  if (missing.length > 0) throw new ScopeNotGrantedError(key, missing);

  const current = await ensureSetting(db, shop, key);
  if (current.enabled && current.status === "on") return loadSwitch(db, shop, key, ctx.grantedScopes);

  const claim = await claimSwitch(db, shop, key, "enabling");
  const log = logger.child({ shop, sync: key });
  const rowIds: string[] = [];
  try {
    for (const topic of sw.topics) {
      const uri = subscriptionUri(ctx.appUrl, topic);
      const row = await liveRowFor(db, claim, topic, uri);
      rowIds.push(row.id);
      if (!row.shopifyId) {
        const created = await createSubscription(ctx.client, { topic, uri, sync: key });
        // Recorded at once, not only at the end: if this process dies now, the id is what lets the health job
        // or the next attempt delete or adopt exactly this subscription.
        await db.webhookSubscription.updateMany({ where: { id: row.id, liveKey: row.liveKey }, data: { shopifyId: created.id } });
        if (created.adopted) log.info({ topic, shopifyId: created.id }, "adopted an existing subscription");
      }
      await renewClaim(db, claim);
    }
    await db.$transaction(async (tx) => {
      await settleClaim(tx, claim, { enabled: true, status: "on", lastError: null, lastErrorAt: null, enabledAt: new Date() });
      await tx.webhookSubscription.updateMany({
        where: { shop, id: { in: rowIds }, liveKey: { not: null } },
        data: { status: "active", lastError: null },
      });
      await ensureHealthSchedule(tx, shop);
      await runSwitchedOn(tx, shop, key);
    });
  } catch (error) {
    if (error instanceof SyncBusyError) {
      // Taken over, or revoked meanwhile: the new owner decides; whatever this attempt created has a record, and
      // the health job removes it if nobody wants it.
      await ensureHealthSchedule(db, shop);
      throw error;
    }
    const reason = describeShopifyFailure(error);
    const left = await compensate(ctx, claim, sw);
    const message =
      `Could not turn on ${sw.title}: ${reason}` +
      (left > 0 ? ` ${left} webhook subscription(s) created meanwhile will be removed automatically.` : "");
    log.warn({ err: error, left }, "turning a sync on failed");
    await settleAfterFailure(db, claim, { enabled: false, status: "error", lastError: message, lastErrorAt: new Date() });
    if (left > 0) await ensureHealthSchedule(db, shop);
    throw new SyncToggleError(reason, await loadSwitch(db, shop, key, ctx.grantedScopes), { cause: error });
  }
  log.info("sync turned on");
  return loadSwitch(db, shop, key, ctx.grantedScopes);
}

/** The live row for (topic, uri): the one a previous attempt left, or a new pending one. */
async function liveRowFor(db: PrismaClient, claim: Claim, topic: WebhookTopic, uri: string): Promise<WebhookSubscription> {
  const liveKey = liveKeyOf(claim.shop, topic, uri);
  const existing = await db.webhookSubscription.findUnique({ where: { liveKey } });
  if (existing) return existing;
  try {
    return await db.webhookSubscription.create({
      data: { shop: claim.shop, sync: claim.key, topic, uri, status: "pending", liveKey },
    });
  } catch (error) {
    // Someone wrote this live key between our read and our insert, which only a holder of the claim may do.
    if (isUniqueViolation(error)) throw new SyncBusyError(claim.shop, claim.key);
    throw error;
  }
}

/**
 * Deletes in Shopify whatever the switch holds there and retires its rows. Returns how many could not be deleted
 * now; those stay live (the switch is off, so the health job retires them).
 */
async function compensate(ctx: ControlContext, claim: Claim, sw: SyncSwitch): Promise<number> {
  const rows = await ctx.db.webhookSubscription.findMany({ where: { shop: ctx.shop, sync: sw.key, liveKey: { not: null } } });
  let left = 0;
  for (const row of rows) {
    try {
      // No id: Shopify may still have created it (an answer lost to a timeout or a 5xx after the commit).
      const id = row.shopifyId ?? (await findSubscription(ctx.client, { topic: row.topic, uri: row.uri, sync: sw.key }))?.id;
      if (id) await deleteSubscription(ctx.client, id, sw.key);
      await ctx.db.webhookSubscription.updateMany({
        where: { id: row.id, liveKey: row.liveKey },
        data: { status: "failed", liveKey: null, deletedAt: new Date(), lastError: "removed again: turning the sync on failed" },
      });
    } catch (error) {
      left += 1;
      await ctx.db.webhookSubscription.updateMany({
        where: { id: row.id, liveKey: row.liveKey },
        data: { lastError: `could not be removed after a failed turn-on: ${describeShopifyFailure(error)}` },
      });
    }
  }
  return left;
}

/** Settling after a failure must not hide the failure: a lost claim here only means someone else settles it. */
async function settleAfterFailure(db: PrismaClient, claim: Claim, data: Parameters<typeof settleClaim>[2]): Promise<void> {
  try {
    await settleClaim(db, claim, data);
  } catch (error) {
    if (!(error instanceof SyncBusyError)) throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Turning off

/**
 * Turns a switch off: webhookSubscriptionDelete for each live row (an id Shopify no longer knows counts as
 * deleted), rows marked deleted (history kept), setting off. Already off with nothing live: returns at once.
 * When Shopify fails midway the switch is off anyway (status "error", saying so), the remaining rows stay live and
 * the health job deletes them; SyncToggleError tells the caller.
 */
export async function disableSwitch(ctx: ControlContext & { grantedScopes?: string[] }, key: SyncSwitchKey): Promise<SwitchStatus> {
  const sw = requireSwitch(key);
  const { db, shop } = ctx;
  // Only for the returned status's missingScopes; turning off needs no scope.
  const granted = ctx.grantedScopes ?? (await grantedScopesOf(db, shop));
  const current = await ensureSetting(db, shop, key);
  const live = await db.webhookSubscription.count({ where: { shop, sync: key, liveKey: { not: null } } });
  if (!current.enabled && !isClaimAlive(current) && live === 0) return loadSwitch(db, shop, key, granted);

  const claim = await claimSwitch(db, shop, key, "disabling");
  const log = logger.child({ shop, sync: key });
  let remaining = 0;
  try {
    const rows = await db.webhookSubscription.findMany({ where: { shop, sync: key, liveKey: { not: null } } });
    remaining = rows.length;
    for (const row of rows) {
      const id = row.shopifyId ?? (await findSubscription(ctx.client, { topic: row.topic, uri: row.uri, sync: key }))?.id;
      if (id) await deleteSubscription(ctx.client, id, key);
      // Marked only once Shopify has confirmed: a live row always names what may still exist there.
      await db.webhookSubscription.updateMany({
        where: { id: row.id, liveKey: row.liveKey },
        data: { status: "deleted", liveKey: null, deletedAt: new Date(), lastError: null },
      });
      remaining -= 1;
      await renewClaim(db, claim);
    }
    await db.$transaction(async (tx) => {
      await settleClaim(tx, claim, { enabled: false, status: "off", lastError: null, lastErrorAt: null });
      await removeHealthScheduleIfIdle(tx, shop);
      await runSwitchedOff(tx, shop, key);
    });
  } catch (error) {
    if (error instanceof SyncBusyError) {
      await ensureHealthSchedule(db, shop);
      throw error;
    }
    const reason = describeShopifyFailure(error);
    log.warn({ err: error, remaining }, "turning a sync off failed midway");
    await settleAfterFailure(db, claim, {
      enabled: false,
      status: "error",
      lastError: `${sw.title} is off, but ${remaining} of its webhook subscription(s) could not be removed from Shopify yet: ${reason} The app keeps trying automatically.`,
      lastErrorAt: new Date(),
    });
    await ensureHealthSchedule(db, shop);
    throw new SyncToggleError(reason, await loadSwitch(db, shop, key, granted), { cause: error });
  }
  log.info("sync turned off");
  return loadSwitch(db, shop, key, granted);
}

/** What Shopify last told us the shop granted (Shop.scopes), for statuses computed without a request at hand. */
async function grantedScopesOf(db: PrismaClient, shop: string): Promise<string[]> {
  const row = await db.shop.findUnique({ where: { shop }, select: { scopes: true } });
  return (row?.scopes ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------------------------
// Declined scopes

/**
 * The merchant declined Shopify's grant screen for a switch: it stays off and says why and how to retry. A switch
 * that is on, or being changed, is left alone (the decline cannot concern it).
 */
export async function recordScopeDeclined(db: PrismaClient, shop: string, key: SyncSwitchKey, scopes: string[]): Promise<void> {
  const sw = requireSwitch(key);
  await ensureSetting(db, shop, key);
  const declined = scopes.length > 0 ? scopes : [...sw.scopes];
  await db.syncSetting.updateMany({
    where: { shop, sync: key, enabled: false, status: { notIn: [...IN_FLIGHT_STATUSES] } },
    data: {
      status: "off",
      lastError:
        `${sw.title} is off because Shopify did not get permission to ${permissionList(declined)}. ` +
        "To try again, turn it on and choose to grant access on Shopify's screen.",
      lastErrorAt: new Date(),
    },
  });
}
