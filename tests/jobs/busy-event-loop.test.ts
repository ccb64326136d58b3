// A worker sharing its process with the web server backs off while the event loop is busy, and catches up after.
import { setTimeout as sleep } from "node:timers/promises";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { PrismaClient } from "~/db.server";
import { defineJob } from "~/jobs/define.server";
import { enqueue } from "~/jobs/queue.server";
import { startWorker } from "~/jobs/worker.server";

import { createTestDatabase } from "../support/db";
import { clearQueueTables, waitFor } from "./support";

const COUNT_JOB = "test.count-busy";
let ran = 0;
defineJob(COUNT_JOB, {
  async perform() {
    ran += 1;
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
    for (let i = 0; i < 24; i++) await enqueue(db, { type: COUNT_JOB });
  });

  it("GIVEN a busy event loop WHEN the worker may use at most 50 % of it THEN it runs one job a second, and the rest once the loop is free", async () => {
    const stopBusy = busyEventLoop();
    const worker = startWorker({ db, concurrency: 4, pollIntervalMs: 20, maxEventLoopUtilization: 0.5 });
    try {
      await sleep(1_300);
      // Only the one-job-a-second floor went through while the loop was busy.
      expect(ran).toBeGreaterThan(0);
      expect(ran).toBeLessThanOrEqual(2);
    } finally {
      stopBusy();
    }
    await waitFor("every job to run once the loop is free", async () => ran === 24, { timeoutMs: 10_000 });
    await worker.stop();
  });

  it("GIVEN the same busy event loop WHEN the worker has no limit THEN it runs everything meanwhile (the control)", async () => {
    const stopBusy = busyEventLoop();
    const worker = startWorker({ db, concurrency: 4, pollIntervalMs: 20 });
    try {
      await waitFor("every job to run despite the busy loop", async () => ran === 24, { timeoutMs: 1_300 });
    } finally {
      stopBusy();
      await worker.stop();
    }
  });
});
