import { performance } from "node:perf_hooks";

/**
 * Whether this process is serving requests that must be answered fast, so that a job worker sharing the process
 * gives way to them (worker.server.ts, `maxEventLoopUtilization`). The webhook intake marks its requests: a burst
 * of thousands has to be answered within Shopify's deadline, and the queue can catch up afterwards.
 *
 * This tracks requests, not how busy the event loop is: a worker on SQLite keeps the loop busy with its own
 * queries, so a utilisation threshold also held the worker back when it was the only thing running.
 */

/** A request arriving less than this long after the previous one ended counts as the same burst. */
export const QUIET_AFTER_MS = 250;

let inFlight = 0;
let lastSeenAt = Number.NEGATIVE_INFINITY;

/** Runs `work` as a request the worker must give way to. */
export async function servingRequest<T>(work: () => Promise<T>): Promise<T> {
  inFlight++;
  lastSeenAt = performance.now();
  try {
    return await work();
  } finally {
    inFlight--;
    lastSeenAt = performance.now();
  }
}

/** True while a marked request is in progress, or ended less than QUIET_AFTER_MS ago. */
export function requestsActive(now = performance.now()): boolean {
  return inFlight > 0 || now - lastSeenAt < QUIET_AFTER_MS;
}

/**
 * Lets requests that are waiting run before the caller goes on: one turn of the event loop (a setImmediate callback
 * runs after the pending I/O callbacks), taken when `active()` says so (default: while requests are being served;
 * the in-process worker takes it always, see worker.server.ts). On SQLite every query runs
 * synchronously on the event loop and Prisma carries a whole sequence of them through without handing the loop
 * back, so a job that never gave way would hold up a request that arrived meanwhile for all of its queries.
 */
export function giveWayToRequests(active: () => boolean = requestsActive): Promise<void> {
  if (!active()) return Promise.resolve();
  return new Promise((resolve) => setImmediate(resolve));
}
