import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";

import { z } from "zod";

import type { PrismaClient } from "~/db.server";
import type { Job } from "~/generated/sqlite/client";
import { DEFAULT_BACKOFF, PermanentJobError, getJobDefinition, registeredJobTypes, type Backoff } from "./define.server";
import { giveWayToRequests, requestsActive } from "./foreground.server";
import { claimJobs, extendLease, markDead, markDone, markRetry, tickSchedules } from "./queue.server";
import { logger as rootLogger, type Logger } from "~/logger.server";

export interface WorkerOptions {
  db: PrismaClient;
  /** Jobs run at once by this worker. */
  concurrency?: number;
  /** How often an idle worker looks for due jobs and schedules. */
  pollIntervalMs?: number;
  /** How long a claimed job stays ours without a heartbeat; heartbeats renew it every third of that. */
  leaseMs?: number;
  workerId?: string;
  logger?: Logger;
  /** Tests move time forward with this; every timestamp the runner writes comes from it. */
  clock?: () => Date;
  /**
   * For a worker sharing its process with the web server: the largest share (0–1) of the time it may take while
   * requests are being served (`requestsActive`), and only out of what the requests leave. It then runs one job at
   * a time with a rest after each (see requestGate); when no request has come for a moment it runs at full
   * concurrency again. Unset or 1: no limit (a worker process of its own).
   */
  maxEventLoopUtilization?: number;
  /** Whether requests are being served right now; default: the webhook intake's tracker (foreground.server.ts). */
  requestsActive?: () => boolean;
}

export interface Worker {
  id: string;
  /** Stops claiming, then waits for the jobs already running to finish. */
  stop(): Promise<void>;
}

export type JobEvent =
  | { type: "done"; job: Job; durationMs: number; db: PrismaClient }
  | { type: "retry"; job: Job; durationMs: number; error: string; nextRunAt: Date; db: PrismaClient }
  | { type: "dead"; job: Job; durationMs: number; error: string; db: PrismaClient };

type JobEventListener = (event: JobEvent) => void | Promise<void>;

const listeners = new Set<JobEventListener>();

/**
 * Subscribe to job outcomes (registry.server.ts records failures in the activity log this way). Listeners run
 * after the outcome is stored; one that throws is logged and does not affect the job. Returns an unsubscribe.
 */
export function onJobEvent(listener: JobEventListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const WORKER_DEFAULTS = { concurrency: 4, pollIntervalMs: 1000, leaseMs: 60_000 } as const;

/** WORKER_CONCURRENCY, WORKER_POLL_INTERVAL_MS, WORKER_LEASE_MS, WORKER_ID; all optional. */
export function workerOptionsFromEnv(source: Record<string, string | undefined> = process.env) {
  const positive = z.coerce.number().int().positive().optional();
  const parsed = z
    .object({
      WORKER_CONCURRENCY: positive,
      WORKER_POLL_INTERVAL_MS: positive,
      WORKER_LEASE_MS: positive,
      WORKER_ID: z.string().min(1).optional(),
    })
    .parse(source);
  return {
    concurrency: parsed.WORKER_CONCURRENCY,
    pollIntervalMs: parsed.WORKER_POLL_INTERVAL_MS,
    leaseMs: parsed.WORKER_LEASE_MS,
    workerId: parsed.WORKER_ID,
  };
}

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/** The delay before retry number `attempt` (1 = the first retry): base·2^(attempt−1), capped, then jittered
 * into its upper half so that jobs which failed together (a Shopify outage) do not all come back together. */
export function retryDelayMs(attempt: number, backoff: Backoff = DEFAULT_BACKOFF, random = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

interface RunSettings {
  db: PrismaClient;
  workerId: string;
  leaseMs: number;
  logger: Logger;
  clock: () => Date;
  /** Between a job's steps: let waiting requests run first (a no-op unless the worker is giving way to them). */
  giveWay?: () => Promise<void>;
}

function settingsFrom(options: WorkerOptions): RunSettings & { concurrency: number; pollIntervalMs: number } {
  return {
    db: options.db,
    workerId: options.workerId ?? newWorkerId(),
    concurrency: options.concurrency ?? WORKER_DEFAULTS.concurrency,
    pollIntervalMs: options.pollIntervalMs ?? WORKER_DEFAULTS.pollIntervalMs,
    leaseMs: options.leaseMs ?? WORKER_DEFAULTS.leaseMs,
    logger: options.logger ?? rootLogger,
    clock: options.clock ?? (() => new Date()),
  };
}

function claim(settings: RunSettings, limit: number): Promise<Job[]> {
  return claimJobs(settings.db, {
    workerId: settings.workerId,
    limit,
    leaseMs: settings.leaseMs,
    types: registeredJobTypes(),
    now: settings.clock(),
  });
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 4000);
  return String(error).slice(0, 4000);
}

async function emit(event: JobEvent, log: Logger): Promise<void> {
  for (const listener of listeners) {
    try {
      await listener(event);
    } catch (error) {
      log.error({ err: error, event: event.type }, "job event listener failed");
    }
  }
}

/** Runs one claimed job to an outcome. Never throws: every failure becomes a retry or a dead job. */
async function runJob(job: Job, settings: RunSettings): Promise<void> {
  const { db, clock } = settings;
  const started = performance.now();
  const log = settings.logger.child({ jobId: job.id, jobType: job.type, shop: job.shop, attempt: job.attempts });
  const definition = getJobDefinition(job.type);
  const lease = new AbortController();
  const heartbeat = setInterval(() => {
    extendLease(db, job, settings.leaseMs, clock())
      .then((held) => {
        if (!held) lease.abort(new Error("lease lost"));
      })
      .catch((error: unknown) => log.warn({ err: error }, "heartbeat failed; the lease may expire"));
  }, Math.max(10, Math.floor(settings.leaseMs / 3)));

  let outcome: JobEvent;
  try {
    // A job that outlived maxAttempts leases without finishing keeps killing (or hanging) its workers: stop here.
    if (job.attempts > job.maxAttempts) {
      throw new PermanentJobError(`the lease expired on all ${job.maxAttempts} attempts`);
    }
    if (!definition) throw new PermanentJobError(`no handler for job type ${job.type}`);
    const payload = parsePayload(job, definition.schema);
    await settings.giveWay?.();
    await definition.perform(payload, {
      job,
      shop: job.shop,
      attempt: job.attempts,
      logger: log,
      signal: lease.signal,
      db,
    });
    outcome = { type: "done", job, durationMs: performance.now() - started, db };
  } catch (error) {
    const message = errorText(error);
    const durationMs = performance.now() - started;
    if (error instanceof PermanentJobError || job.attempts >= job.maxAttempts) {
      outcome = { type: "dead", job, durationMs, error: message, db };
    } else {
      const nextRunAt = new Date(clock().getTime() + retryDelayMs(job.attempts, definition?.backoff));
      outcome = { type: "retry", job, durationMs, error: message, nextRunAt, db };
    }
  } finally {
    clearInterval(heartbeat);
  }

  try {
    await settings.giveWay?.();
    const stored =
      outcome.type === "done"
        ? await markDone(db, job, clock())
        : outcome.type === "retry"
          ? await markRetry(db, job, outcome.nextRunAt, outcome.error)
          : await markDead(db, job, outcome.error, clock());
    if (!stored) {
      log.warn({ outcome: outcome.type }, "lease lost before the job finished; its new owner decides the outcome");
      return;
    }
  } catch (error) {
    // The row keeps our lease until it expires; then another worker runs the job again.
    log.error({ err: error, outcome: outcome.type }, "could not store the job outcome");
    return;
  }
  if (outcome.type === "done") log.debug({ durationMs: Math.round(outcome.durationMs) }, "job done");
  else if (outcome.type === "retry") log.warn({ error: outcome.error, nextRunAt: outcome.nextRunAt }, "job failed, will retry");
  else log.error({ error: outcome.error }, "job dead");
  await emit(outcome, log);
}

function parsePayload(job: Job, schema: z.ZodType<unknown, z.ZodTypeDef, unknown> | undefined): unknown {
  let payload: unknown;
  try {
    payload = JSON.parse(job.payload);
  } catch (error) {
    throw new PermanentJobError("payload is not valid JSON", { cause: error });
  }
  if (!schema) return payload;
  const result = schema.safeParse(payload);
  if (!result.success) throw new PermanentJobError(`invalid payload: ${result.error.message}`);
  return result.data;
}

/** While resting between jobs, how often to look again (whether the requests have stopped or left room). */
const REST_CHECK_MS = 50;
/** The shortest stretch over which the requests' use of the event loop is judged. */
const LOAD_WINDOW_MS = 50;
/** The longest rest after one job, so that a flood of requests slows the queue down but never stops it. */
const MAX_REST_MS = 1_000;

/**
 * Keeps the worker out of the way of requests. What it watches is requests (foreground.server.ts), not how busy
 * the event loop is overall: on SQLite every query the worker makes runs on the event loop, so a utilisation
 * threshold on its own also held back a worker that was alone (it drained a backlog at ~10 jobs a second on an
 * otherwise idle server; bench/README.md).
 *
 * While requests come in, jobs run one at a time: a batch of concurrent jobs interleaves its queries with the
 * requests and, on SQLite, queues every request's write behind the batch's transactions. After each job the
 * worker rests, at least `wall time × (1 / share − 1)`, and then until the event loop, measured while the worker
 * was resting and so busy with requests alone, has used at most `1 − share` of the last window: the worker takes
 * its share only out of the time the requests leave. After MAX_REST_MS it runs one job whatever the load.
 */
function requestGate(share: number | undefined, active: () => boolean) {
  let restFrom = Number.NEGATIVE_INFINITY;
  let earnedRestMs = 0;
  let mark = performance.eventLoopUtilization();
  let markAt = performance.now();
  return {
    /** True while the worker must give way (requests are being served and it has a share to keep to). */
    yielding(): boolean {
      return this.sharesProcess() && active();
    },
    /** True for a worker that shares its process with the web server (it has a share to keep to). */
    sharesProcess(): boolean {
      return share !== undefined && share < 1;
    },
    /** Whether the next job may start now. */
    mayStart(): boolean {
      if (share === undefined) return true;
      const now = performance.now();
      const rested = now - restFrom;
      if (rested >= MAX_REST_MS) return true;
      if (rested < earnedRestMs || now - markAt < LOAD_WINDOW_MS) return false;
      const current = performance.eventLoopUtilization();
      const requestsLoad = performance.eventLoopUtilization(current, mark).utilization;
      if (requestsLoad <= 1 - share) return true;
      // Judge the next window afresh: a burst that has just eased should not keep the worker waiting.
      mark = current;
      markAt = now;
      return false;
    },
    /** A job that ran while the worker was yielding took `wallMs`; its rest begins now. */
    ran(wallMs: number) {
      if (share === undefined) return;
      restFrom = performance.now();
      earnedRestMs = Math.min(MAX_REST_MS, wallMs * (1 / share - 1));
      mark = performance.eventLoopUtilization();
      markAt = restFrom;
    },
  };
}

/**
 * The worker loop: tick schedules, claim as many due jobs as there are free slots, run them, repeat; sleep for
 * pollIntervalMs when there is nothing to claim. A finishing job wakes the loop to refill its slot at once.
 */
export function startWorker(options: WorkerOptions): Worker {
  const base = settingsFrom(options);
  const log = base.logger.child({ workerId: base.workerId });
  const settings = { ...base, logger: log };
  const running = new Set<Promise<void>>();
  let lastTick = 0;
  let stopping = false;
  // A job that finishes while the loop is busy claiming must still cut the next nap short.
  let woken = false;
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    woken = true;
    wake?.();
  };

  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const start = (job: Job, startedAt: number) => {
    const run = runJob(job, settings).finally(() => {
      running.delete(run);
      if (gate.yielding()) gate.ran(performance.now() - startedAt);
      wakeUp();
    });
    running.add(run);
  };

  async function loop(): Promise<void> {
    while (!stopping) {
      let claimedAll = false;
      woken = false;
      // Ticks at the poll rate, not on every wake-up: finishing jobs wake the loop far more often.
      if (Date.now() - lastTick >= settings.pollIntervalMs) {
        lastTick = Date.now();
        try {
          await tickSchedules(settings.db, settings.clock());
        } catch (error) {
          log.error({ err: error }, "schedule tick failed");
        }
      }
      // Sharing the process with the web server: a webhook burst is answered first, and the queue absorbs it.
      // One job at a time, then a rest; jobs started before the requests came finish first.
      const yielding = gate.yielding();
      if (yielding && (running.size > 0 || !gate.mayStart())) {
        await nap(running.size > 0 ? settings.pollIntervalMs : REST_CHECK_MS);
        continue;
      }
      try {
        const free = yielding ? 1 : settings.concurrency - running.size;
        if (free > 0) {
          const startedAt = performance.now();
          const jobs = await claim(settings, free);
          claimedAll = jobs.length === free;
          for (const job of jobs) start(job, startedAt);
        }
      } catch (error) {
        log.error({ err: error }, "worker poll failed; retrying after the poll interval");
      }
      if (stopping) break;
      // Slots full, or possibly more due work: wait for a slot (a finishing job wakes us) or the poll interval.
      if (!claimedAll || running.size >= settings.concurrency) await nap(settings.pollIntervalMs);
    }
  }

  const active = options.requestsActive ?? requestsActive;
  const gate = requestGate(options.maxEventLoopUtilization, active);
  // In the web server's process the worker lets the event loop turn before and after every job, requests or not:
  // on SQLite a job is a chain of promises over synchronous queries, so a worker that only gave way while requests
  // were being served kept the loop in its microtasks, never read the sockets, never saw the requests, and so never
  // gave way (a 200/s stream of webhooks went unanswered for seconds behind a backlog; bench/README.md).
  settings.giveWay = () => giveWayToRequests(() => gate.sharesProcess());
  const looping = loop();
  log.info(
    { concurrency: settings.concurrency, pollIntervalMs: settings.pollIntervalMs, leaseMs: settings.leaseMs },
    "worker started",
  );

  return {
    id: settings.workerId,
    async stop() {
      stopping = true;
      wakeUp();
      await looping;
      await Promise.allSettled([...running]);
      log.info("worker stopped");
    },
  };
}

export interface RunUntilIdleOptions extends Omit<WorkerOptions, "pollIntervalMs"> {
  /** Guards a test against a job that keeps re-enqueueing itself. */
  maxJobs?: number;
}

/**
 * For tests and scripts: ticks schedules and runs due jobs until none is left, then returns how many ran.
 * Jobs whose runAt is still in the future (retries included) are not waited for; move `clock` to reach them.
 */
export async function runUntilIdle(options: RunUntilIdleOptions): Promise<number> {
  const settings = settingsFrom(options);
  const maxJobs = options.maxJobs ?? 1000;
  let ran = 0;
  for (;;) {
    await tickSchedules(settings.db, settings.clock());
    const jobs = await claim(settings, settings.concurrency);
    if (jobs.length === 0) return ran;
    await Promise.all(jobs.map((job) => runJob(job, settings)));
    ran += jobs.length;
    if (ran > maxJobs) throw new Error(`runUntilIdle: more than ${maxJobs} jobs ran; is a job re-enqueueing itself?`);
  }
}
