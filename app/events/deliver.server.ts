import { z } from "zod";

import { recordActivity } from "~/activity/activity.server";
import type { Db, PrismaClient } from "~/db.server";
import { enqueue } from "~/jobs/queue.server";
import { logger as rootLogger, type Logger } from "~/logger.server";

import { checkDestinationUrl, destinationPolicy, type DestinationPolicy } from "./destination.server";
import { postEvent, type PostResult } from "./http.server";
import { RETRY_WINDOW_MS, decideOutcome, type AttemptOutcome } from "./schedule";
import { SecretUnreadableError, decryptSecret } from "./secrets.server";
import { webhookHeaders } from "./signing.server";
import { syncOfEventType } from "./types";

/**
 * Delivery of outbound events: one `events.deliver` job per attempt.
 *
 * The event row is the state; a job only says "make attempt n of event e now, and keep retrying until deadline".
 * An attempt is recorded with `updateMany ... WHERE attempts = n − 1`, and in the same transaction the next
 * attempt's job (if any) and the activity entry are written. So:
 * - a job that finds `attempts ≥ n` is stale (a replay or a duplicate job already made attempt n) and does nothing;
 * - two jobs racing on the same attempt may both POST (the receiver dedupes on webhook-id, as the spec asks),
 *   but only one records it and schedules the next, so retries never fork;
 * - a worker dying mid-POST leaves the row untouched; the job runs again (lease expiry) and repeats the attempt.
 * HTTP failures are not job failures: the job finishes and the next attempt is its own job, so the job runner's
 * retry (and its `job retry` activity entries) is left for real faults such as the database being unreachable.
 *
 * Without a destination URL or signing secret an event waits: status pending, nextAttemptAt null, no job. Saving
 * the URL or generating the secret calls `resumeWaitingEvents`. Both sides write, then read what the other wrote
 * (Dekker-style), so an event cannot slip between "the job saw no destination" and "the settings saw no waiting
 * event".
 */

export const DELIVERY_JOB = "events.deliver";

export const deliveryPayload = z.object({
  eventId: z.string().min(1),
  /** Which attempt this job makes, counting every attempt the event ever had (1 = the first). */
  attempt: z.number().int().positive(),
  /** When this delivery run stops retrying (ISO). */
  deadline: z.string().datetime(),
});

export type DeliveryPayload = z.infer<typeof deliveryPayload>;

export async function enqueueDelivery(
  db: Db,
  event: { id: string; shop: string },
  attempt: number,
  deadline: Date,
  runAt?: Date,
): Promise<void> {
  await enqueue(db, {
    type: DELIVERY_JOB,
    shop: event.shop,
    payload: { eventId: event.id, attempt, deadline: deadline.toISOString() } satisfies DeliveryPayload,
    runAt,
    // Database faults only (see above); the runner's backoff covers them within a few minutes.
    maxAttempts: 5,
  });
}

export type AttemptReport =
  | { outcome: "missing" | "stale" | "lost-race" }
  | { outcome: "waiting"; reason: string }
  | { outcome: AttemptOutcome["status"]; httpStatus?: number; error?: string };

export interface AttemptOptions {
  logger?: Logger;
  signal?: AbortSignal;
  now?: () => Date;
  policy?: DestinationPolicy;
  random?: () => number;
  timeoutMs?: number;
}

type Ready = { ready: true; url: URL; secret: string } | { ready: false; reason: string };

async function readConnection(db: Db, shop: string, policy: DestinationPolicy): Promise<Ready> {
  const connection = await db.platformConnection.findUnique({ where: { shop } });
  if (!connection?.destinationUrl) return { ready: false, reason: "no destination URL is set" };
  if (!connection.signingSecret) return { ready: false, reason: "no signing secret has been generated" };
  const check = checkDestinationUrl(connection.destinationUrl, policy);
  if (!check.ok) return { ready: false, reason: `the destination URL is not allowed: ${check.reason}` };
  try {
    const secret = decryptSecret(connection.signingSecret, { shop, purpose: "signing-secret" });
    return { ready: true, url: check.url, secret };
  } catch (error) {
    if (error instanceof SecretUnreadableError) {
      return { ready: false, reason: `the signing secret cannot be read (${error.message}); rotate it in Settings` };
    }
    throw error;
  }
}

/** Makes one attempt to deliver an event; what the `events.deliver` job runs. */
export async function attemptDelivery(
  db: PrismaClient,
  payload: DeliveryPayload,
  options: AttemptOptions = {},
): Promise<AttemptReport> {
  const now = options.now ?? (() => new Date());
  const policy = options.policy ?? destinationPolicy();
  const { eventId, attempt } = payload;
  const deadline = new Date(payload.deadline);
  const log = (options.logger ?? rootLogger).child({ eventId, attempt });

  const event = await db.outboundEvent.findUnique({ where: { id: eventId } });
  if (!event) {
    log.info("event gone (shop redacted?); nothing to deliver");
    return { outcome: "missing" };
  }
  if (event.attempts >= attempt) return { outcome: "stale" };

  const connection = await readConnection(db, event.shop, policy);
  if (!connection.ready) {
    await db.outboundEvent.updateMany({
      where: { id: eventId, attempts: attempt - 1, status: "pending" },
      data: { nextAttemptAt: null, lastError: `Waiting: ${connection.reason}` },
    });
    // The settings may have been saved between our read and our write; read again now that our write is visible.
    if ((await readConnection(db, event.shop, policy)).ready) {
      await enqueueDelivery(db, event, attempt, new Date(now().getTime() + RETRY_WINDOW_MS));
    }
    log.info({ reason: connection.reason }, "event waits for the platform connection");
    return { outcome: "waiting", reason: connection.reason };
  }

  const sentAt = now();
  const headers = webhookHeaders(connection.secret, event.id, sentAt, event.payload);
  const started = performance.now();
  const result: PostResult = await postEvent(connection.url, event.payload, { ...headers }, {
    policy,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
  const durationMs = performance.now() - started;
  const finishedAt = now();
  const outcome = decideOutcome({ result, attempt, now: finishedAt, deadline, random: options.random });
  const httpStatus = result.kind === "response" ? result.status : undefined;
  const error =
    result.kind === "error" ? result.error : outcome.status === "delivered" ? undefined : `HTTP ${result.status}`;

  const recorded = await db.$transaction(async (tx) => {
    const { count } = await tx.outboundEvent.updateMany({
      where: { id: eventId, attempts: attempt - 1 },
      data: {
        attempts: attempt,
        status: outcome.status === "retrying" ? "pending" : outcome.status,
        lastStatus: httpStatus ?? null,
        lastError: outcome.status === "failed" ? `${error}; ${outcome.reason}` : (error ?? null),
        nextAttemptAt: outcome.status === "retrying" ? outcome.nextAttemptAt : null,
        ...(outcome.status === "delivered" ? { deliveredAt: finishedAt } : {}),
      },
    });
    if (count === 0) return false;
    if (outcome.status === "retrying") {
      await enqueueDelivery(tx, event, attempt + 1, deadline, outcome.nextAttemptAt);
    }
    await recordActivity(tx, {
      shop: event.shop,
      direction: "out",
      kind: "platform",
      name: event.type,
      sync: syncOfEventType(event.type),
      status: outcome.status,
      durationMs,
      reference: event.id,
      detail: {
        host: connection.url.host,
        httpStatus: httpStatus ?? null,
        attempt,
        ...(error ? { error } : {}),
        ...(outcome.status === "retrying" ? { nextAttemptAt: outcome.nextAttemptAt.toISOString() } : {}),
        ...(outcome.status === "failed" ? { reason: outcome.reason } : {}),
      },
    });
    return true;
  });
  if (!recorded) {
    log.info("another job recorded this attempt first");
    return { outcome: "lost-race" };
  }
  const summary = { host: connection.url.host, httpStatus, durationMs: Math.round(durationMs), error };
  if (outcome.status === "delivered") log.info(summary, "event delivered");
  else log.warn({ ...summary, outcome }, "event delivery failed");
  return { outcome: outcome.status, httpStatus, error };
}

/**
 * Starts delivery of every event of the shop that waits for the platform connection. Called after the settings
 * change; a no-op while the connection is still incomplete (the jobs would only put the events back to waiting).
 */
export async function resumeWaitingEvents(
  db: PrismaClient,
  shop: string,
  options: { now?: Date; policy?: DestinationPolicy } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  if (!(await readConnection(db, shop, options.policy ?? destinationPolicy())).ready) return 0;
  const deadline = new Date(now.getTime() + RETRY_WINDOW_MS);
  let resumed = 0;
  for (;;) {
    const batch = await db.$transaction(async (tx) => {
      const waiting = await tx.outboundEvent.findMany({
        where: { shop, status: "pending", nextAttemptAt: null },
        orderBy: { id: "asc" },
        take: 200,
        select: { id: true, shop: true, attempts: true },
      });
      for (const event of waiting) {
        await tx.outboundEvent.update({ where: { id: event.id }, data: { nextAttemptAt: now, lastError: null } });
        await enqueueDelivery(tx, event, event.attempts + 1, deadline);
      }
      return waiting.length;
    });
    resumed += batch;
    if (batch < 200) return resumed;
  }
}

export class EventNotFoundError extends Error {
  constructor(id: string) {
    super(`No event ${id} for this shop`);
    this.name = "EventNotFoundError";
  }
}

/**
 * Sends an event again: same webhook-id and body, a fresh timestamp and signature, and a new 24-hour retry window.
 * Works for delivered, failed and pending events alike (a pending one is tried now instead of at its next slot;
 * its scheduled job then finds the attempt made and does nothing). Another shop's id is not found.
 */
export async function replayEvent(
  db: PrismaClient,
  shop: string,
  eventId: string,
  now: Date = new Date(),
): Promise<{ id: string; type: string; waiting: boolean }> {
  const event = await db.outboundEvent.findFirst({ where: { id: eventId, shop } });
  if (!event) throw new EventNotFoundError(eventId);
  await db.$transaction(async (tx) => {
    await tx.outboundEvent.update({
      where: { id: event.id },
      data: { status: "pending", nextAttemptAt: now, lastError: null },
    });
    await enqueueDelivery(tx, event, event.attempts + 1, new Date(now.getTime() + RETRY_WINDOW_MS));
  });
  const waiting = !(await readConnection(db, shop, destinationPolicy())).ready;
  return { id: event.id, type: event.type, waiting };
}
