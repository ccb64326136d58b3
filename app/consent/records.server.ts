/**
 * The app's view of the consent Shopify holds: one ConsentRecord per (shop, customer, channel), versioned by the
 * consent time. Everything that learns what Shopify holds (a webhook, the import, a lookup, the answer to the app's
 * own write) goes through `observeConsent`, a compare-and-set on that version: an older or equal time never
 * overwrites, whatever order or how many times deliveries arrive. Why: docs/decisions/010-consent-sync.md.
 */
import { randomUUID } from "node:crypto";

import type { Db, PrismaClient, Tx } from "~/db.server";
import { emitEvent } from "~/events/emit.server";

import {
  channelKey,
  SWITCH_OF_CHANNEL,
  type ConsentChannel,
  type ConsentState,
  type OptInLevel,
} from "./model";

/** One customer's consent on one channel, as Shopify reported it. */
export interface ObservedConsent {
  customerId: string;
  channel: ConsentChannel;
  /** The channel's address as reported (email or phone); normalised when stored. */
  address: string | null;
  state: ConsentState;
  optInLevel: OptInLevel | null;
  /** Shopify's consent_updated_at, whole seconds; null when the customer never decided. */
  consentAt: Date | null;
  collectedFrom: string | null;
}

/**
 * Where the observation came from: a consent webhook, the import, a lookup before a write (all three are Shopify's
 * state, sent to the platform when new to the app), or the answer to the app's own write (the platform made that
 * decision, so it is not sent back to it).
 */
export type ObservationOrigin = "shopify" | "import" | "lookup" | "platform";

/**
 * - `applied`: newer than what the record held (or the first we hear of it); unless the origin is the app's own
 *   write, `consent.changed` was emitted.
 * - `echo`: exactly what the app itself wrote (state and consent time): stored, never emitted.
 * - `stale`: older than (or as old as) the record: nothing changed.
 */
export type ObserveOutcome = "applied" | "echo" | "stale";

export interface ObserveResult {
  outcome: ObserveOutcome;
  /** The consent.changed event emitted, if any. */
  eventId: string | null;
}

/** Whether the channel's switch is on for the shop. */
export async function channelEnabled(db: Db, shop: string, channel: ConsentChannel): Promise<boolean> {
  const row = await db.syncSetting.findUnique({
    where: { shop_sync: { shop, sync: SWITCH_OF_CHANNEL[channel] } },
    select: { enabled: true },
  });
  return row?.enabled ?? false;
}

export async function enabledChannels(db: Db, shop: string): Promise<ConsentChannel[]> {
  const rows = await db.syncSetting.findMany({
    where: { shop, sync: { in: Object.values(SWITCH_OF_CHANNEL) }, enabled: true },
    select: { sync: true },
  });
  const on = new Set(rows.map((r) => r.sync));
  return (Object.keys(SWITCH_OF_CHANNEL) as ConsentChannel[]).filter((c) => on.has(SWITCH_OF_CHANNEL[c]));
}

/** `consent.changed` data: what the platform needs to apply the decision on its side. */
export function consentEventData(observed: ObservedConsent, origin: "webhook" | "import" | "lookup"): Record<string, unknown> {
  return {
    customerId: observed.customerId,
    channel: observed.channel,
    ...(observed.channel === "email" ? { email: observed.address } : { phone: observed.address }),
    state: observed.state,
    optInLevel: observed.optInLevel,
    consentUpdatedAt: observed.consentAt?.toISOString() ?? null,
    ...(observed.channel === "sms" ? { collectedFrom: observed.collectedFrom } : {}),
    origin,
  };
}

/**
 * One (customer, channel, state, time) is sent to the platform at most once, whether it arrives by webhook (once or
 * duplicated), by the import, or by both.
 */
export function consentEventKey(observed: ObservedConsent): string {
  return `${observed.customerId}:${observed.channel}:${observed.state}:${observed.consentAt?.toISOString() ?? "never"}`;
}

/**
 * Records what Shopify holds for one customer and channel, if it is newer than what the record holds, and emits
 * `consent.changed` for a change the platform has not heard of (origin `shopify`, or `import` with `emit`). One
 * transaction: the record and its event commit together.
 */
export async function observeConsent(
  db: PrismaClient,
  shop: string,
  observed: ObservedConsent,
  origin: ObservationOrigin,
  now = new Date(),
): Promise<ObserveResult> {
  return db.$transaction((tx) => observeInTransaction(tx, shop, observed, origin, now));
}

async function observeInTransaction(tx: Tx, shop: string, observed: ObservedConsent, origin: ObservationOrigin, now: Date): Promise<ObserveResult> {
  const where = { shop_customerId_channel: { shop, customerId: observed.customerId, channel: observed.channel } };
  const address = observed.address ? channelKey(observed.channel, observed.address) : null;
  const columns = {
    state: observed.state,
    optInLevel: observed.optInLevel,
    consentAt: observed.consentAt,
    collectedFrom: observed.collectedFrom,
    source: origin === "lookup" ? "shopify" : origin,
    changedAt: now,
    ...(address ? { address } : {}),
  };
  // Create when missing, as one native INSERT ... ON CONFLICT (the no-op update makes Prisma choose it): two
  // deliveries of a new customer at once cannot both insert, and neither raises.
  const id = randomUUID();
  const row = await tx.consentRecord.upsert({
    where,
    create: { id, shop, customerId: observed.customerId, channel: observed.channel, ...columns },
    update: { shop },
    select: { id: true, wroteState: true, wroteAt: true, consentAt: true },
  });
  const echo =
    row.wroteState === observed.state && !!row.wroteAt && !!observed.consentAt && row.wroteAt.getTime() === observed.consentAt.getTime();

  let applied = row.id === id;
  if (!applied && observed.consentAt) {
    // The compare-and-set: only a strictly newer consent time moves the record.
    const { count } = await tx.consentRecord.updateMany({
      where: { id: row.id, shop, OR: [{ consentAt: null }, { consentAt: { lt: observed.consentAt } }] },
      // The echo processed before the write's answer was recorded: still the app's own write.
      data: echo ? { ...columns, source: "platform" } : columns,
    });
    applied = count === 1;
  }
  if (!applied) {
    // The address can change without a new decision (the customer edited it): keep the key current.
    if (address) await tx.consentRecord.updateMany({ where: { id: row.id, shop, NOT: { address } }, data: { address } });
    return { outcome: echo ? "echo" : "stale", eventId: null };
  }
  if (echo) return { outcome: "echo", eventId: null };
  if (origin === "platform") return { outcome: "applied", eventId: null };
  const event = await emitEvent(tx, {
    shop,
    type: "consent.changed",
    data: consentEventData(observed, origin === "shopify" ? "webhook" : origin),
    dedupeKey: consentEventKey(observed),
    occurredAt: observed.consentAt ?? now,
  });
  return { outcome: "applied", eventId: event.created ? event.id : null };
}

/**
 * Sends the import's view of a customer's consent to the platform once (the event key dedupes against what webhooks
 * already sent), after recording it. An imported state older than the record is not sent: the newer one was.
 */
export async function importConsent(db: PrismaClient, shop: string, observed: ObservedConsent, now = new Date()): Promise<ObserveResult> {
  return db.$transaction((tx) => importInTransaction(tx, shop, observed, now));
}

/** importConsent inside the caller's transaction: the import applies a batch of customers per transaction. */
export async function importInTransaction(tx: Tx, shop: string, observed: ObservedConsent, now = new Date()): Promise<ObserveResult> {
  const result = await observeInTransaction(tx, shop, observed, "import", now);
  if (result.outcome !== "stale" || result.eventId) return result;
  const current = await tx.consentRecord.findUnique({
    where: { shop_customerId_channel: { shop, customerId: observed.customerId, channel: observed.channel } },
    select: { state: true, consentAt: true },
  });
  const same = current?.state === observed.state && (current.consentAt?.getTime() ?? null) === (observed.consentAt?.getTime() ?? null);
  if (!same) return result;
  // The record already holds this version (a webhook or the app's own write got there first): the platform still
  // gets it once from the import.
  const event = await emitEvent(tx, {
    shop,
    type: "consent.changed",
    data: consentEventData(observed, "import"),
    dedupeKey: consentEventKey(observed),
    occurredAt: observed.consentAt ?? now,
  });
  return { outcome: "stale", eventId: event.created ? event.id : null };
}

/**
 * Records Shopify's answer to the app's own write (the row exists: rememberWrite made it): the same compare-and-set
 * as observeConsent, in one statement and without an event (the platform made this decision). On the push's hot path.
 */
export async function recordOwnWrite(db: Db, shop: string, observed: ObservedConsent, now = new Date()): Promise<boolean> {
  if (!observed.consentAt) return false;
  const { count } = await db.consentRecord.updateMany({
    where: {
      shop,
      customerId: observed.customerId,
      channel: observed.channel,
      OR: [{ consentAt: null }, { consentAt: { lt: observed.consentAt } }],
    },
    data: {
      state: observed.state,
      optInLevel: observed.optInLevel,
      consentAt: observed.consentAt,
      collectedFrom: observed.collectedFrom,
      source: "platform",
      changedAt: now,
      ...(observed.address ? { address: channelKey(observed.channel, observed.address) } : {}),
    },
  });
  return count === 1;
}

/**
 * Remembers, before sending it, what the app is about to write to Shopify for this customer and channel: the
 * webhook Shopify sends back for exactly this state and time is then recognised as our own echo. Creates the record
 * (nothing known yet) for a customer the app has just created.
 */
export async function rememberWrite(
  db: Db,
  shop: string,
  write: { customerId: string; channel: ConsentChannel; address: string; state: string; consentAt: Date },
  now = new Date(),
): Promise<void> {
  await db.consentRecord.upsert({
    where: { shop_customerId_channel: { shop, customerId: write.customerId, channel: write.channel } },
    create: {
      shop,
      customerId: write.customerId,
      channel: write.channel,
      address: channelKey(write.channel, write.address),
      state: "NOT_SUBSCRIBED",
      consentAt: null,
      source: "platform",
      changedAt: now,
      wroteState: write.state,
      wroteAt: write.consentAt,
    },
    update: { wroteState: write.state, wroteAt: write.consentAt },
  });
}
