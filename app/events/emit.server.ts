import type { Db, PrismaClient, Tx } from "~/db.server";

import { enqueueDelivery } from "./deliver.server";
import { newEventId } from "./ids.server";
import { RETRY_WINDOW_MS } from "./schedule";
import type { EventType } from "./types";

export interface EmitOptions {
  shop: string;
  type: EventType;
  /** The event's `data`. Shopify ids as strings (never JS numbers); a bigint is written as a string. */
  data: Record<string, unknown>;
  /**
   * Makes the emit idempotent: the same (shop, type, dedupeKey) yields one event however often it is emitted, e.g.
   * the order id for purchase.registered. Scoped to the shop and type here, so producers need not prefix it.
   */
  dedupeKey?: string;
  /** The event's timestamp (when it happened); defaults to now. */
  occurredAt?: Date;
}

export interface EmittedEvent {
  id: string;
  /** False when the dedupeKey matched an existing event: nothing new was stored or queued. */
  created: boolean;
}

/** Standard Webhooks' recommended body: `{ type, timestamp, data }`, minified, exactly what is signed and sent. */
export function eventBody(type: string, occurredAt: Date, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: occurredAt.toISOString(), data }, (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  );
}

/**
 * Stores an event for the platform and queues its first delivery attempt, atomically. Pass the transaction
 * client to emit together with the producer's own writes (the purchase row and its event commit or roll back
 * together); given the plain client it opens its own transaction.
 *
 * The dedupe is an upsert on the unique dedupeKey with a no-op update, which Prisma runs as one
 * INSERT ... ON CONFLICT on both databases (the pattern enqueue() uses, docs/decisions/003-job-runner.md): a
 * duplicate never raises, so it cannot abort the caller's PostgreSQL transaction.
 */
export async function emitEvent(db: Db, options: EmitOptions): Promise<EmittedEvent> {
  if ("$transaction" in db) {
    return (db as PrismaClient).$transaction((tx) => emitInTransaction(tx, options));
  }
  return emitInTransaction(db, options);
}

async function emitInTransaction(tx: Tx, options: EmitOptions): Promise<EmittedEvent> {
  const now = new Date();
  const occurredAt = options.occurredAt ?? now;
  const id = newEventId(now);
  const data = {
    id,
    shop: options.shop,
    type: options.type,
    payload: eventBody(options.type, occurredAt, options.data),
    status: "pending",
    nextAttemptAt: now,
  };
  const deadline = new Date(now.getTime() + RETRY_WINDOW_MS);
  if (options.dedupeKey === undefined) {
    await tx.outboundEvent.create({ data });
    await enqueueDelivery(tx, { id, shop: options.shop }, 1, deadline);
    return { id, created: true };
  }
  const dedupeKey = `${options.shop}|${options.type}|${options.dedupeKey}`;
  const event = await tx.outboundEvent.upsert({
    where: { dedupeKey },
    create: { ...data, dedupeKey },
    update: { dedupeKey },
    select: { id: true },
  });
  if (event.id !== id) return { id: event.id, created: false };
  await enqueueDelivery(tx, { id, shop: options.shop }, 1, deadline);
  return { id, created: true };
}
