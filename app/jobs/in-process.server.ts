import { env } from "~/env.server";
import { logger } from "~/logger.server";

import { startJobRunner } from "./registry.server";
import type { Worker } from "./worker.server";

// Vite's dev server re-evaluates entry.server on every edit; one worker per process is enough.
const globalForWorker = globalThis as typeof globalThis & { __synclineWorker?: Promise<Worker | undefined> };

/**
 * Starts the job worker inside the app process unless RUN_WORKER_IN_PROCESS=false. Called without awaiting from
 * entry.server: a failure to start is logged, not thrown, so it cannot become an unhandled rejection. No signal
 * handling here: if the process dies mid-job, the lease expires and the next worker (this app restarted, or
 * `npm run worker`) runs the job again.
 *
 * Webhook requests come first in this process: while they arrive (foreground.server.ts) the worker runs one job
 * at a time and keeps to WORKER_MAX_EVENT_LOOP_UTILIZATION of the time; between bursts it runs at full
 * concurrency. Measured with bench/purchases.ts and bench/webhooks.ts (see bench/README.md). A shop with steady
 * heavy traffic should run `npm run worker` processes (RUN_WORKER_IN_PROCESS=false) so processing keeps up.
 */
export function startInProcessWorker(): void {
  if (!env().RUN_WORKER_IN_PROCESS || globalForWorker.__synclineWorker) return;
  const maxEventLoopUtilization = env().WORKER_MAX_EVENT_LOOP_UTILIZATION;
  globalForWorker.__synclineWorker = startJobRunner({ maxEventLoopUtilization }).catch((error: unknown) => {
    logger.error({ err: error }, "the in-process job worker did not start");
    globalForWorker.__synclineWorker = undefined;
    return undefined;
  });
}
