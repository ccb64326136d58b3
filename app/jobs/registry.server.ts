/**
 * Every job type the app runs, and the one way to start a worker that knows them. Both the in-process worker
 * (app/jobs/in-process.server.ts) and `npm run worker` (scripts/worker.ts) come through here, so they run the same
 * handlers. A module that defines jobs only has to be imported here: defineJob() registers as it loads.
 */
import { JOB_RETENTION } from "./system.server";
import "~/webhooks/process.server"; // webhook.process: every accepted webhook delivery
import "~/syncs/health.server"; // syncs.subscriptions.health: webhook subscriptions compared with Shopify and repaired
import "~/events/jobs.server"; // events.deliver: outbound events to the platform, one attempt per job
import "~/purchases/forward.server"; // purchases.forward: a purchase forwarded when its upsell window closes
import "~/purchases/reconcile.server"; // purchases.reconcile: browser/server reports still missing a side after the grace period
import "~/purchases/pixel-install.server"; // purchases.pixel.sync: the web pixel created/deleted with the purchase switch
import "~/bulk/runner.server"; // bulk.run: every bulk-operation run (app/bulk), whatever its kind
import "~/purchases/catchup.server"; // purchases.catchup: hourly re-read of recent orders a lost webhook missed
import "~/purchases/backfill.server"; // bulk kind purchases.backfill: "Import past orders"
import "~/catalog/export.server"; // catalog.export (every 4 h, on switch-on, "Export now") and bulk kind catalog.export
import "~/catalog/deltas.server"; // catalog.refresh: a product, collection or stock re-read after its webhook
import "~/consent/push.server"; // consent.push: platform consent changes applied to Shopify (every minute, and on arrival)
import "~/consent/import.server"; // bulk kind consent.import: "Import existing customers"
import { ACTIVITY_RETENTION } from "~/activity/retention.server"; // activity.retention: the 7-day activity log

import { prisma } from "~/db.server";
import { recordActivity } from "~/activity/activity.server";

import { ensureSchedule, type ScheduleOptions } from "./queue.server";
import { onJobEvent, startWorker, workerOptionsFromEnv, type Worker, type WorkerOptions } from "./worker.server";

/** Recurring system work, ensured at every worker start (idempotent). */
export const systemSchedules: ScheduleOptions[] = [
  { name: JOB_RETENTION, type: JOB_RETENTION, payload: { doneOlderThanDays: 7 }, intervalSeconds: 6 * 3600 },
  { name: ACTIVITY_RETENTION, type: ACTIVITY_RETENTION, payload: { keepDays: 7 }, intervalSeconds: 3600 },
];

/**
 * Failures reach the shop's activity log; system jobs (no shop) have no merchant to show them to and stay in the
 * structured logs, where the worker already wrote them.
 */
onJobEvent(async (event) => {
  if (event.type === "done" || !event.job.shop) return;
  await recordActivity(event.db, {
    shop: event.job.shop,
    direction: "internal",
    kind: "job",
    name: event.job.type,
    status: event.type, // "retry" | "dead"
    durationMs: event.durationMs,
    reference: event.job.id,
    detail: {
      attempt: event.job.attempts,
      maxAttempts: event.job.maxAttempts,
      error: event.error,
      ...(event.type === "retry" ? { nextRunAt: event.nextRunAt.toISOString() } : {}),
    },
  });
});

export async function startJobRunner(overrides: Partial<WorkerOptions> = {}): Promise<Worker> {
  const db = overrides.db ?? prisma;
  for (const schedule of systemSchedules) await ensureSchedule(db, schedule);
  const fromEnv = Object.fromEntries(Object.entries(workerOptionsFromEnv()).filter(([, v]) => v !== undefined));
  return startWorker({ ...fromEnv, ...overrides, db });
}
