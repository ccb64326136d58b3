import { setTimeout as sleep } from "node:timers/promises";

import type { Db } from "~/db.server";

import { RECORD_JOB } from "./fixtures/test-jobs";

/**
 * Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. For state that
 * lives in the database (another process's progress), where there is no event to await.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 10_000, everyMs = 25 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface Run {
  jobId: string;
  workerId: string;
  attempt: number;
}

/** Every recorded execution of test.record jobs (see fixtures/test-jobs.ts), oldest first. */
export async function recordedRuns(db: Db, jobId?: string): Promise<Run[]> {
  const rows = await db.activityLog.findMany({
    where: { name: RECORD_JOB, status: "ran", ...(jobId ? { reference: jobId } : {}) },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((row) => {
    const detail = JSON.parse(row.detail) as { workerId: string; attempt: number };
    return { jobId: row.reference ?? "", workerId: detail.workerId, attempt: detail.attempt };
  });
}

export async function clearQueueTables(db: Db): Promise<void> {
  await db.job.deleteMany();
  await db.schedule.deleteMany();
  await db.activityLog.deleteMany();
}

export const msAfter = (base: Date, ms: number) => new Date(base.getTime() + ms);
