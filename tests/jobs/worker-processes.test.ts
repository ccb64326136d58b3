// Several `npm run worker` processes (the real entry, scripts/worker.ts) against one PostgreSQL database: no job
// runs twice, a SIGKILLed worker's job is finished by another after its lease, SIGTERM lets the running job finish.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { PrismaClient } from "~/db.server";
import { enqueue } from "~/jobs/queue.server";

import { createTestDatabase, postgresAvailable, postgresSkipReason } from "../support/db";
import { RECORD_JOB, TEST_SHOP } from "./fixtures/test-jobs";
import { recordedRuns, waitFor } from "./support";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = path.join(root, "tests/jobs/fixtures/test-jobs.ts");
const LEASE_MS = 1500;

const pgUp = await postgresAvailable();
const title = pgUp
  ? "job workers as separate processes on PostgreSQL"
  : `job workers as separate processes on PostgreSQL (skipped: ${postgresSkipReason()})`;

describe.skipIf(!pgUp)(title, () => {
  let db: PrismaClient;
  let url: string;
  let drop: () => Promise<void>;
  const workers = new Map<string, { child: ChildProcess; output: string[] }>();

  /** Starts `node --import tsx scripts/worker.ts` (the source `npm run worker` runs compiled; the fixture's test jobs
   *  need the loader anyway) and resolves once it polls. tests/integration/built-entries.test.ts starts the build. */
  async function startWorkerProcess(workerId: string): Promise<ChildProcess> {
    const output: string[] = [];
    // node directly, not `npx tsx`: a signal must reach the worker itself, not a wrapper process.
    const child = spawn(process.execPath, ["--import", "tsx", "--import", fixture, "scripts/worker.ts"], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: url,
        WORKER_ID: workerId,
        WORKER_CONCURRENCY: "4",
        WORKER_POLL_INTERVAL_MS: "50",
        WORKER_LEASE_MS: String(LEASE_MS),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    workers.set(workerId, { child, output });
    const ready = new Promise<void>((resolve, reject) => {
      child.on("message", (message: { type?: string }) => message.type === "ready" && resolve());
      child.on("exit", (code) => reject(new Error(`worker ${workerId} exited (${code}) before it was ready:\n${output.join("")}`)));
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`worker ${workerId} not ready after 30 s:\n${output.join("")}`)), 30_000).unref(),
    );
    await Promise.race([ready, timeout]);
    return child;
  }

  async function exitOf(child: ChildProcess): Promise<number | null> {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const [code] = (await once(child, "exit")) as [number | null];
    return code;
  }

  beforeAll(async () => {
    const created = await createTestDatabase("postgresql", { name: "jobprocs" });
    db = created.prisma;
    url = created.url;
    drop = created.drop;
    await Promise.all(["w1", "w2", "w3"].map(startWorkerProcess));
  }, 60_000);

  afterAll(async () => {
    for (const { child } of workers.values()) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    await drop?.();
  });

  it("GIVEN three worker processes WHEN 300 jobs are enqueued THEN every job runs exactly once", async () => {
    const total = 300;
    await db.job.createMany({
      data: Array.from({ length: total }, () => ({ type: RECORD_JOB, shop: TEST_SHOP, payload: '{"holdMs":2}' })),
    });

    await waitFor("all 300 jobs done", async () => (await db.job.count({ where: { status: "done" } })) === total, {
      timeoutMs: 30_000,
    });

    const runs = await recordedRuns(db);
    const perJob = new Map<string, number>();
    for (const run of runs) perJob.set(run.jobId, (perJob.get(run.jobId) ?? 0) + 1);
    expect(perJob.size).toBe(total);
    expect([...perJob.values()].filter((count) => count !== 1)).toEqual([]);
    expect(await db.job.count({ where: { attempts: { not: 1 } } })).toBe(0);
    // The work was shared, so the workers really raced for the same rows.
    expect(new Set(runs.map((r) => r.workerId)).size).toBeGreaterThanOrEqual(2);
  }, 40_000);

  it("GIVEN a worker killed mid-job THEN after the lease expires another worker finishes the job", async () => {
    const { id } = await enqueue(db, { type: RECORD_JOB, shop: TEST_SHOP, payload: { holdFirstAttemptMs: 60_000 } });
    const [first] = await waitFor("the job to start", async () => {
      const runs = await recordedRuns(db, id);
      return runs.length > 0 ? runs : undefined;
    });
    const victim = workers.get(first.workerId)!.child;

    victim.kill("SIGKILL");
    await exitOf(victim);

    const done = await waitFor(
      "another worker to finish the job",
      async () => {
        const row = await db.job.findUniqueOrThrow({ where: { id } });
        return row.status === "done" ? row : undefined;
      },
      { timeoutMs: LEASE_MS + 10_000 },
    );
    expect(done.attempts).toBe(2);
    expect(done.lockedBy).not.toBe(first.workerId);
    const runs = await recordedRuns(db, id);
    expect(runs.map((r) => [r.workerId === first.workerId, r.attempt])).toEqual([
      [true, 1],
      [false, 2],
    ]);
  }, 30_000);

  it("GIVEN a worker running a job WHEN it gets SIGTERM THEN it finishes the job and exits 0", async () => {
    const { id } = await enqueue(db, { type: RECORD_JOB, shop: TEST_SHOP, payload: { holdMs: 800 } });
    const [started] = await waitFor("the job to start", async () => {
      const runs = await recordedRuns(db, id);
      return runs.length > 0 ? runs : undefined;
    });
    const worker = workers.get(started.workerId)!.child;

    worker.kill("SIGTERM");

    expect(await exitOf(worker)).toBe(0);
    expect(await db.job.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "done",
      attempts: 1,
      lockedBy: started.workerId,
    });
  }, 30_000);
});
