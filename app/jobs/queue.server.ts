import { uuidv7 } from "~/db/ids.server";

import { Prisma, type Db, type DbProvider, type PrismaClient } from "~/db.server";
import type { Job } from "~/generated/sqlite/client";
import { getJobDefinition } from "./define.server";

/**
 * The durable queue: the `Job` and `Schedule` tables and every statement that changes them. Dates are always
 * computed here and passed as parameters, never taken from the database clock (CURRENT_TIMESTAMP, now()):
 * Prisma stores SQLite DateTimes as ISO-8601 text ("2026-01-01T00:00:00.000+00:00") and a parameter Date goes
 * through the same driver-adapter conversion, so comparisons hold whatever representation the adapter is set to.
 * See docs/decisions/003-job-runner.md.
 */

export interface EnqueueOptions {
  type: string;
  /** The shop the job works for; leave it out only for system jobs. */
  shop?: string | null;
  payload?: unknown;
  /** Not before this time; defaults to now. */
  runAt?: Date;
  /** While a job with this key exists, enqueueing the same key again returns that job instead of a new one. */
  dedupeKey?: string;
  maxAttempts?: number;
}

export class InvalidJobPayloadError extends Error {
  constructor(type: string, detail: string) {
    super(`Invalid payload for job ${type}: ${detail}`);
    this.name = "InvalidJobPayloadError";
  }
}

/** The job's definition and its payload, checked against the definition's schema (InvalidJobPayloadError). */
function checkedPayload(options: EnqueueOptions) {
  const definition = getJobDefinition(options.type);
  const payload = options.payload ?? {};
  if (definition?.schema) {
    const result = definition.schema.safeParse(payload);
    if (!result.success) throw new InvalidJobPayloadError(options.type, result.error.message);
  }
  return { definition, payload };
}

/**
 * Adds a job. `db` may be a transaction client, so a caller can record its own row and the job atomically.
 *
 * With a dedupeKey this is an upsert on the unique key that Prisma runs as one native
 * `INSERT ... ON CONFLICT ("dedupeKey") DO UPDATE` on both databases. Unlike insert-then-catch-P2002, a
 * duplicate never raises, so it cannot abort an enclosing PostgreSQL transaction; unlike read-then-insert, two
 * concurrent callers cannot both create. The no-op update (dedupeKey = itself) is what makes Prisma choose the
 * native form: with `update: {}` it falls back to SELECT then INSERT. Its only side effects on the existing row
 * are a fresh updatedAt and a row lock until the caller's transaction ends.
 */
export async function enqueue(db: Db, options: EnqueueOptions): Promise<{ id: string; created: boolean }> {
  const { definition, payload } = checkedPayload(options);
  const data = {
    type: options.type,
    shop: options.shop ?? null,
    payload: JSON.stringify(payload),
    runAt: options.runAt ?? new Date(),
    maxAttempts: options.maxAttempts ?? definition?.maxAttempts,
  };
  if (options.dedupeKey === undefined) {
    const job = await db.job.create({ data, select: { id: true } });
    return { id: job.id, created: true };
  }
  // Our own id tells us afterwards whether the row is the one we inserted.
  const id = uuidv7();
  const job = await db.job.upsert({
    where: { dedupeKey: options.dedupeKey },
    create: { ...data, id, dedupeKey: options.dedupeKey },
    update: { dedupeKey: options.dedupeKey },
    select: { id: true },
  });
  return { id: job.id, created: job.id === id };
}

/** The `Job.maxAttempts` column default, for statements that cannot lean on it. */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** A new Job row with every column the table requires, as `enqueue` would create it (no dedupe semantics). */
export interface JobRow {
  id: string;
  shop: string | null;
  type: string;
  payload: string;
  status: "queued";
  runAt: Date;
  attempts: number;
  maxAttempts: number;
  dedupeKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The row `enqueue` would insert, for writers that insert jobs with their own SQL: the webhook intake's grouped
 * writes (app/webhooks/delivery-writer.server.ts) add a delivery's job only when the delivery row is new, many
 * deliveries per statement, without Prisma. Same validation and defaults as `enqueue`; the column names are the
 * JobRow keys (tests/integration/webhook-server.test.ts reads the jobs it writes back through Prisma).
 */
export function newJobRow(options: EnqueueOptions, now = new Date()): JobRow {
  const { definition, payload } = checkedPayload(options);
  return {
    id: uuidv7(),
    shop: options.shop ?? null,
    type: options.type,
    payload: JSON.stringify(payload),
    status: "queued",
    runAt: options.runAt ?? now,
    attempts: 0,
    maxAttempts: options.maxAttempts ?? definition?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    dedupeKey: options.dedupeKey ?? null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Which SQL dialect a client (or transaction client) speaks. Prisma keeps it on every client instance; it is
 * not public API, so tests/jobs/queue.test.ts checks it for both kinds of client on both databases.
 */
export function providerOf(db: Db): DbProvider {
  const provider = (db as unknown as { _activeProvider?: unknown })._activeProvider;
  if (provider === "sqlite" || provider === "postgresql") return provider;
  throw new Error(`app/jobs: unsupported or unknown database provider ${String(provider)}`);
}

export interface ClaimOptions {
  workerId: string;
  limit: number;
  leaseMs: number;
  /** Only jobs of these types are claimed: the ones this process has handlers for. */
  types: string[];
  now: Date;
}

/**
 * Takes up to `limit` jobs that are due (queued, runAt <= now) or whose lease ran out (running,
 * lockedUntil < now), in one statement that marks them running under this worker's lease and counts the attempt.
 *
 * The two kinds are looked up separately, each an ordered range of the (status, runAt) index that stops after
 * `limit` rows, and the earliest `limit` of both are taken. One `WHERE (queued AND due) OR (running AND expired)`
 * cannot use the index order: it reads and sorts every due row, so each claim costs as much as the backlog is
 * long (16 ms with 11,000 queued jobs on SQLite, where it blocks the event loop; 37 ms with 20,000 on
 * PostgreSQL), exactly when a burst has filled the queue. See bench/README.md (bench:purchases).
 *
 * PostgreSQL: several workers run this at once; FOR UPDATE SKIP LOCKED makes each one lock the rows it picks and
 * pass over rows another worker is claiming, so a row is never handed to two workers. SQLite has one writer at a
 * time and an UPDATE takes the write lock before it reads, so the statement alone is already atomic.
 */
export async function claimJobs(db: Db, options: ClaimOptions): Promise<Job[]> {
  if (options.types.length === 0 || options.limit <= 0) return [];
  const { now, workerId, limit } = options;
  const lockedUntil = new Date(now.getTime() + options.leaseMs);
  const skipLocked = providerOf(db) === "postgresql" ? Prisma.sql`FOR UPDATE SKIP LOCKED` : Prisma.empty;
  const types = Prisma.join(options.types);
  const claimed = await db.$queryRaw<{ id: string }[]>`
    UPDATE "Job"
    SET "status" = 'running', "lockedBy" = ${workerId}, "lockedUntil" = ${lockedUntil},
        "attempts" = "attempts" + 1, "updatedAt" = ${now}
    WHERE "id" IN (
      SELECT "id" FROM (
        SELECT "id", "runAt" FROM (
          SELECT "id", "runAt" FROM "Job"
          WHERE "status" = 'queued' AND "runAt" <= ${now} AND "type" IN (${types})
          ORDER BY "runAt" LIMIT ${limit} ${skipLocked}
        ) AS "due"
        UNION ALL
        SELECT "id", "runAt" FROM (
          SELECT "id", "runAt" FROM "Job"
          WHERE "status" = 'running' AND "lockedUntil" < ${now} AND "type" IN (${types})
          ORDER BY "runAt" LIMIT ${limit} ${skipLocked}
        ) AS "expired"
      ) AS "candidates"
      ORDER BY "runAt"
      LIMIT ${limit}
    )
    RETURNING "id"`;
  if (claimed.length === 0) return [];
  // Read back through Prisma for typed rows; nobody else may touch them while we hold the lease.
  return db.job.findMany({ where: { id: { in: claimed.map((row) => row.id) } }, orderBy: { runAt: "asc" } });
}

/**
 * A lease is the pair (lockedBy, attempts): the claim sets both, and a worker whose lease expired and was taken
 * over sees a different pair. Every write a worker makes to its job goes through this condition, so a worker
 * that lost its lease cannot overwrite the new owner's result. Returns false when the lease was lost.
 */
async function updateLeased(db: Db, job: Job, data: Prisma.JobUpdateManyMutationInput): Promise<boolean> {
  const { count } = await db.job.updateMany({
    where: { id: job.id, status: "running", lockedBy: job.lockedBy, attempts: job.attempts },
    data,
  });
  return count === 1;
}

export function extendLease(db: Db, job: Job, leaseMs: number, now = new Date()): Promise<boolean> {
  return updateLeased(db, job, { lockedUntil: new Date(now.getTime() + leaseMs) });
}

/** `lockedBy` stays on a finished row: it names the worker that finished it. */
export function markDone(db: Db, job: Job, now = new Date()): Promise<boolean> {
  return updateLeased(db, job, { status: "done", finishedAt: now, lockedUntil: null, lastError: null });
}

export function markRetry(db: Db, job: Job, runAt: Date, error: string): Promise<boolean> {
  return updateLeased(db, job, { status: "queued", runAt, lockedBy: null, lockedUntil: null, lastError: error });
}

export function markDead(db: Db, job: Job, error: string, now = new Date()): Promise<boolean> {
  return updateLeased(db, job, { status: "dead", finishedAt: now, lockedUntil: null, lastError: error });
}

/** Deletes finished (done) jobs older than the cutoff; dead jobs stay for someone to look at. */
export async function deleteDoneJobs(db: Db, finishedBefore: Date): Promise<number> {
  const { count } = await db.job.deleteMany({ where: { status: "done", finishedAt: { lt: finishedBefore } } });
  return count;
}

// ---------------------------------------------------------------------------------------------------------------
// Recurring schedules

export interface ScheduleOptions {
  /** Unique; per-shop schedules put the shop in it, e.g. "catalog.export:<shop>". */
  name: string;
  type: string;
  shop?: string | null;
  payload?: unknown;
  intervalSeconds: number;
  /** The first occurrence when the schedule is new; defaults to one interval from now. */
  firstRunAt?: Date;
}

/**
 * Creates or updates a schedule; safe to call at every boot. An existing schedule keeps its next occurrence,
 * except that a shortened interval pulls it in (otherwise going from 4 h to 1 min would wait up to 4 h).
 */
export async function ensureSchedule(db: Db, options: ScheduleOptions, now = new Date()): Promise<void> {
  if (!Number.isInteger(options.intervalSeconds) || options.intervalSeconds <= 0) {
    throw new Error(`Schedule ${options.name}: intervalSeconds must be a positive integer`);
  }
  const payload = options.payload ?? {};
  const schema = getJobDefinition(options.type)?.schema;
  const checked = schema?.safeParse(payload);
  if (checked && !checked.success) throw new InvalidJobPayloadError(options.type, checked.error.message);

  const oneIntervalAway = new Date(now.getTime() + options.intervalSeconds * 1000);
  const fields = {
    type: options.type,
    shop: options.shop ?? null,
    payload: JSON.stringify(payload),
    intervalSeconds: options.intervalSeconds,
  };
  await db.schedule.upsert({
    where: { name: options.name },
    create: { name: options.name, ...fields, nextRunAt: options.firstRunAt ?? oneIntervalAway },
    update: fields,
  });
  await db.schedule.updateMany({
    where: { name: options.name, nextRunAt: { gt: oneIntervalAway } },
    data: { nextRunAt: oneIntervalAway },
  });
}

export async function removeSchedule(db: Db, name: string): Promise<void> {
  await db.schedule.deleteMany({ where: { name } });
}

/** For app/uninstalled and shop/redact: the shop's recurring work stops; jobs already queued are left alone. */
export async function removeSchedulesForShop(db: Db, shop: string): Promise<number> {
  const { count } = await db.schedule.deleteMany({ where: { shop } });
  return count;
}

export function scheduleDedupeKey(name: string, occurrence: Date): string {
  return `schedule:${name}:${occurrence.toISOString()}`;
}

/**
 * Enqueues one job for every due schedule and moves it to its next occurrence. Several workers tick at once;
 * for each schedule the conditional UPDATE (WHERE nextRunAt = the value we read) succeeds for exactly one of
 * them, and the enqueue happens in the same transaction, so an occurrence is neither lost nor doubled. The dedupe
 * key on the occurrence is a second guard. Occurrences missed while no worker ran collapse into one job.
 */
export async function tickSchedules(db: PrismaClient, now = new Date(), limit = 100): Promise<number> {
  const due = await db.schedule.findMany({
    where: { nextRunAt: { lte: now } },
    orderBy: { nextRunAt: "asc" },
    take: limit,
  });
  let enqueued = 0;
  const failures: unknown[] = [];
  for (const schedule of due) {
    const occurrence = schedule.nextRunAt;
    const intervalMs = schedule.intervalSeconds * 1000;
    const intervalsPassed = Math.floor((now.getTime() - occurrence.getTime()) / intervalMs) + 1;
    const nextRunAt = new Date(occurrence.getTime() + intervalsPassed * intervalMs);
    try {
      const created = await db.$transaction(async (tx) => {
        const advanced = await tx.schedule.updateMany({
          where: { name: schedule.name, nextRunAt: occurrence },
          data: { nextRunAt, lastRunAt: now },
        });
        if (advanced.count === 0) return false; // another worker took this occurrence
        const job = await enqueue(tx, {
          type: schedule.type,
          shop: schedule.shop,
          payload: JSON.parse(schedule.payload) as unknown,
          runAt: occurrence,
          dedupeKey: scheduleDedupeKey(schedule.name, occurrence),
        });
        return job.created;
      });
      if (created) enqueued += 1;
    } catch (error) {
      // One broken schedule (a payload its job no longer accepts) must not hold up the others.
      failures.push(new Error(`schedule ${schedule.name}: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} schedule(s) could not be ticked`);
  return enqueued;
}
