// The job runner against real databases, in one process: SQLite always, PostgreSQL when a server is reachable.
// Time is moved with the runner's `clock` option rather than waited for.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createPrismaClient, type PrismaClient } from "~/db.server";
import {
  InvalidJobPayloadError,
  claimJobs,
  enqueue,
  ensureSchedule,
  extendLease,
  markDone,
  providerOf,
  removeSchedule,
  removeSchedulesForShop,
  scheduleDedupeKey,
  tickSchedules,
} from "~/jobs/queue.server";
import { JOB_RETENTION } from "~/jobs/system.server";
import { onJobEvent, retryDelayMs, runUntilIdle, startWorker, type JobEvent } from "~/jobs/worker.server";

import { createTestDatabase, postgresAvailable, postgresSkipReason } from "../support/db";
import { RECORD_JOB, TEST_SHOP } from "./fixtures/test-jobs";
import { clearQueueTables, msAfter, recordedRuns, waitFor } from "./support";

const pgUp = await postgresAvailable();

describe("retryDelayMs", () => {
  const backoff = { baseMs: 1000, maxMs: 4000 };
  it.each([
    [1, 500, 1000],
    [2, 1000, 2000],
    [3, 2000, 4000],
    [6, 2000, 4000], // capped
  ])("GIVEN retry %i THEN the delay lies in [%i, %i] ms", (attempt, low, high) => {
    expect(retryDelayMs(attempt, backoff, () => 0)).toBe(low);
    expect(retryDelayMs(attempt, backoff, () => 1)).toBe(high);
    const sampled = retryDelayMs(attempt, backoff);
    expect(sampled).toBeGreaterThanOrEqual(low);
    expect(sampled).toBeLessThanOrEqual(high);
  });
});

for (const provider of ["sqlite", "postgresql"] as const) {
  const skip = provider === "postgresql" && !pgUp;
  const title = skip ? `job runner on ${provider} (skipped: ${postgresSkipReason()})` : `job runner on ${provider}`;

  describe.skipIf(skip)(title, () => {
    let db: PrismaClient;
    let url: string;
    let drop: () => Promise<void>;
    const job = (id: string) => db.job.findUniqueOrThrow({ where: { id } });

    beforeAll(async () => {
      const created = await createTestDatabase(provider, { name: "jobs" });
      db = created.prisma;
      url = created.url;
      drop = created.drop;
    });
    afterAll(async () => {
      await drop?.();
    });
    beforeEach(async () => {
      await clearQueueTables(db);
    });

    it("GIVEN a client or a transaction client THEN providerOf names the database", async () => {
      expect(providerOf(db)).toBe(provider);
      await db.$transaction(async (tx) => expect(providerOf(tx)).toBe(provider));
    });

    it("GIVEN a due job WHEN a worker runs THEN it runs once and is marked done by that worker", async () => {
      const { id, created } = await enqueue(db, { type: RECORD_JOB, shop: TEST_SHOP, payload: {} });
      expect(created).toBe(true);

      expect(await runUntilIdle({ db, workerId: "worker-a" })).toBe(1);

      const row = await job(id);
      expect(row).toMatchObject({ status: "done", attempts: 1, lockedBy: "worker-a", lockedUntil: null, lastError: null });
      expect(row.finishedAt).toBeInstanceOf(Date);
      expect(await recordedRuns(db, id)).toEqual([{ jobId: id, workerId: "worker-a", attempt: 1 }]);
    });

    it("GIVEN jobs due seconds before and after now WHEN claiming THEN only the due one is taken, the other when its time comes", async () => {
      // Seconds apart on the same day: comparing ISO text with SQLite's "YYYY-MM-DD HH:MM:SS" (CURRENT_TIMESTAMP), or
      // text with integers, gets exactly this wrong.
      const now = new Date();
      const later = await enqueue(db, { type: RECORD_JOB, payload: {}, runAt: msAfter(now, 2000) });
      const due = await enqueue(db, { type: RECORD_JOB, payload: {}, runAt: msAfter(now, -2000) });

      expect(await runUntilIdle({ db, clock: () => now })).toBe(1);
      expect((await job(due.id)).status).toBe("done");
      expect(await job(later.id)).toMatchObject({ status: "queued", attempts: 0 });

      expect(await runUntilIdle({ db, clock: () => msAfter(now, 1999) })).toBe(0);
      expect(await runUntilIdle({ db, clock: () => msAfter(now, 2000) })).toBe(1);
      expect((await job(later.id)).status).toBe("done");
    });

    it.runIf(provider === "sqlite")(
      "GIVEN SQLite THEN stored DateTimes and the claim's Date parameters have the same SQL type",
      async () => {
        await enqueue(db, { type: RECORD_JOB, payload: {} });
        const [row] = await db.$queryRaw<{ stored: string; param: string }[]>`
          SELECT typeof("runAt") AS stored, typeof(${new Date()}) AS param FROM "Job" LIMIT 1`;
        expect(row.param).toBe(row.stored);
      },
    );

    it("GIVEN a claimed job WHEN its lease expires THEN another worker takes it and the first cannot overwrite the outcome", async () => {
      const { id } = await enqueue(db, { type: RECORD_JOB, payload: {} });
      const now = new Date();
      const claim = (workerId: string, at: Date) =>
        claimJobs(db, { workerId, limit: 10, leaseMs: 1000, types: [RECORD_JOB], now: at });

      const [first] = await claim("worker-a", now);
      expect(first).toMatchObject({ id, status: "running", lockedBy: "worker-a", attempts: 1 });
      expect(await claim("worker-b", msAfter(now, 1000))).toEqual([]); // lease still held

      const [second] = await claim("worker-b", msAfter(now, 1001));
      expect(second).toMatchObject({ id, lockedBy: "worker-b", attempts: 2 });

      expect(await extendLease(db, first, 1000)).toBe(false);
      expect(await markDone(db, first)).toBe(false);
      expect(await job(id)).toMatchObject({ status: "running", lockedBy: "worker-b" });
      expect(await markDone(db, second)).toBe(true);
      expect(await job(id)).toMatchObject({ status: "done", lockedBy: "worker-b", attempts: 2 });
    });

    it("GIVEN a dedupe key already used WHEN enqueueing it again THEN the existing job is returned and nothing is added", async () => {
      const first = await enqueue(db, { type: RECORD_JOB, payload: {}, dedupeKey: "webhook:1" });
      const second = await enqueue(db, { type: RECORD_JOB, payload: { failTimes: 3 }, dedupeKey: "webhook:1" });

      expect(first.created).toBe(true);
      expect(second).toEqual({ id: first.id, created: false });
      expect(await db.job.count()).toBe(1);
      expect((await job(first.id)).payload).toBe("{}");
    });

    it("GIVEN a transaction WHEN it enqueues a duplicate key between two writes THEN it still commits all its writes", async () => {
      const first = await enqueue(db, { type: RECORD_JOB, payload: {}, dedupeKey: "webhook:2" });
      const note = (name: string, tx: Pick<PrismaClient, "activityLog">) =>
        tx.activityLog.create({ data: { shop: TEST_SHOP, direction: "in", kind: "webhook", name, status: "ok" } });

      const again = await db.$transaction(async (tx) => {
        await note("before", tx);
        const result = await enqueue(tx, { type: RECORD_JOB, payload: {}, dedupeKey: "webhook:2" });
        await note("after", tx); // on PostgreSQL this fails if the duplicate aborted the transaction
        return result;
      });

      expect(again).toEqual({ id: first.id, created: false });
      expect((await db.activityLog.findMany({ orderBy: { name: "desc" } })).map((r) => r.name)).toEqual(["before", "after"]);
    });

    it("GIVEN eight concurrent transactions WHEN each enqueues the same new key THEN all commit and exactly one job exists", async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          db.$transaction(async (tx) => {
            const result = await enqueue(tx, { type: RECORD_JOB, payload: {}, dedupeKey: "webhook:3" });
            await tx.activityLog.create({
              data: { shop: TEST_SHOP, direction: "in", kind: "webhook", name: `delivery-${i}`, status: "ok" },
            });
            return result;
          }),
        ),
      );

      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(await db.job.count({ where: { dedupeKey: "webhook:3" } })).toBe(1);
      expect(await db.activityLog.count()).toBe(8);
    });

    it("GIVEN a payload its job's schema rejects WHEN enqueueing THEN it throws and stores nothing", async () => {
      await expect(enqueue(db, { type: RECORD_JOB, payload: { failTimes: "twice" } })).rejects.toBeInstanceOf(
        InvalidJobPayloadError,
      );
      expect(await db.job.count()).toBe(0);
    });

    it("GIVEN a job that fails once WHEN it runs THEN it is retried after the backoff and then succeeds", async () => {
      const t0 = new Date();
      const { id } = await enqueue(db, { type: RECORD_JOB, payload: { failTimes: 1 }, runAt: t0 });

      expect(await runUntilIdle({ db, clock: () => t0 })).toBe(1);
      const failed = await job(id);
      expect(failed).toMatchObject({ status: "queued", attempts: 1, lockedBy: null, lastError: "Error: planned failure 1" });
      const delay = failed.runAt.getTime() - t0.getTime();
      expect(delay).toBeGreaterThanOrEqual(500); // fixture backoff: base 1 s, jittered into [0.5 s, 1 s]
      expect(delay).toBeLessThanOrEqual(1000);

      expect(await runUntilIdle({ db, clock: () => msAfter(t0, delay - 1) })).toBe(0);
      expect(await runUntilIdle({ db, clock: () => msAfter(t0, delay) })).toBe(1);
      expect(await job(id)).toMatchObject({ status: "done", attempts: 2 });
    });

    it("GIVEN a job that always fails WHEN it reaches maxAttempts THEN it is dead with its last error, and listeners heard each outcome", async () => {
      const events: JobEvent["type"][] = [];
      const { id } = await enqueue(db, { type: RECORD_JOB, shop: TEST_SHOP, payload: { failTimes: 99 }, maxAttempts: 3 });
      const unsubscribe = onJobEvent((event) => {
        if (event.job.id === id) events.push(event.type);
      });
      try {
        let now = new Date();
        for (let attempt = 1; attempt <= 3; attempt++) {
          expect(await runUntilIdle({ db, clock: () => now })).toBe(1);
          now = msAfter(now, 10_000); // past any fixture backoff (4 s cap)
        }
        expect(await runUntilIdle({ db, clock: () => msAfter(now, 3_600_000) })).toBe(0);
      } finally {
        unsubscribe();
      }

      const row = await job(id);
      expect(row).toMatchObject({ status: "dead", attempts: 3, lastError: "Error: planned failure 3" });
      expect(row.finishedAt).toBeInstanceOf(Date);
      expect(events).toEqual(["retry", "retry", "dead"]);
      expect(await recordedRuns(db, id)).toHaveLength(3);
    });

    it("GIVEN a handler that throws PermanentJobError THEN the job is dead after one attempt", async () => {
      const { id } = await enqueue(db, { type: RECORD_JOB, payload: { permanent: true } });
      expect(await runUntilIdle({ db })).toBe(1);
      expect(await job(id)).toMatchObject({
        status: "dead",
        attempts: 1,
        lastError: "PermanentJobError: the shop is gone",
      });
    });

    it("GIVEN stored payloads that are not JSON or fail the schema THEN those jobs are dead without running", async () => {
      const notJson = await db.job.create({ data: { type: RECORD_JOB, payload: "{not json" } });
      const wrongShape = await db.job.create({ data: { type: RECORD_JOB, payload: '{"failTimes":"x"}' } });

      expect(await runUntilIdle({ db })).toBe(2);

      expect(await job(notJson.id)).toMatchObject({ status: "dead", attempts: 1 });
      expect((await job(notJson.id)).lastError).toContain("payload is not valid JSON");
      expect((await job(wrongShape.id)).lastError).toContain("invalid payload");
      expect(await recordedRuns(db)).toEqual([]);
    });

    it("GIVEN a job whose lease expired on every allowed attempt THEN it is dead instead of running again", async () => {
      const past = new Date(Date.now() - 60_000);
      const crashed = await db.job.create({
        data: { type: RECORD_JOB, status: "running", attempts: 2, maxAttempts: 2, lockedBy: "gone", lockedUntil: past },
      });

      expect(await runUntilIdle({ db })).toBe(1);

      const row = await job(crashed.id);
      expect(row).toMatchObject({ status: "dead", attempts: 3 });
      expect(row.lastError).toContain("lease expired");
      expect(await recordedRuns(db)).toEqual([]);
    });

    it("GIVEN two workers with short leases WHEN one runs a job longer than its lease THEN heartbeats keep it, and every job runs once", async () => {
      const long = await enqueue(db, { type: RECORD_JOB, payload: { holdMs: 1000 } });
      for (let i = 0; i < 6; i++) await enqueue(db, { type: RECORD_JOB, payload: { holdMs: 20 } });
      const options = { db, concurrency: 2, pollIntervalMs: 20, leaseMs: 300 };
      const workers = [startWorker({ ...options, workerId: "worker-a" }), startWorker({ ...options, workerId: "worker-b" })];
      try {
        await waitFor("all jobs done", async () => (await db.job.count({ where: { status: "done" } })) === 7);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      expect(await job(long.id)).toMatchObject({ status: "done", attempts: 1 });
      const runs = await recordedRuns(db);
      expect(runs).toHaveLength(7);
      expect(new Set(runs.map((r) => r.jobId)).size).toBe(7);
    });

    it("GIVEN a running job WHEN another worker takes its lease over THEN the first is told to stop and leaves the row alone", async () => {
      const { id } = await enqueue(db, { type: RECORD_JOB, payload: { holdMs: 10_000 } });
      const worker = startWorker({ db, concurrency: 1, pollIntervalMs: 20, leaseMs: 300, workerId: "worker-a" });
      await waitFor("the job to start", async () => (await recordedRuns(db, id)).length === 1);
      // What a second worker's claim does once the lease has expired.
      await db.job.update({ where: { id }, data: { lockedBy: "worker-b", attempts: { increment: 1 } } });

      const started = Date.now();
      await worker.stop(); // returns once the job gave up: its next heartbeat found the lease gone

      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await job(id)).toMatchObject({ status: "running", lockedBy: "worker-b", attempts: 2, lastError: null });
    });

    it("GIVEN a running job WHEN the worker is stopped THEN stop() resolves only after the job finished", async () => {
      const { id } = await enqueue(db, { type: RECORD_JOB, payload: { holdMs: 400 } });
      const worker = startWorker({ db, concurrency: 1, pollIntervalMs: 20, leaseMs: 5000 });
      await waitFor("the job to start", async () => (await recordedRuns(db, id)).length === 1);

      await worker.stop();

      expect(await job(id)).toMatchObject({ status: "done", attempts: 1 });
    });

    it.runIf(provider === "sqlite")(
      "GIVEN another transaction open in the process WHEN it rolls back while the worker runs THEN the worker's writes survive",
      async () => {
        const { id } = await enqueue(db, { type: RECORD_JOB, payload: {} });
        // better-sqlite3 is one connection: unless app/db.server.ts makes statements outside a transaction wait
        // for it, the claim and the done update would run inside this transaction and vanish with its rollback.
        let opened!: () => void;
        const transactionOpen = new Promise<void>((resolve) => (opened = resolve));
        const rolledBack = db
          .$transaction(async (tx) => {
            await tx.activityLog.create({
              data: { shop: TEST_SHOP, direction: "in", kind: "webhook", name: "rolled-back", status: "ok" },
            });
            opened();
            // Long enough for an unguarded worker to claim, run and finish the job inside this transaction.
            await new Promise((resolve) => setTimeout(resolve, 200));
            throw new Error("the caller rolls back");
          })
          .catch((error: unknown) => error);
        await transactionOpen;

        const ran = await runUntilIdle({ db });
        expect(await rolledBack).toBeInstanceOf(Error);

        expect(ran).toBe(1);
        expect(await job(id)).toMatchObject({ status: "done", attempts: 1 });
        expect(await db.activityLog.count({ where: { name: "rolled-back" } })).toBe(0);
      },
    );

    describe("schedules", () => {
      it("GIVEN ensureSchedule called twice THEN there is one schedule, updated, keeping its next occurrence", async () => {
        const first = new Date(Date.now() + 30_000);
        const spec = { name: "test.hourly", type: RECORD_JOB, payload: {}, intervalSeconds: 3600, firstRunAt: first };
        await ensureSchedule(db, spec);
        await ensureSchedule(db, { ...spec, payload: { holdMs: 1 }, firstRunAt: new Date(0) });

        const rows = await db.schedule.findMany();
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ name: "test.hourly", payload: '{"holdMs":1}', nextRunAt: first });
      });

      it("GIVEN a shorter interval WHEN the schedule is ensured again THEN its next occurrence is pulled in", async () => {
        const now = new Date();
        await ensureSchedule(db, { name: "test.shrink", type: RECORD_JOB, intervalSeconds: 4 * 3600 }, now);
        await ensureSchedule(db, { name: "test.shrink", type: RECORD_JOB, intervalSeconds: 60 }, now);
        expect((await db.schedule.findUniqueOrThrow({ where: { name: "test.shrink" } })).nextRunAt).toEqual(
          msAfter(now, 60_000),
        );
      });

      it("GIVEN three ticks racing at each occurrence THEN exactly one job is enqueued per occurrence", async () => {
        const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
        await ensureSchedule(db, {
          name: "test.every-minute",
          type: RECORD_JOB,
          shop: TEST_SHOP,
          intervalSeconds: 60,
          firstRunAt: t0,
        });
        // PostgreSQL: a second client is a second pool, so the ticks really race on separate connections.
        // SQLite: one client, as in the app; a second connection in the same process would block the event loop
        // in better-sqlite3's synchronous busy-wait while the first holds the write lock. All three ticks still
        // read the same due occurrence before any of them advances it.
        const other = provider === "postgresql" ? createPrismaClient(url) : db;
        try {
          for (let i = 0; i < 5; i++) {
            const now = msAfter(t0, i * 60_000 + 5);
            const created = await Promise.all([tickSchedules(db, now), tickSchedules(other, now), tickSchedules(db, now)]);
            expect(created.reduce((a, b) => a + b, 0)).toBe(1);
          }
        } finally {
          if (other !== db) await other.$disconnect();
        }

        const jobs = await db.job.findMany({ orderBy: { runAt: "asc" } });
        const occurrences = [0, 1, 2, 3, 4].map((i) => msAfter(t0, i * 60_000));
        expect(jobs.map((j) => j.dedupeKey)).toEqual(occurrences.map((o) => scheduleDedupeKey("test.every-minute", o)));
        expect(jobs.map((j) => j.runAt)).toEqual(occurrences);
        expect(jobs.every((j) => j.shop === TEST_SHOP && j.type === RECORD_JOB)).toBe(true);
        const schedule = await db.schedule.findUniqueOrThrow({ where: { name: "test.every-minute" } });
        expect(schedule.nextRunAt).toEqual(msAfter(t0, 5 * 60_000));
      });

      it("GIVEN occurrences missed while no worker ran THEN one tick enqueues one job and moves past now", async () => {
        const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
        await ensureSchedule(db, { name: "test.missed", type: RECORD_JOB, intervalSeconds: 60, firstRunAt: t0 });

        expect(await tickSchedules(db, msAfter(t0, 10.5 * 60_000))).toBe(1);

        expect(await db.job.count()).toBe(1);
        const schedule = await db.schedule.findUniqueOrThrow({ where: { name: "test.missed" } });
        expect(schedule.nextRunAt).toEqual(msAfter(t0, 11 * 60_000));
      });

      it("GIVEN a schedule whose stored payload its job now rejects THEN the tick reports it and still runs the others", async () => {
        const t0 = new Date();
        await ensureSchedule(db, { name: "test.broken", type: RECORD_JOB, intervalSeconds: 60, firstRunAt: t0 });
        await ensureSchedule(db, { name: "test.fine", type: RECORD_JOB, intervalSeconds: 60, firstRunAt: t0 });
        await db.schedule.update({ where: { name: "test.broken" }, data: { payload: '{"failTimes":"x"}' } });

        await expect(tickSchedules(db, msAfter(t0, 1))).rejects.toThrow(/1 schedule\(s\) could not be ticked/);

        expect((await db.job.findMany()).map((j) => j.dedupeKey)).toEqual([scheduleDedupeKey("test.fine", t0)]);
        const broken = await db.schedule.findUniqueOrThrow({ where: { name: "test.broken" } });
        expect(broken.nextRunAt).toEqual(t0); // rolled back with its failed enqueue: nothing lost once fixed
      });

      it("GIVEN schedules of two shops WHEN one shop's are removed THEN only the other's remain", async () => {
        const spec = { type: RECORD_JOB, intervalSeconds: 60 };
        await ensureSchedule(db, { ...spec, name: "catalog:a", shop: "a.myshopify.com" });
        await ensureSchedule(db, { ...spec, name: "consent:a", shop: "a.myshopify.com" });
        await ensureSchedule(db, { ...spec, name: "catalog:b", shop: "b.myshopify.com" });
        await ensureSchedule(db, { ...spec, name: "system" });

        expect(await removeSchedulesForShop(db, "a.myshopify.com")).toBe(2);
        await removeSchedule(db, "system");

        expect((await db.schedule.findMany()).map((s) => s.name)).toEqual(["catalog:b"]);
      });
    });

    it("GIVEN done jobs old and new and an old dead job WHEN retention runs THEN only the old done job is deleted", async () => {
      const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000);
      const old = await db.job.create({ data: { type: RECORD_JOB, status: "done", finishedAt: daysAgo(8) } });
      const recent = await db.job.create({ data: { type: RECORD_JOB, status: "done", finishedAt: daysAgo(1) } });
      const dead = await db.job.create({ data: { type: RECORD_JOB, status: "dead", finishedAt: daysAgo(30) } });
      const retention = await enqueue(db, { type: JOB_RETENTION, payload: { doneOlderThanDays: 7 } });

      expect(await runUntilIdle({ db })).toBe(1);

      const left = (await db.job.findMany()).map((j) => j.id).sort();
      expect(left).toEqual([recent.id, dead.id, retention.id].sort());
      expect(left).not.toContain(old.id);
    });
  });
}
