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
 * Requests come first in this process: above WORKER_MAX_EVENT_LOOP_UTILIZATION the worker holds back. Lower keeps
 * webhook answers fast under a burst; higher lets processing keep up with steadier load. Measured with
 * bench/webhooks.ts (200 webhooks/s on one core, SQLite): at 0.35 p99 stays near 25 ms while the queue absorbs the
 * work; at 0.5 the worker and the intake take turns and p99 reaches ~220 ms. Processing catches up once the burst
 * is over; a shop with steady heavy traffic should run `npm run worker` processes (RUN_WORKER_IN_PROCESS=false).
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
