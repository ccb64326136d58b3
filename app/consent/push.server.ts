/**
 * The consent.push job: applies the platform's stored consent changes (intake.server.ts) to Shopify, every minute
 * (schedule started by the switch) and a few seconds after each batch arrives.
 *
 * For each person and channel only the newest pending decision is written; older pending ones end `superseded`.
 * A decision older than what Shopify holds is not written (`stale`, with Shopify's time as the reason): known from the
 * consent record when the app has one, else from a lookup by email/phone, and in a race from the write's own answer
 * (Shopify keeps the most recent consentUpdatedAt, so the write changed nothing). A customer Shopify does not have
 * is created with customerSet, then written. Shopify's refusals (userErrors) end the change `failed` with Shopify's
 * words; they never stop the other changes. Every write carries the real consentUpdatedAt (the decision's time).
 *
 * Rate limit: writes run on several lanes at once, so the shop's cost bucket (not request latency) is the bound;
 * each call waits in the Admin client's throttle (app/shopify/throttle.ts), which tracks the bucket from every
 * answer's `extensions.cost.throttleStatus` and lets a call go when the bucket holds its cost. The number of lanes
 * follows the restore rate that status reports, so a Plus shop (1,000 points/s) gets ten times the lanes of a
 * Standard one (100 points/s). Why: docs/decisions/010-consent-sync.md.
 */
import { z } from "zod";

import type { PrismaClient } from "~/db.server";
import { defineJob, PermanentJobError } from "~/jobs/define.server";
import { CONSENT_CUSTOMER_LOOKUP_QUERY } from "~/graphql/ConsentCustomerLookup";
import { CONSENT_CUSTOMER_SET_MUTATION } from "~/graphql/ConsentCustomerSet";
import { CONSENT_EMAIL_UPDATE_MUTATION } from "~/graphql/ConsentEmailUpdate";
import { CONSENT_SMS_UPDATE_MUTATION } from "~/graphql/ConsentSmsUpdate";
import type { Logger } from "~/logger.server";
// The client module is imported where it is used: loading it reads the Shopify environment, and the job registry
// (which loads this module) must load without it, like the other syncs' jobs.
import type { AdminClient } from "~/shopify/admin-client.server";
import { AdminApiError, normaliseUserErrors, ShopNeedsReauthError, type UserError } from "~/shopify/errors";
import type { CustomerEmailMarketingState, CustomerMarketingOptInLevel, CustomerSmsMarketingState } from "~/types/admin.types";
import { numericId } from "~/webhooks/json";

import { CONSENT_PUSH_JOB } from "./intake.server";
import { lanesFor } from "./pacing";
import { CONSENT_SYNC, newer, parseOptInLevel, parseState, toConsentTime, type ConsentChannel } from "./model";
import { enabledChannels, observeConsent, recordOwnWrite, rememberWrite, type ObservedConsent } from "./records.server";

/** Changes read per round. */
export const PUSH_ROUND = 500;
/** A change whose write failed for a passing reason (5xx, network) this many times ends failed. */
export const MAX_CHANGE_ATTEMPTS = 5;
/** A change left `applying` by a worker that died is taken up again after this long. */
export const CLAIM_EXPIRY_MS = 5 * 60_000;
export type ChangeOutcome = "applied" | "stale" | "superseded" | "failed" | "retry";

export interface PushSummary {
  applied: number;
  stale: number;
  superseded: number;
  failed: number;
  /** Put back for the next run after a passing failure. */
  retry: number;
  /** Customers created with customerSet. */
  created: number;
  /** Consent mutations sent (successful or not). */
  writes: number;
}

type Change = Awaited<ReturnType<PrismaClient["consentChange"]["findMany"]>>[number];

interface ShopifyConsent {
  address: string | null;
  state: string | null;
  optInLevel: string | null;
  updatedAt: string | null;
  collectedFrom?: string | null;
}

/** The customer's consent on a channel as a query or a mutation answer carries it (defaultEmailAddress / defaultPhoneNumber). */
function consentOf(
  customer: {
    defaultEmailAddress?: { emailAddress?: string | null; marketingState?: string | null; marketingOptInLevel?: string | null; marketingUpdatedAt?: unknown } | null;
    defaultPhoneNumber?: {
      phoneNumber?: string | null;
      marketingState?: string | null;
      marketingOptInLevel?: string | null;
      marketingUpdatedAt?: unknown;
      marketingCollectedFrom?: string | null;
    } | null;
  },
  channel: ConsentChannel,
): ShopifyConsent | null {
  if (channel === "email") {
    const e = customer.defaultEmailAddress;
    return e ? { address: e.emailAddress ?? null, state: e.marketingState ?? null, optInLevel: e.marketingOptInLevel ?? null, updatedAt: (e.marketingUpdatedAt as string | null) ?? null } : null;
  }
  const p = customer.defaultPhoneNumber;
  return p
    ? {
        address: p.phoneNumber ?? null,
        state: p.marketingState ?? null,
        optInLevel: p.marketingOptInLevel ?? null,
        updatedAt: (p.marketingUpdatedAt as string | null) ?? null,
        collectedFrom: p.marketingCollectedFrom ?? null,
      }
    : null;
}

function observed(customerId: string, channel: ConsentChannel, consent: ShopifyConsent): ObservedConsent | null {
  const state = parseState(consent.state);
  if (!state) return null;
  return {
    customerId,
    channel,
    address: consent.address,
    state,
    optInLevel: parseOptInLevel(consent.optInLevel),
    consentAt: consent.updatedAt ? toConsentTime(consent.updatedAt) : null,
    collectedFrom: consent.collectedFrom ?? null,
  };
}

function reasonOf(errors: UserError[]): string {
  return errors.map((e) => (e.field?.length ? `${e.field.join(".")}: ${e.message}` : e.message)).join("; ");
}

class Pusher {
  readonly summary: PushSummary = { applied: 0, stale: 0, superseded: 0, failed: 0, retry: 0, created: 0, writes: 0 };
  /** Set by a passing failure: the round ends, the next run tries again. */
  stop = false;

  constructor(
    readonly db: PrismaClient,
    readonly shop: string,
    readonly client: AdminClient,
    readonly log: Logger,
    readonly signal: AbortSignal | undefined,
    readonly now: () => Date,
  ) {}

  async finish(change: Change, status: Exclude<ChangeOutcome, "retry">, fields: { reason?: string | null; customerId?: string | null; created?: boolean } = {}) {
    await this.db.consentChange.updateMany({
      where: { id: change.id, shop: this.shop, status: "applying" },
      data: { status, processedAt: this.now(), ...fields },
    });
    this.summary[status] += 1;
  }

  async putBack(change: Change, reason: string) {
    const last = change.attempts + 1 >= MAX_CHANGE_ATTEMPTS;
    await this.db.consentChange.updateMany({
      where: { id: change.id, shop: this.shop, status: "applying" },
      data: last ? { status: "failed", reason, processedAt: this.now() } : { status: "pending", reason },
    });
    if (last) this.summary.failed += 1;
    else this.summary.retry += 1;
  }

  /** Takes the change for this run; false when another run has it. */
  async claim(change: Change): Promise<boolean> {
    const now = this.now();
    const { count } = await this.db.consentChange.updateMany({
      where: {
        id: change.id,
        shop: this.shop,
        OR: [{ status: "pending" }, { status: "applying", processedAt: { lt: new Date(now.getTime() - CLAIM_EXPIRY_MS) } }],
      },
      data: { status: "applying", processedAt: now, attempts: { increment: 1 } },
    });
    return count === 1;
  }

  async apply(change: Change): Promise<void> {
    if (!(await this.claim(change))) return;
    const channel = change.channel as ConsentChannel;
    try {
      await this.applyClaimed(change, channel);
    } catch (error) {
      if (error instanceof ShopNeedsReauthError || !(error instanceof AdminApiError)) {
        await this.putBack(change, error instanceof Error ? error.message : String(error));
        throw error;
      }
      // 5xx, network, THROTTLED past the client's retries: Shopify is struggling; the next run tries again.
      this.stop = true;
      await this.putBack(change, error.message);
      this.log.warn({ changeId: change.id, err: error }, "consent write failed for now; retried by the next run");
    }
  }

  async applyClaimed(change: Change, channel: ConsentChannel): Promise<void> {
    const decidedAt = change.decidedAt;
    const record = await this.db.consentRecord.findFirst({
      where: { shop: this.shop, channel, address: change.key },
      orderBy: { changedAt: "desc" },
      select: { customerId: true, consentAt: true },
    });
    let customerId = record?.customerId ?? null;
    let created = false;
    if (record && newer(record.consentAt, decidedAt)) {
      await this.finish(change, "stale", { customerId, reason: `Shopify holds a newer decision from ${record.consentAt!.toISOString()}.` });
      return;
    }
    if (!customerId) {
      const identifier = channel === "email" ? { emailAddress: change.email! } : { phoneNumber: change.phone! };
      const found = await this.client.request(CONSENT_CUSTOMER_LOOKUP_QUERY, { variables: { identifier }, sync: CONSENT_SYNC, signal: this.signal });
      if (found.customer) {
        customerId = numericId(found.customer.id);
        const current = consentOf(found.customer, channel);
        const seen = current ? observed(customerId, channel, current) : null;
        if (seen) await observeConsent(this.db, this.shop, seen, "lookup", this.now());
        if (seen && newer(seen.consentAt, decidedAt)) {
          await this.finish(change, "stale", { customerId, reason: `Shopify holds a newer decision from ${seen.consentAt!.toISOString()}.` });
          return;
        }
      } else {
        const input = { ...(change.email ? { email: change.email } : {}), ...(change.phone ? { phone: change.phone } : {}) };
        const setIdentifier = channel === "email" ? { email: change.email! } : { phone: change.phone! };
        const made = await this.client.request(CONSENT_CUSTOMER_SET_MUTATION, {
          variables: { identifier: setIdentifier, input },
          sync: CONSENT_SYNC,
          signal: this.signal,
        });
        const errors = normaliseUserErrors(made.customerSet?.userErrors);
        if (errors.length || !made.customerSet?.customer) {
          await this.finish(change, "failed", { reason: `Could not create the customer: ${reasonOf(errors) || "Shopify returned no customer"}` });
          return;
        }
        customerId = numericId(made.customerSet.customer.id);
        created = true;
        this.summary.created += 1;
      }
    }

    const address = channel === "email" ? change.email! : change.phone!;
    await rememberWrite(this.db, this.shop, { customerId, channel, address, state: change.state, consentAt: decidedAt }, this.now());
    // Codegen types the enums as TypeScript enums; the stored strings are their values (validated at intake).
    const consent = {
      consentUpdatedAt: decidedAt.toISOString(),
      ...(change.optInLevel ? { marketingOptInLevel: change.optInLevel as CustomerMarketingOptInLevel } : {}),
    };
    const customerGid = `gid://shopify/Customer/${customerId}`;
    this.summary.writes += 1;
    let answer: { customer?: Parameters<typeof consentOf>[0] | null; userErrors: UserError[] } | null | undefined;
    if (channel === "email") {
      const data = await this.client.request(CONSENT_EMAIL_UPDATE_MUTATION, {
        variables: { input: { customerId: customerGid, emailMarketingConsent: { ...consent, marketingState: change.state as CustomerEmailMarketingState } } },
        sync: CONSENT_SYNC,
        signal: this.signal,
      });
      answer = data.customerEmailMarketingConsentUpdate as typeof answer;
    } else {
      const data = await this.client.request(CONSENT_SMS_UPDATE_MUTATION, {
        variables: { input: { customerId: customerGid, smsMarketingConsent: { ...consent, marketingState: change.state as CustomerSmsMarketingState } } },
        sync: CONSENT_SYNC,
        signal: this.signal,
      });
      answer = data.customerSmsMarketingConsentUpdate as typeof answer;
    }
    const errors = answer?.userErrors ?? [];
    if (errors.length || !answer?.customer) {
      await this.finish(change, "failed", { customerId, created, reason: reasonOf(errors) || "Shopify returned no customer" });
      return;
    }
    const now = consentOf(answer.customer, channel);
    const seen = now ? observed(customerId, channel, now) : null;
    if (seen && newer(seen.consentAt, decidedAt)) {
      // Shopify already held a newer decision and kept it: the write changed nothing. That decision is Shopify's
      // (its webhook is on the way): recorded as such, so the platform hears of it once.
      await observeConsent(this.db, this.shop, seen, "shopify", this.now());
      await this.finish(change, "stale", { customerId, created, reason: `Shopify holds a newer decision from ${seen.consentAt!.toISOString()}.` });
      return;
    }
    if (seen) await recordOwnWrite(this.db, this.shop, seen, this.now());
    await this.finish(change, "applied", { customerId, created, reason: null });
  }
}

export interface PushOptions {
  signal?: AbortSignal;
  log: Logger;
  now?: () => Date;
  /** Lanes; default from the shop's restore rate (lanesFor). */
  concurrency?: number;
}

/**
 * Applies every pending change of the shop's enabled channels, round after round, until none is left (or a passing
 * failure says wait for the next run). Safe to run twice at once: each change is claimed before it is written.
 */
export async function pushPendingChanges(db: PrismaClient, shop: string, client: AdminClient, options: PushOptions): Promise<PushSummary> {
  const now = options.now ?? (() => new Date());
  const pusher = new Pusher(db, shop, client, options.log, options.signal, now);
  const channels = await enabledChannels(db, shop);
  if (!channels.length) return pusher.summary;
  while (!pusher.stop) {
    options.signal?.throwIfAborted();
    const expired = new Date(now().getTime() - CLAIM_EXPIRY_MS);
    const batch = await db.consentChange.findMany({
      where: {
        shop,
        channel: { in: channels },
        OR: [{ status: "pending" }, { status: "applying", processedAt: { lt: expired } }],
      },
      orderBy: { receivedAt: "asc" },
      take: PUSH_ROUND,
    });
    if (!batch.length) break;
    const winners = await supersede(db, shop, batch, pusher);
    const lanes = options.concurrency ?? lanesFor(await restoreRateOf(shop));
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(lanes, winners.length) }, async () => {
        while (!pusher.stop && next < winners.length) {
          const change = winners[next++];
          await pusher.apply(change);
        }
      }),
    );
  }
  return pusher.summary;
}

/** The shop's restore rate as the last Admin API answer reported it (extensions.cost.throttleStatus), if any. */
async function restoreRateOf(shop: string): Promise<number | null> {
  const { adminThrottle } = await import("~/shopify/admin-client.server");
  return adminThrottle.reading(shop)?.restoreRate ?? null;
}

/** The newest decision of each person and channel in the round; the older pending ones end `superseded`. */
async function supersede(db: PrismaClient, shop: string, batch: Change[], pusher: Pusher): Promise<Change[]> {
  const groups = new Map<string, Change[]>();
  for (const change of batch) {
    const key = `${change.channel}|${change.key}`;
    groups.set(key, [...(groups.get(key) ?? []), change]);
  }
  const winners: Change[] = [];
  const losers: string[] = [];
  for (const group of groups.values()) {
    // Newest decision first; the same second: the one received last.
    group.sort((a, b) => b.decidedAt.getTime() - a.decidedAt.getTime() || b.receivedAt.getTime() - a.receivedAt.getTime() || (b.id < a.id ? -1 : 1));
    winners.push(group[0]);
    losers.push(...group.slice(1).map((c) => c.id));
  }
  if (losers.length) {
    const { count } = await db.consentChange.updateMany({
      where: { shop, id: { in: losers }, status: "pending" },
      data: { status: "superseded", processedAt: new Date(), reason: "A newer decision for the same person and channel was applied instead." },
    });
    pusher.summary.superseded += count;
  }
  return winners;
}

export const consentPushJob = defineJob(CONSENT_PUSH_JOB, {
  schema: z.object({}).passthrough(),
  maxAttempts: 5,
  backoff: { baseMs: 30_000, maxMs: 10 * 60_000 },
  async perform(_payload, { db, shop, logger, signal }) {
    if (!shop) throw new PermanentJobError("consent.push needs a shop");
    if (!(await enabledChannels(db, shop)).length) return;
    const pending = await db.consentChange.count({ where: { shop, status: { in: ["pending", "applying"] } } });
    if (!pending) return;
    let client: AdminClient;
    try {
      const { adminClientForShop } = await import("~/shopify/admin-client.server");
      client = await adminClientForShop(shop, { db });
    } catch (error) {
      if (error instanceof ShopNeedsReauthError) throw new PermanentJobError(error.message, { cause: error });
      throw error;
    }
    try {
      const summary = await pushPendingChanges(db, shop, client, { signal, log: logger });
      logger.info({ ...summary }, "consent changes pushed to Shopify");
    } catch (error) {
      if (error instanceof ShopNeedsReauthError) throw new PermanentJobError(error.message, { cause: error });
      throw error;
    }
  },
});
