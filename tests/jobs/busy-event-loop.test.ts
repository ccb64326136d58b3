// A worker sharing its process with the web server gives way while requests are being served, takes only the time
// they leave, and runs at full speed once they stop, however busy its own work keeps the event loop.
import { setTimeout as sleep } from "node:timers/promises";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { PrismaClient } from "~/db.server";
import { defineJob } from "~/jobs/define.server";
import { requestsActive, servingRequest } from "~/jobs/foreground.server";
import { enqueue } from "~/jobs/queue.server";
import { startWorker } from "~/jobs/worker.server";

import { createTestDatabase } from "../support/db";
import { clearQueueTables, waitFor } from "./support";

const COUNT_JOB = "test.count-busy";
let ran = 0;
let runningNow = 0;
let mostAtOnce = 0;
/** How long each job keeps the event loop to itself (0: a job that only awaits). */
let jobSpinMs = 0;
defineJob(COUNT_JOB, {
  async perform() {
    runningNow++;
    mostAtOnce = Math.max(mostAtOnce, runningNow);
    try {
      const until = Date.now() + jobSpinMs;
      while (Date.now() < until) {
        // spin: the CPU a job's queries take, on SQLite all of it on the event loop
      }
      await sleep(5);
      ran += 1;
    } finally {
      runningNow--;
    }
  },
});

// A job that is nothing but SQLite queries: on SQLite they are synchronous calls chained by promises, so a run of
// such jobs never leaves the microtask queue unless the worker lets the event loop turn.
const QUERY_JOB = "test.queries-only";
let queryJobsRan = 0;
defineJob(QUERY_JOB, {
  async perform(_payload, { db }) {
    for (let i = 0; i < 20; i++) await db.job.count();
    queryJobsRan += 1;
  },
});

/** Keeps the event loop ~90 % busy, as a webhook burst would, until stopped. */
function busyEventLoop(): () => void {
  const timer = setInterval(() => {
    const until = Date.now() + 9;
    while (Date.now() < until) {
      // spin: the CPU time requests would take
    }
  }, 10);
  return () => clearInterval(timer);
}

/** A stand-in for the webhook intake: requests in flight from now until stopped. */
function servingRequests(): () => Promise<void> {
  let stop!: () => void;
  const done = new Promise<void>((resolve) => (stop = resolve));
  const served = servingRequest(() => done);
  return async () => {
    stop();
    await served;
  };
}

describe("a worker in the web server's process", () => {
  let db: PrismaClient;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ prisma: db, drop } = await createTestDatabase("sqlite", { name: "busy" }));
  });
  afterAll(async () => {
    await drop?.();
  });
  beforeEach(async () => {
    await clearQueueTables(db);
    ran = 0;
    runningNow = 0;
    mostAtOnce = 0;
    jobSpinMs = 0;
    for (let i = 0; i < 24; i++) await enqueue(db, { type: COUNT_JOB });
  });

  it("GIVEN requests keeping the event loop 90 % busy WHEN the worker may take 50 % THEN it runs about one job a second, and the rest once they stop", async () => {
    const stopBusy = busyEventLoop();
    const stopRequests = servingRequests();
    const worker = startWorker({ db, concurrency: 4, pollIntervalMs: 20, maxEventLoopUtilization: 0.5 });
    try {
      await sleep(1_300);
      // Only the one-job-a-second floor went through: the requests left the worker no room.
      expect(ran).toBeGreaterThan(0);
      expect(ran).toBeLessThanOrEqual(2);
    } finally {
      stopBusy();
      await stopRequests();
    }
    await waitFor("every job to run once the requests stop", async () => ran === 24, { timeoutMs: 10_000 });
    await worker.stop();
  });

  it("GIVEN requests that leave the event loop mostly idle THEN the worker keeps going, one job at a time", async () => {
    const stopRequests = servingRequests();
    const worker = startWorker({ db, concurrency: 4, pollIntervalMs: 20, maxEventLoopUtilization: 0.5 });
    try {
      await waitFor("several jobs to run while requests are served", async () => ran >= 6, { timeoutMs: 5_000 });
      expect(requestsActive()).toBe(true);
      expect(mostAtOnce).toBe(1);
    } finally {
      await stopRequests();
      await worker.stop();
    }
  });

  it("GIVEN no requests WHEN the worker's own jobs keep the event loop busy THEN it still runs at full concurrency", async () => {
    // On SQLite every query runs on the event loop: a worker alone must not mistake its own work for a burst.
    jobSpinMs = 20;
    const worker = startWorker({ db, concurrency: 4, pollIntervalMs: 20, maxEventLoopUtilization: 0.5 });
    try {
      await waitFor("every job to run at full speed", async () => ran === 24, { timeoutMs: 3_000 });
      expect(mostAtOnce).toBeGreaterThan(1);
    } finally {
      await worker.stop();
    }
  });

  it("GIVEN a backlog of jobs that only query SQLite WHEN no request is in flight yet THEN the event loop still turns between jobs", async () => {
    // Without the turn, the sockets are never read while the backlog drains: the next webhook is not even seen, so
    // the worker never learns that it should give way (bench:webhooks answered a 200/s stream seconds late).
    await clearQueueTables(db);
    queryJobsRan = 0;
    for (let i = 0; i < 150; i++) await enqueue(db, { type: QUERY_JOB });
    let last = performance.now();
    let longestGapMs = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
    }, 2);
    const worker = startWorker({ db, concurrency: 4, pollIntervalMs: 20, maxEventLoopUtilization: 0.5 });
    try {
      await waitFor("the backlog to drain", async () => queryJobsRan === 150, { timeoutMs: 20_000 });
    } finally {
      clearInterval(ticker);
      await worker.stop();
    }
    // One job's queries at a time (four interleaved at most), not the whole backlog: a few ms here; seconds without.
    expect(longestGapMs).toBeLessThan(150);
  });

  it("GIVEN requests keeping the event loop busy WHEN the worker has no limit THEN it runs everything meanwhile (the control)", async () => {
    const stopBusy = busyEventLoop();
    const stopRequests = servingRequests();
    const worker = startWorker({ db, concurrency: 4, pollIntervalMs: 20 });
    try {
      await waitFor("every job to run despite the busy loop", async () => ran === 24, { timeoutMs: 1_300 });
    } finally {
      stopBusy();
      await stopRequests();
      await worker.stop();
    }
  });
});
