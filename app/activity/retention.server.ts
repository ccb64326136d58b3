import { z } from "zod";

import type { PrismaClient } from "~/db.server";
import { defineJob } from "~/jobs/define.server";
import { enqueue } from "~/jobs/queue.server";

export const ACTIVITY_RETENTION = "activity.retention";

/** Rows deleted per statement: bounded so one run never holds a long write lock (SQLite) or a huge transaction. */
export const RETENTION_BATCH = 5_000;

/**
 * The activity log and what it points at are kept 7 days: webhook bodies (they hold customer data; a delivery still
 * waiting for processing is kept whatever its age) and platform events that were delivered or given up on (replay
 * works from the log, so an event outlives its entries by nothing; events still waiting for a connection stay). A run deletes at most a few batches and queues its own
 * continuation, so a backlog after downtime drains without one long job.
 */
export async function deleteExpiredActivity(db: PrismaClient, olderThan: Date, maxBatches = 4, batchSize = RETENTION_BATCH) {
  let activity = 0;
  let deliveries = 0;
  let events = 0;
  let more = false;
  for (let batch = 0; batch < maxBatches; batch++) {
    const logIds = await db.activityLog.findMany({ where: { createdAt: { lt: olderThan } }, select: { id: true }, take: batchSize });
    if (logIds.length) activity += (await db.activityLog.deleteMany({ where: { id: { in: logIds.map((r) => r.id) } } })).count;
    const deliveryIds = await db.webhookDelivery.findMany({
      where: { receivedAt: { lt: olderThan }, status: { in: ["processed", "failed"] } },
      select: { id: true },
      take: batchSize,
    });
    if (deliveryIds.length) {
      deliveries += (await db.webhookDelivery.deleteMany({ where: { id: { in: deliveryIds.map((r) => r.id) } } })).count;
    }
    const eventIds = await db.outboundEvent.findMany({
      where: { createdAt: { lt: olderThan }, status: { in: ["delivered", "failed"] } },
      select: { id: true },
      take: batchSize,
    });
    if (eventIds.length) events += (await db.outboundEvent.deleteMany({ where: { id: { in: eventIds.map((r) => r.id) } } })).count;
    more = [logIds, deliveryIds, eventIds].some((ids) => ids.length === batchSize);
    if (!more) break;
  }
  return { activity, deliveries, events, more };
}

export const activityRetention = defineJob(ACTIVITY_RETENTION, {
  schema: z.object({
    keepDays: z.number().int().positive().default(7),
    // Smaller batches only for tests that drive the continuation with a handful of rows.
    batchSize: z.number().int().positive().max(RETENTION_BATCH).default(RETENTION_BATCH),
  }),
  maxAttempts: 3,
  async perform({ keepDays, batchSize }, { db, job, logger }) {
    const result = await deleteExpiredActivity(db, new Date(Date.now() - keepDays * 86_400_000), 4, batchSize);
    logger.info({ ...result, keepDays }, "expired activity deleted");
    // Keyed on this job: if this run is retried after queueing its continuation, there is still only one.
    if (result.more) {
      await enqueue(db, { type: ACTIVITY_RETENTION, payload: { keepDays, batchSize }, dedupeKey: `${ACTIVITY_RETENTION}:after:${job.id}` });
    }
  },
});
