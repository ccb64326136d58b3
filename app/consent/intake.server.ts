/**
 * POST /api/v1/consent: a batch of consent decisions from the platform, validated item by item and stored as
 * ConsentChange rows (in one transaction, before the answer) for the consent.push job. Items that fail validation
 * are reported with their index and reasons; they never stop the valid ones.
 */
import { randomUUID } from "node:crypto";

import { z } from "zod";

import type { PrismaClient } from "~/db.server";
import { enqueue } from "~/jobs/queue.server";

import {
  channelKey,
  looksLikeEmail,
  looksLikePhone,
  parseOptInLevel,
  parseState,
  toConsentTime,
  WRITABLE_STATES,
  type ConsentChannel,
} from "./model";
import { enabledChannels } from "./records.server";

export const MAX_BATCH = 1_000;
/** Shopify refuses a consentUpdatedAt in the future; a little clock skew between the platform and us is allowed. */
export const FUTURE_TOLERANCE_MS = 60_000;
/** The job that applies stored changes to Shopify (push.server.ts). */
export const CONSENT_PUSH_JOB = "consent.push";

const item = z
  .object({
    email: z.string().max(320).nullish(),
    phone: z.string().max(40).nullish(),
    channel: z.enum(["email", "sms"], { message: "channel must be email or sms" }),
    state: z.string({ required_error: "state is required" }),
    optInLevel: z.string().nullish(),
    decidedAt: z.string({ required_error: "decidedAt is required (ISO 8601, when the person decided)" }),
  })
  .strict();

export const batchSchema = z.object({ changes: z.array(z.unknown()).min(1, "changes is empty") }).strict();

export interface ItemError {
  field: string;
  message: string;
}

export type ItemResult = { index: number; status: "queued"; id: string } | { index: number; status: "rejected"; errors: ItemError[] };

export interface IntakeResult {
  accepted: number;
  rejected: number;
  results: ItemResult[];
}

export class BatchError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413,
  ) {
    super(message);
    this.name = "BatchError";
  }
}

interface ValidChange {
  channel: ConsentChannel;
  key: string;
  email: string | null;
  phone: string | null;
  state: string;
  optInLevel: string | null;
  decidedAt: Date;
}

/** One item → a change, or the reasons it cannot be one. Exported for tests. */
export function validateItem(raw: unknown, on: readonly ConsentChannel[], now: Date): ValidChange | ItemError[] {
  const parsed = item.safeParse(raw);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => ({ field: i.path.join(".") || "item", message: i.message }));
  }
  const value = parsed.data;
  const errors: ItemError[] = [];
  const email = value.email?.trim() || null;
  const phone = value.phone?.trim() || null;
  if (email && !looksLikeEmail(email)) errors.push({ field: "email", message: "email is not an email address" });
  if (phone && !looksLikePhone(phone)) errors.push({ field: "phone", message: "phone is not a phone number" });
  if (value.channel === "email" && !email) errors.push({ field: "email", message: "email consent needs an email" });
  if (value.channel === "sms" && !phone) errors.push({ field: "phone", message: "SMS consent needs a phone number" });
  const state = parseState(value.state);
  if (!state || !(WRITABLE_STATES as readonly string[]).includes(state)) {
    errors.push({ field: "state", message: "state must be subscribed, unsubscribed or pending" });
  }
  const level = value.optInLevel ? parseOptInLevel(value.optInLevel) : null;
  if (value.optInLevel && !level) {
    errors.push({ field: "optInLevel", message: "optInLevel must be single_opt_in, confirmed_opt_in or unknown" });
  }
  const ms = /\d{4}-\d{2}-\d{2}T/.test(value.decidedAt) ? Date.parse(value.decidedAt) : Number.NaN;
  if (Number.isNaN(ms)) errors.push({ field: "decidedAt", message: "decidedAt must be an ISO 8601 time with a time zone" });
  else if (ms > now.getTime() + FUTURE_TOLERANCE_MS) errors.push({ field: "decidedAt", message: "decidedAt is in the future" });
  if (!on.includes(value.channel)) {
    errors.push({
      field: "channel",
      message: `${value.channel === "email" ? "Email" : "SMS"} consent sync is turned off for this shop`,
    });
  }
  if (errors.length) return errors;
  const address = value.channel === "email" ? email! : phone!;
  return {
    channel: value.channel,
    key: channelKey(value.channel, address),
    email,
    phone,
    state: state!,
    optInLevel: level,
    decidedAt: toConsentTime(ms),
  };
}

/** Validates and stores a batch; the valid changes are durable when this returns. */
export async function acceptBatch(db: PrismaClient, shop: string, body: unknown, now = new Date()): Promise<IntakeResult> {
  const batch = batchSchema.safeParse(body);
  if (!batch.success) {
    throw new BatchError(`Send {"changes": [...]}: ${batch.error.issues.map((i) => i.message).join("; ")}`, 400);
  }
  if (batch.data.changes.length > MAX_BATCH) {
    throw new BatchError(`At most ${MAX_BATCH} changes per request; this one has ${batch.data.changes.length}.`, 413);
  }
  const on = await enabledChannels(db, shop);
  const results: ItemResult[] = [];
  const valid: { index: number; change: ValidChange }[] = [];
  batch.data.changes.forEach((raw, index) => {
    const outcome = validateItem(raw, on, now);
    if (Array.isArray(outcome)) results.push({ index, status: "rejected", errors: outcome });
    else valid.push({ index, change: outcome });
  });
  if (valid.length) {
    // Ids chosen here so the answer can name each stored change; one createMany, one round trip.
    const rows = valid.map(({ index, change }) => ({ index, id: randomUUID(), change }));
    await db.$transaction(async (tx) => {
      await tx.consentChange.createMany({
        data: rows.map(({ id, change }) => ({ id, shop, ...change, status: "pending", receivedAt: now })),
      });
      // Applied within seconds rather than at the next minute's run; at most one extra run per 10 s per shop.
      await enqueue(tx, { type: CONSENT_PUSH_JOB, shop, payload: {}, dedupeKey: `${CONSENT_PUSH_JOB}:${shop}:${Math.floor(now.getTime() / 10_000)}` });
    });
    for (const { index, id } of rows) results.push({ index, status: "queued", id });
  }
  results.sort((a, b) => a.index - b.index);
  return { accepted: valid.length, rejected: results.length - valid.length, results };
}
