/**
 * The bulk runner (app/bulk) against the Shopify simulator, on SQLite and PostgreSQL: a run from submit to
 * completed, Shopify's failure endings (FAILED, partial data, CANCELED, EXPIRED), a worker that dies mid-stream
 * and another that resumes, the refusal of a second concurrent run, a busy shop, a kind that stops when its sync
 * is turned off, and a 150,000-line result streamed in bounded memory. The kinds used here are defined by the test;
 * the app's own kind (purchases.backfill) has its tests in tests/purchases/backfill.test.ts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import v8 from "node:v8";
import vm from "node:vm";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";

import { DEMO_SHOP, startSimulator, type Simulator } from "../simulator";
import { loadAppFor, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { TEST_API_KEY, TEST_API_SECRET } from "../support/webhooks";

type Define = typeof import("~/bulk/define.server");
type Runner = typeof import("~/bulk/runner.server");
type BulkLine = import("~/bulk/define.server").BulkLine;

const pgUp = await postgresAvailable();
const SHOP = DEMO_SHOP;
const SCOPES = ["read_products", "read_orders"];
const PRODUCTS_QUERY = `query TestProducts { products { edges { node { id title variants { edges { node { id sku } } } } } } }`;

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    appUrl: "http://127.0.0.1:9",
    seed: { customers: 0, products: 12, orders: 0, bigIdShop: false, scopes: SCOPES },
    quiet: true,
    bulkPhaseMs: 5,
  });
});

afterAll(async () => {
  await sim?.close();
});

/** What a test kind saw: every line it applied (by id, with how often), and the hooks it got. */
interface Seen {
  applied: Map<string, number>;
  batches: number[];
  finished: number;
  failed: { code: string; message: string }[];
  /** Called before each batch is applied; may block or throw to play a dying worker. */
  beforeBatch?: (batch: number) => Promise<void>;
  stopReason: string | null;
  maxMemory: number;
}

function newSeen(): Seen {
  return { applied: new Map(), batches: [], finished: 0, failed: [], stopReason: null, maxMemory: 0 };
}

const lineKey = (line: BulkLine) => String(line.id);

// A full garbage collection on demand (vitest runs without --expose-gc), so memory figures count live data only.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
function liveMemory(): number {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}
const big = { next: 0, bigIdAt: 777 };

describe.each(["sqlite", "postgresql"] as const)("bulk runner on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against the simulator", () => {
    let database: TestDatabase;
    let define: Define;
    let runner: Runner;
    let runUntilIdle: typeof import("~/jobs/worker.server").runUntilIdle;
    let seen: Seen;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "bulk" });
      process.env.LOG_LEVEL = "silent";
      await loadAppFor(database, { simulatorOrigin: sim.origin });
      define = await import("~/bulk/define.server");
      runner = await import("~/bulk/runner.server");
      runUntilIdle = (await import("~/jobs/worker.server")).runUntilIdle;

      const common = {
        paramsSchema: z.object({ label: z.string() }),
        async consume(_ctx: unknown, lines: BulkLine[]) {
          const batch = seen.batches.length + 1;
          await seen.beforeBatch?.(batch);
          seen.batches.push(lines.length);
          for (const line of lines) seen.applied.set(lineKey(line), (seen.applied.get(lineKey(line)) ?? 0) + 1);
        },
        async finished() {
          seen.finished += 1;
        },
        async failed(_ctx: unknown, error: { code: string; message: string }) {
          seen.failed.push({ code: error.code, message: error.message });
        },
        async proceed() {
          return seen.stopReason;
        },
      };
      define.defineBulkKind({ ...common, kind: "test.products", query: () => PRODUCTS_QUERY, batchSize: 10 });
      define.defineBulkKind({ ...common, kind: "test.grouped", query: () => PRODUCTS_QUERY, batchSize: 10, groupObjects: true });
      define.defineBulkKind({
        kind: "test.big",
        paramsSchema: z.object({}),
        query: () => PRODUCTS_QUERY,
        async consume(_ctx, lines) {
          // Checks order and completeness without keeping anything: line i carries number i.
          for (const line of lines) {
            if (line.n !== big.next) throw new Error(`line ${String(line.n)} arrived where ${big.next} was expected`);
            if (line.n === big.bigIdAt && line.id !== `gid://shopify/Product/${2n ** 53n + 1n}`) throw new Error("the id above 2^53 lost digits");
            big.next += 1;
          }
          seen.batches.push(lines.length);
          // What is still referenced, not garbage waiting for a collection: measured after a full GC.
          if (seen.batches.length % 50 === 0) seen.maxMemory = Math.max(seen.maxMemory, liveMemory());
        },
      });
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    let token = "";
    beforeEach(async () => {
      sim.reset();
      sim.graphql.bulk.phaseMs = 5;
      sim.graphql.bulk.maxConcurrent = 5;
      sim.store.now = () => Date.now();
      token = sim.accessToken(SHOP);
      seen = newSeen();
      const db = database.prisma;
      for (const model of [db.bulkRun, db.job, db.activityLog, db.session, db.shop]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      await db.shop.create({ data: { shop: SHOP, scopes: SCOPES.join(",") } });
      await db.session.create({
        data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: token, scope: SCOPES.join(",") },
      });
    });

    const db = () => database.prisma;
    const run = (id: string) => db().bulkRun.findUniqueOrThrow({ where: { id } });
    /** Every line the simulator's products query yields: products and variants. */
    const expectedLines = () => {
      const shop = sim.store.shop(SHOP);
      return shop.products.size + shop.variants.size;
    };
    /** Runs the jobs due now (not the polls queued for later): one step of a run. */
    async function step(id: string) {
      await runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000 });
      return run(id);
    }
    /** Runs due jobs with a clock `aheadMs` ahead, so that polls are due, until the run ends (or `until` holds). */
    async function drive(id: string, until: (status: string) => boolean = (s) => !["pending", "running", "processing"].includes(s), aheadMs = 10 * 60_000) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        await runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000, clock: () => new Date(Date.now() + aheadMs) });
        const current = await run(id);
        if (until(current.status)) return current;
        if (Date.now() > deadline) throw new Error(`run ${id} still ${current.status}`);
        await sleep(10);
      }
    }

    it("GIVEN a run WHEN Shopify completes THEN every line is applied once, in batches, and the run is completed", async () => {
      const { run: started, created } = await runner.startBulkRun(db(), SHOP, "test.products", { label: "a" });
      expect(created).toBe(true);
      expect(started.status).toBe("pending");
      expect(await db().job.count({ where: { type: "bulk.run", shop: SHOP } })).toBe(1);

      const done = await drive(started.id);
      expect(done).toMatchObject({ status: "completed", error: null, linesProcessed: expectedLines(), linesTotal: expectedLines(), objectCount: expectedLines() });
      expect(done.bulkOperationId).toMatch(/^gid:\/\/shopify\/BulkOperation\/\d+$/);
      expect(done.finishedAt).not.toBeNull();
      expect(seen.applied.size).toBe(expectedLines());
      expect([...seen.applied.values()].every((n) => n === 1)).toBe(true);
      expect(seen.batches.every((n) => n === 10 || n === seen.batches.at(-1))).toBe(true);
      expect(seen.finished).toBe(1);
      expect(seen.failed).toEqual([]);
      expect(runner.bulkRunProgress(done)).toMatchObject({ status: "completed", phase: "completed", percent: 100, active: false });
      const activity = await db().activityLog.findFirstOrThrow({ where: { shop: SHOP, kind: "job", name: "test.products" } });
      expect(activity.status).toBe("completed");
    });

    it("GIVEN Shopify still collecting WHEN the job polls THEN objectCount is recorded and the next poll is queued", async () => {
      sim.graphql.bulk.phaseMs = 60_000; // the simulator's own timers stay out of the way
      const { run: started } = await runner.startBulkRun(db(), SHOP, "test.products", { label: "slow" });
      const submitted = await step(started.id);
      expect(submitted.status).toBe("running");
      // Shopify has read 7 objects so far.
      const op = sim.store.shop(SHOP).bulkOperations.get(submitted.bulkOperationId!.split("/").pop()!)!;
      Object.assign(op, { status: "RUNNING", objectCount: 7 });
      // The first poll is due 2 s after submitting, the next one 3 s after that: run only the first.
      await runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000, clock: () => new Date(Date.now() + 2_500) });
      const polled = await run(started.id);
      expect(polled).toMatchObject({ status: "running", objectCount: 7 });
      expect(runner.bulkRunProgress(polled)).toMatchObject({ phase: "collecting", percent: null, active: true, objectCount: 7 });
      const next = await db().job.findFirstOrThrow({ where: { type: "bulk.run", status: "queued" } });
      expect(next.runAt.getTime() - Date.now()).toBeGreaterThan(2_000);
      expect(JSON.parse(next.payload)).toEqual({ runId: started.id, step: 2 });
    });

    it("GIVEN grouped output THEN every batch starts with a product and holds its variants", async () => {
      const batches: BulkLine[][] = [];
      seen.beforeBatch = async () => {};
      const original = define.getBulkKind("test.grouped")!;
      const consume = original.consume;
      original.consume = async (ctx, lines) => {
        batches.push(lines);
        await consume(ctx, lines);
      };
      try {
        const { run: started } = await runner.startBulkRun(db(), SHOP, "test.grouped", { label: "g" });
        expect((await drive(started.id)).status).toBe("completed");
      } finally {
        original.consume = consume;
      }
      for (const batch of batches) {
        expect(batch[0].__parentId).toBeUndefined();
        const roots = new Set(batch.filter((l) => l.__parentId === undefined).map((l) => l.id));
        expect(batch.every((l) => l.__parentId === undefined || roots.has(l.__parentId))).toBe(true);
      }
      expect(seen.applied.size).toBe(expectedLines());
    });

    it.each([
      [{ status: "FAILED", errorCode: "TIMEOUT" } as const, /took longer than Shopify allows/],
      [{ status: "FAILED", errorCode: "ACCESS_DENIED", partialData: true } as const, /lacks a permission.*read \d+ objects before it stopped; they were not applied/],
      [{ status: "CANCELED" } as const, /canceled in Shopify/],
    ])("GIVEN Shopify ends the operation %j THEN the run fails with the reason and failed() is told once", async (outcome, message) => {
      sim.graphql.bulk.injectOutcome(SHOP, outcome);
      const { run: started } = await runner.startBulkRun(db(), SHOP, "test.products", { label: "f" });
      const done = await drive(started.id);
      expect(done.status).toBe("failed");
      expect(done.error).toMatch(message);
      expect(seen.applied.size).toBe(0);
      expect(seen.failed).toHaveLength(1);
      expect(seen.finished).toBe(0);
      expect(runner.bulkRunProgress(done)).toMatchObject({ phase: "failed", active: false });
    });

    it("GIVEN the result is older than Shopify keeps it WHEN the run polls THEN it fails as expired", async () => {
      const { run: started } = await runner.startBulkRun(db(), SHOP, "test.products", { label: "old" });
      expect((await step(started.id)).status).toBe("running");
      await sleep(50); // the operation completes in Shopify
      sim.store.now = () => Date.now() + 8 * 86_400_000;
      const done = await drive(started.id);
      expect(done).toMatchObject({ status: "failed" });
      expect(done.error).toMatch(/kept 7 days/);
      expect(seen.failed.map((f) => f.code)).toEqual(["EXPIRED"]);
    });

    it("GIVEN a download interrupted mid-file WHEN the link has expired by the retry THEN the run fails as expired", async () => {
      seen.beforeBatch = async (batch) => {
        if (batch === 2) throw new Error("database went away");
      };
      const { run: started } = await runner.startBulkRun(db(), SHOP, "test.products", { label: "mid" });
      await drive(started.id, (s) => s === "processing");
      expect((await run(started.id)).linesProcessed).toBe(10);
      seen.beforeBatch = undefined;
      sim.store.now = () => Date.now() + 8 * 86_400_000;
      // Past the retry's backoff.
      const done = await drive(started.id, undefined, 20 * 60_000);
      expect(done.status).toBe("failed");
      expect(done.error).toMatch(/kept 7 days/);
    });

    it("GIVEN a worker that dies mid-stream WHEN another picks the job up after the lease THEN it resumes where the first stopped and every line is applied exactly once", async () => {
      const { run: started } = await runner.startBulkRun(db(), SHOP, "test.products", { label: "crash" });
      let release: (error: Error) => void = () => {};
      const dying = new Promise<void>((_resolve, reject) => (release = reject));
      let blocked = false;
      seen.beforeBatch = async (batch) => {
        if (batch === 3 && !blocked) {
          blocked = true;
          await dying; // the first worker hangs here: killed, as far as the queue can tell
        }
      };
      // Worker A: polls until it streams, then hangs inside the third batch.
      const workerA = (async () => {
        const deadline = Date.now() + 20_000;
        while (!blocked && Date.now() < deadline) {
          await runUntilIdle({ db: db(), concurrency: 1, leaseMs: 2_000, clock: () => new Date(Date.now() + 10 * 60_000) }).catch(() => 0);
          if (!blocked) await sleep(10);
        }
      })();
      const deadline = Date.now() + 20_000;
      while (!blocked && Date.now() < deadline) await sleep(10);
      expect(blocked).toBe(true);
      expect((await run(started.id)).linesProcessed).toBe(20);

      // Worker B, later than A's lease (A's heartbeats extend it from A's clock, 10 minutes ahead): takes the job
      // over and finishes the file.
      const done = await drive(started.id, undefined, 20 * 60_000);
      release(new Error("killed"));
      await workerA;
      expect(done.status).toBe("completed");
      expect(done.linesProcessed).toBe(expectedLines());
      // Batches 1 and 2 were not replayed; batch 3 was applied by B only (A never finished it).
      expect(seen.applied.size).toBe(expectedLines());
      expect([...seen.applied.values()].every((n) => n === 1)).toBe(true);
      expect(seen.finished).toBe(1);
    });

    it("GIVEN a run of a kind is active WHEN another start is asked for THEN the active run is returned and nothing new starts", async () => {
      const first = await runner.startBulkRun(db(), SHOP, "test.products", { label: "one" });
      const second = await runner.startBulkRun(db(), SHOP, "test.products", { label: "two" });
      expect(second).toMatchObject({ created: false });
      expect(second.run.id).toBe(first.run.id);
      // Concurrent starts of another kind: exactly one wins.
      const racing = await Promise.all(Array.from({ length: 5 }, () => runner.startBulkRun(db(), SHOP, "test.grouped", { label: "race" })));
      expect(racing.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(racing.map((r) => r.run.id)).size).toBe(1);
      expect(await db().bulkRun.count({ where: { shop: SHOP } })).toBe(2);
      // Once finished, a new run may start.
      await drive(first.run.id);
      expect((await runner.startBulkRun(db(), SHOP, "test.products", { label: "three" })).created).toBe(true);
    });

    it("GIVEN an active run whose job was lost THEN a new start marks it failed and starts afresh", async () => {
      const first = await runner.startBulkRun(db(), SHOP, "test.products", { label: "lost" });
      await db().job.deleteMany({ where: { type: "bulk.run" } });
      const second = await runner.startBulkRun(db(), SHOP, "test.products", { label: "new" });
      expect(second.created).toBe(true);
      expect(await run(first.run.id)).toMatchObject({ status: "failed" });
      expect(seen.failed.map((f) => f.code)).toEqual(["INTERRUPTED"]);
    });

    it("GIVEN Shopify already runs as many bulk queries as it allows WHEN the run submits THEN it waits for a slot, then completes", async () => {
      sim.graphql.bulk.maxConcurrent = 1;
      sim.graphql.bulk.phaseMs = 300;
      const other = await fetch(`${sim.origin}/admin/api/2026-07/graphql.json`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "X-Simulator-Shop": SHOP },
        body: JSON.stringify({ query: `mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { bulkOperation { id } userErrors { message } } }` }),
      });
      expect(other.status).toBe(200);
      const { run: started } = await runner.startBulkRun(db(), SHOP, "test.products", { label: "busy" });
      await runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000 });
      const waiting = await run(started.id);
      expect(waiting).toMatchObject({ status: "pending", bulkOperationId: null, error: null });
      const next = await db().job.findFirstOrThrow({ where: { type: "bulk.run", status: "queued" } });
      expect(next.runAt.getTime() - Date.now()).toBeGreaterThan(50_000);
      await sleep(700); // the other operation finishes
      sim.graphql.bulk.phaseMs = 5;
      expect((await drive(started.id)).status).toBe("completed");
    });

    it("GIVEN the kind says stop (its sync was turned off) THEN the Shopify operation is canceled and the run ends canceled", async () => {
      sim.graphql.bulk.phaseMs = 300;
      const { run: started } = await runner.startBulkRun(db(), SHOP, "test.products", { label: "stop" });
      const running = await step(started.id);
      expect(running.status).toBe("running");
      seen.stopReason = "Purchase sync is off.";
      const done = await drive(started.id);
      expect(done).toMatchObject({ status: "canceled", error: "Purchase sync is off." });
      expect(seen.failed.map((f) => f.code)).toEqual(["STOPPED"]);
      const id = running.bulkOperationId!.split("/").pop()!;
      expect(["CANCELING", "CANCELED"]).toContain(sim.store.shop(SHOP).bulkOperations.get(id)!.status);
      expect(runner.bulkRunProgress(done).phase).toBe("canceled");
    });

    it("GIVEN a shop that uninstalled the app WHEN the run submits THEN it fails saying so, without retrying", async () => {
      await db().shop.update({ where: { shop: SHOP }, data: { uninstalledAt: new Date() } });
      const { run: started } = await runner.startBulkRun(db(), SHOP, "test.products", { label: "gone" });
      const done = await drive(started.id);
      expect(done).toMatchObject({ status: "failed", error: "The app was uninstalled from the store." });
      expect(await db().job.count({ where: { type: "bulk.run", status: "queued" } })).toBe(0);
    });

    describe("a 150,000-line result", () => {
      let server: Server;
      let url = "";
      const LINES = 150_000;
      const PAD = "x".repeat(600);
      let bytes = 0;

      beforeAll(async () => {
        // Written line by line as the client reads it, so the file is never whole anywhere in this process.
        server = createServer((_req, res) => {
          res.writeHead(200, { "Content-Type": "application/jsonl" });
          let i = 0;
          const write = () => {
            let ok = true;
            while (i < LINES && ok) {
              // Ids of today's size, one above 2^53 (the lossless path), and a numeric field per line.
              const id = i === big.bigIdAt ? `${2n ** 53n + 1n}` : `${7_000_000_000_000 + i}`;
              const line = `{"id":"gid://shopify/Product/${id}","n":${i},"title":"Product ${i}","pad":"${PAD}"}\n`;
              bytes += Buffer.byteLength(line);
              ok = res.write(line);
              i++;
            }
            if (i >= LINES) res.end();
            else res.once("drain", write);
          };
          write();
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/result.jsonl`;
      });

      afterAll(async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });

      it("GIVEN a completed operation whose JSONL is over 90 MB WHEN the run applies it THEN memory stays bounded and every line is applied", { timeout: 120_000 }, async () => {
        bytes = 0;
        big.next = 0;
        const { run: started } = await runner.startBulkRun(db(), SHOP, "test.big", {});
        // Shopify's part is covered above: start here from a completed operation whose file is at `url`.
        await db().bulkRun.update({
          where: { id: started.id },
          data: { status: "processing", bulkOperationId: "gid://shopify/BulkOperation/1", resultUrl: url, objectCount: LINES, linesTotal: LINES },
        });
        const baseline = liveMemory();
        const startedAt = Date.now();
        const done = await drive(started.id);
        const seconds = (Date.now() - startedAt) / 1000;
        expect(done).toMatchObject({ status: "completed", linesProcessed: LINES, linesTotal: LINES });
        expect(big.next).toBe(LINES);
        expect(seen.batches.reduce((a, b) => a + b, 0)).toBe(LINES);
        const growthMb = (seen.maxMemory - baseline) / 2 ** 20;
        const fileMb = bytes / 2 ** 20;
        console.info(`bulk stream (${provider}): ${LINES} lines, ${fileMb.toFixed(0)} MB in ${seconds.toFixed(1)} s; live heap+buffers at most ${growthMb.toFixed(1)} MB above the start`);
        expect(fileMb).toBeGreaterThan(90);
        // Holding the file (or its lines) would take at least its own size; streaming keeps a batch and a chunk.
        expect(growthMb).toBeLessThan(16);
      });
    });
  });
});
