// The app's job registry: failures of shop jobs reach the activity log; system schedules are ensured at start.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { PrismaClient } from "~/db.server";
import { enqueue } from "~/jobs/queue.server";
import { startJobRunner, systemSchedules } from "~/jobs/registry.server";
import { runUntilIdle } from "~/jobs/worker.server";

import { createTestDatabase } from "../support/db";
import { RECORD_JOB, TEST_SHOP } from "./fixtures/test-jobs";
import { clearQueueTables } from "./support";

describe("job registry", () => {
  let db: PrismaClient;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ prisma: db, drop } = await createTestDatabase("sqlite", { name: "registry" }));
  });
  afterAll(async () => {
    await drop?.();
  });
  beforeEach(async () => {
    await clearQueueTables(db);
  });

  it("GIVEN a shop job that fails twice and a system job that dies WHEN they run THEN only the shop job's failures are in the activity log", async () => {
    const shopJob = await enqueue(db, { type: RECORD_JOB, shop: TEST_SHOP, payload: { failTimes: 9 }, maxAttempts: 2 });
    await enqueue(db, { type: RECORD_JOB, payload: { permanent: true } });
    const now = new Date();

    await runUntilIdle({ db, clock: () => now });
    await runUntilIdle({ db, clock: () => new Date(now.getTime() + 60_000) });

    const entries = await db.activityLog.findMany({ where: { kind: "job" }, orderBy: { createdAt: "asc" } });
    const failures = entries.filter((e) => e.status !== "ran");
    expect(failures.map((e) => [e.shop, e.name, e.status, e.reference])).toEqual([
      [TEST_SHOP, RECORD_JOB, "retry", shopJob.id],
      [TEST_SHOP, RECORD_JOB, "dead", shopJob.id],
    ]);
    expect(JSON.parse(failures[1].detail)).toMatchObject({ attempt: 2, maxAttempts: 2, error: "Error: planned failure 2" });
    expect(JSON.parse(failures[0].detail).nextRunAt).toEqual(expect.any(String));
  });

  it("GIVEN a fresh database WHEN the job runner starts THEN the system schedules exist", async () => {
    const worker = await startJobRunner({ db, pollIntervalMs: 50 });
    await worker.stop();

    const names = (await db.schedule.findMany()).map((s) => s.name).sort();
    expect(names).toEqual(systemSchedules.map((s) => s.name).sort());
  });
});
