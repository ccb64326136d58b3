import { z } from "zod";

import { recordActivity } from "~/activity/activity.server";
import { defineJob, PermanentJobError } from "~/jobs/define.server";
import { giveWayToRequests } from "~/jobs/foreground.server";
import { parseShopifyJson } from "./json";
import { findWebhookHandler, WEBHOOK_JOB } from "./handlers.server";

/**
 * Runs the handler of one accepted delivery. Retries come from the job runner; a delivery already processed (a
 * retry after the handler committed but before the job was marked done) is not processed twice.
 *
 * While webhooks are arriving, it gives way to them between its steps (read, handle, record): on SQLite the queries
 * of a step run without handing the event loop back, and a delivery's answer should not wait for a whole job.
 */
export const processWebhookJob = defineJob(WEBHOOK_JOB, {
  schema: z.object({ deliveryId: z.string() }),
  async perform({ deliveryId }, { db, shop, job, logger }) {
    if (!shop) throw new PermanentJobError("webhook job without a shop");
    const delivery = await db.webhookDelivery.findFirst({ where: { id: deliveryId, shop } });
    // shop/redact may have deleted it in the meantime: nothing left to do.
    if (!delivery || delivery.status === "processed") return;

    const handler = findWebhookHandler(delivery.topic);
    if (!handler) throw new PermanentJobError(`no handler for topic ${delivery.topic}`);
    const parsed = handler.schema.safeParse(parseShopifyJson(delivery.payload));
    if (!parsed.success) throw new PermanentJobError(`payload no longer matches ${delivery.topic}: ${parsed.error.message}`);

    const log = logger.child({ topic: delivery.topic, webhookId: delivery.webhookId });
    const started = performance.now();
    await giveWayToRequests();
    try {
      await handler.handle({ db, shop, payload: parsed.data, delivery, jobId: job.id, log });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await db.webhookDelivery.updateMany({ where: { id: deliveryId, shop }, data: { status: "failed", error: message } });
      // Filed under the topic's sync, so a handler that keeps failing raises that sync's health banner.
      await recordActivity(db, {
        shop,
        direction: "in",
        kind: "webhook",
        sync: handler.sync ?? null,
        name: delivery.topic,
        status: "failed",
        reference: delivery.webhookId,
        durationMs: performance.now() - started,
        detail: { error: message, attempt: job.attempts },
      });
      throw error;
    }
    await giveWayToRequests();
    const processedAt = new Date();
    // updateMany: shop/redact deletes this very row, which is then simply gone, and so must be every trace of it.
    const { count } = await db.webhookDelivery.updateMany({
      where: { id: deliveryId, shop },
      data: { status: "processed", processedAt, error: null },
    });
    if (count === 0) return;
    // The intake leaves the activity entry to this job, off the hot path; it knows the processing time too.
    await recordActivity(db, {
      shop,
      direction: "in",
      kind: "webhook",
      sync: handler.sync ?? null,
      name: delivery.topic,
      status: "processed",
      reference: delivery.webhookId,
      durationMs: performance.now() - started,
      detail: { waitedMs: processedAt.getTime() - delivery.receivedAt.getTime(), attempt: job.attempts },
    });
  },
});
