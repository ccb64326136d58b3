/**
 * npm run bench:purchases — a flash-sale burst of orders/create deliveries built with the Shopify simulator (10%
 * duplicates, some out of order) against the app on SQLite and on PostgreSQL and against the bare HMAC server; then,
 * once the in-process worker has drained its backlog, what the app registered: exactly one purchase per order, no
 * delivery lost or doubled, the newest order state kept. See bench/README.md.
 *
 *   npx tsx bench/purchases.ts [--skip-build] [--targets=bare,app-sqlite,app-postgresql] [--rate=200]
 *                              [--concurrency=32] [--orders=4500] [--no-worker] [--cpu-prof] [--probe] [--server-build=PATH]
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

import {
  baseEnv,
  ensureBuild,
  freePort,
  loadTestDbModule,
  log,
  LOG_DIR,
  pad,
  post,
  postgresBackendPids,
  PROFILE_DIR,
  profileArgs,
  APP_SERVER,
  removeOnInterrupt,
  ROOT,
  runPhase,
  startProcess,
  summarisePhase,
  TSX_IMPORT,
  waitHealthy,
  type PhaseRun,
  type PhaseSummary,
  type Server,
  type TestDatabase,
} from "./lib/harness";
import type { PhaseResult } from "./lib/load";
import { describeBurst, orderKey, simulatedBurst, type BurstSpec, type OrderBurst } from "./lib/orders";
import { hmacBase64, type BenchRequest, type Phase } from "./lib/payloads";
import { round } from "./lib/stats";

// ---------------------------------------------------------------------------------------------------------------
// The plan

/**
 * The issue's burst: 5,000 orders/create of which 10% duplicates, for 4,500 orders; plus out-of-order updates.
 * `--orders=N` scales it (duplicates stay 10% of the creates) for quicker diagnostic runs.
 */
const DEFAULT_ORDERS = 4_500;
function burstOf(orders: number): Omit<BurstSpec, "name" | "seed"> {
  const duplicates = Math.round(orders / 9);
  const updates = Math.round(orders / 45);
  return {
    shops: 8,
    orders,
    duplicates,
    duplicatesWithOriginal: Math.round(duplicates / 2),
    updatesBeforeCreate: updates,
    updatesAfterCreate: updates,
    shuffleWindow: 10,
  };
}
/** Warms the app's code paths (Remix, Prisma, the purchase handler) on shops of its own; not reported. */
const WARMUP: Omit<BurstSpec, "name" | "seed"> = {
  shops: 2,
  orders: 450,
  duplicates: 50,
  duplicatesWithOriginal: 25,
  updatesBeforeCreate: 10,
  updatesAfterCreate: 10,
  shuffleWindow: 10,
};
const WARMUP_CONCURRENCY = 16;
/**
 * Shopify sends each delivery as its own request and does not wait for one answer before sending the next, so a
 * flash sale reaches the endpoint as many concurrent requests. 32 connections is what bench:webhooks uses; with
 * two cores, more only lengthens the queue inside the server (slower answers, not more of them).
 */
const DEFAULT_CONCURRENCY = 32;
/**
 * The answer-time burst arrives open loop at this rate: 200 orders/s is 12× the ~1,000 orders a minute of
 * Shopify's flash-sale guidance (several shops selling out at once), and what bench:webhooks paces at.
 */
const DEFAULT_RATE = 200;
/** Long enough for the in-process worker to process a whole burst on a loaded two-core machine (PostgreSQL: ~20 jobs/s). */
const DRAIN_TIMEOUT_MS = 600_000;
const GOALS = { p999Ms: 250 };

type TargetName = "bare" | "app-sqlite" | "app-postgresql";
const ALL_TARGETS: TargetName[] = ["bare", "app-sqlite", "app-postgresql"];

function parseArgs(argv: string[]) {
  let skipBuild = false;
  let cpuProf = false;
  let probe = false;
  let inProcessWorker = true;
  let targets = ALL_TARGETS;
  let rate = DEFAULT_RATE;
  let concurrency = DEFAULT_CONCURRENCY;
  let orders = DEFAULT_ORDERS;
  let serverBuild: string | undefined;
  const positive = (arg: string) => {
    const n = Number(arg.slice(arg.indexOf("=") + 1));
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${arg}: a positive integer is needed`);
    return n;
  };
  for (const arg of argv) {
    if (arg === "--skip-build") skipBuild = true;
    else if (arg === "--cpu-prof") cpuProf = true;
    else if (arg === "--probe") probe = true;
    else if (arg === "--no-worker") inProcessWorker = false;
    else if (arg.startsWith("--rate=")) rate = positive(arg);
    else if (arg.startsWith("--concurrency=")) concurrency = positive(arg);
    else if (arg.startsWith("--orders=")) orders = positive(arg);
    else if (arg.startsWith("--server-build=")) serverBuild = path.resolve(arg.slice("--server-build=".length));
    else if (arg.startsWith("--targets=")) {
      const names = arg.slice("--targets=".length).split(",");
      for (const n of names) if (!ALL_TARGETS.includes(n as TargetName)) throw new Error(`unknown target ${n}`);
      targets = names as TargetName[];
    } else {
      throw new Error(
        `unknown argument ${arg}\nusage: npx tsx bench/purchases.ts [--skip-build] [--targets=${ALL_TARGETS.join(",")}] [--rate=N] [--concurrency=N] [--orders=N] [--no-worker] [--cpu-prof] [--probe] [--server-build=PATH]`,
      );
    }
  }
  if (serverBuild && !existsSync(serverBuild)) throw new Error(`--server-build: ${serverBuild} does not exist`);
  return { skipBuild: skipBuild || serverBuild !== undefined, cpuProf, probe, inProcessWorker, targets, rate, concurrency, orders, serverBuild };
}

type Options = ReturnType<typeof parseArgs>;

interface Plan {
  warmup: OrderBurst;
  /** Sent as fast as `concurrency` connections allow: throughput. */
  saturation: OrderBurst;
  /** Sent open loop at `rate`: answer times. */
  paced: OrderBurst;
}

function makePlan(options: Options): Plan {
  return {
    warmup: simulatedBurst({ ...WARMUP, name: "warm", seed: 1 }),
    saturation: simulatedBurst({ ...burstOf(options.orders), name: "sat", seed: 2 }),
    paced: simulatedBurst({ ...burstOf(options.orders), name: "paced", seed: 3 }),
  };
}

function phases(plan: Plan, options: Options): { warmup: Phase; saturation: Phase; paced: Phase } {
  return {
    warmup: { name: "warmup", mode: "closed", concurrency: WARMUP_CONCURRENCY, timeLimitMs: 60_000, requests: plan.warmup.requests },
    saturation: { name: "saturation", mode: "closed", concurrency: options.concurrency, timeLimitMs: 120_000, requests: plan.saturation.requests },
    paced: {
      name: "paced",
      mode: "open",
      ratePerSecond: options.rate,
      // Long enough to send everything at the rate, with room for a slow generator; a cut-short phase is reported.
      timeLimitMs: Math.ceil((plan.paced.requests.length / options.rate) * 1000) + 10_000,
      requests: plan.paced.requests,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The database side

/** The shops installed and their purchase switch on, as the control plane leaves them (no Shopify needed). */
async function enablePurchaseSync(db: TestDatabase, plan: Plan): Promise<void> {
  const shops = [...plan.warmup.shops, ...plan.saturation.shops, ...plan.paced.shops];
  const now = new Date();
  await db.prisma.shop.createMany({
    data: shops.map((s) => ({ shop: s.domain, shopifyId: s.id, name: s.name, scopes: "read_orders", installedAt: now })),
  });
  await db.prisma.syncSetting.createMany({
    data: shops.map((s) => ({ shop: s.domain, sync: "purchases", enabled: true, status: "on", options: "{}", enabledAt: now })),
  });
}

interface Backlog {
  jobs: Record<string, number>;
  deliveries: Record<string, number>;
}

async function backlogOf(db: TestDatabase, shops: string[]): Promise<Backlog> {
  const jobs = await db.prisma.job.groupBy({ by: ["status"], where: { type: "webhook.process", shop: { in: shops } }, _count: { _all: true } });
  const deliveries = await db.prisma.webhookDelivery.groupBy({ by: ["status"], where: { shop: { in: shops } }, _count: { _all: true } });
  return {
    jobs: Object.fromEntries(jobs.map((j) => [j.status, j._count._all])),
    deliveries: Object.fromEntries(deliveries.map((d) => [d.status, d._count._all])),
  };
}

interface Drain {
  drained: boolean;
  /** From the burst's last answer until no delivery of it waited to be processed. */
  ms: number;
  /** Right after the last answer: how far the in-process worker was behind. */
  atEnd: Backlog;
}

/** Waits (polling, with a timeout) until every delivery of the burst has been processed or has failed. */
async function drain(db: TestDatabase, shops: string[], timeoutMs: number): Promise<Drain> {
  const started = performance.now();
  const atEnd = await backlogOf(db, shops);
  for (;;) {
    const waiting =
      (await db.prisma.job.count({ where: { type: "webhook.process", shop: { in: shops }, status: { in: ["queued", "running"] } } })) +
      (await db.prisma.webhookDelivery.count({ where: { shop: { in: shops }, status: "received" } }));
    if (waiting === 0) return { drained: true, ms: round(performance.now() - started, 0), atEnd };
    if (performance.now() - started > timeoutMs) return { drained: false, ms: round(performance.now() - started, 0), atEnd };
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface BurstCheck {
  burst: string;
  sent: number;
  /** Distinct webhook ids answered 2xx: deliveries Shopify considers done. */
  acked: number;
  deliveryRows: number;
  /** Answered 2xx but no delivery row, or its delivery processed and still no purchase for its order. */
  lost: number;
  lostDeliveries: number;
  lostPurchases: number;
  /** Delivery rows beyond one per webhook id, plus purchases beyond one per (shop, order id). */
  doubled: number;
  purchases: number;
  /** Orders with at least one acknowledged delivery: the purchases that must exist. */
  expectedPurchases: number;
  /** Orders whose acknowledged deliveries are not all processed yet (the drain timed out, or a job is retrying). */
  pending: number;
  /** Purchases of orders the burst never sent. */
  unexpected: number;
  /** Purchases left with an older state than the newest acknowledged delivery of their order carried. */
  regressed: number;
  drain: Drain;
  /** Deliveries Shopify would have retried, resent after the burst. */
  resend: Resend;
  /** After the drain. */
  backlog: Backlog;
  errors: string[];
}

async function checkBurst(db: TestDatabase, burst: OrderBurst, sent: BenchRequest[], ackedIds: string[], drained: Drain, resend: Resend): Promise<BurstCheck> {
  const shops = burst.shops.map((s) => s.domain);
  const deliveries = await db.prisma.webhookDelivery.findMany({ where: { shop: { in: shops } }, select: { webhookId: true, status: true, error: true } });
  const statusOf = new Map(deliveries.map((d) => [d.webhookId, d.status]));
  const purchases = await db.prisma.purchase.findMany({ where: { shop: { in: shops } }, select: { shop: true, orderId: true, sourceUpdatedAt: true } });
  const stored = new Set(deliveries.map((d) => d.webhookId));
  const acked = new Set(ackedIds);

  // The state each order must end with: the newest one among its acknowledged deliveries.
  // Orders whose acknowledged deliveries are all processed are settled; the others are still pending.
  const newest = new Map<string, number>();
  const unsettled = new Set<string>();
  for (const id of acked) {
    const key = burst.orderOfWebhook.get(id);
    const at = burst.updatedAtOfWebhook.get(id);
    if (key === undefined || at === undefined) continue;
    newest.set(key, Math.max(newest.get(key) ?? 0, at));
    if (statusOf.has(id) && statusOf.get(id) !== "processed") unsettled.add(key);
  }
  const purchased = new Map<string, number>();
  const purchaseState = new Map<string, number>();
  for (const p of purchases) {
    const key = orderKey(p.shop, p.orderId);
    purchased.set(key, (purchased.get(key) ?? 0) + 1);
    purchaseState.set(key, p.sourceUpdatedAt.getTime());
  }
  const lostDeliveries = [...acked].filter((id) => !stored.has(id)).length;
  const lostPurchases = [...newest.keys()].filter((key) => !unsettled.has(key) && !purchased.has(key)).length;
  const doubledDeliveries = deliveries.length - stored.size;
  const doubledPurchases = [...purchased.values()].reduce((sum, n) => sum + n - 1, 0);
  const regressed = [...newest].filter(([key, at]) => !unsettled.has(key) && purchaseState.has(key) && purchaseState.get(key)! < at).length;
  const jobErrors = await db.prisma.job.findMany({
    where: { type: "webhook.process", shop: { in: shops }, lastError: { not: null } },
    select: { lastError: true },
    distinct: ["lastError"],
    take: 3,
  });
  return {
    burst: burst.spec.name,
    sent: new Set(sent.map((r) => r.webhookId)).size,
    acked: acked.size,
    deliveryRows: deliveries.length,
    lost: lostDeliveries + lostPurchases,
    lostDeliveries,
    lostPurchases,
    doubled: doubledDeliveries + doubledPurchases,
    purchases: purchases.length,
    expectedPurchases: newest.size,
    pending: unsettled.size,
    unexpected: [...purchased.keys()].filter((key) => !burst.orders.has(key)).length,
    regressed,
    drain: drained,
    resend,
    backlog: await backlogOf(db, shops),
    errors: [
      ...new Set([...deliveries.filter((d) => d.error).map((d) => `delivery: ${d.error}`), ...jobErrors.map((j) => `job: ${j.lastError}`)]),
    ].slice(0, 5),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Shopify's retries

interface Resend {
  /** Deliveries of the burst Shopify would count as failed (non-2xx, none, or after its 5 s deadline). */
  failed: number;
  resent: number;
  rounds: number;
  /** Still without a 2xx after the last round. */
  stillFailing: number;
}

const RETRY_ROUNDS = 3;
const RETRY_CONCURRENCY = 8;

/**
 * Shopify resends a delivery it counted as failed, byte for byte (hours later, with backoff); so does the
 * benchmark, right after the burst and gently, so that a delivery the app was too slow to answer is not mistaken
 * for a lost one. A late 2xx counts as failed too: its resend is a duplicate the app must absorb. Returns the webhook
 * ids answered 2xx in the end.
 */
async function resendFailed(run: (phase: Phase) => Promise<PhaseRun>, phase: Phase, result: PhaseResult): Promise<{ acked: string[]; resend: Resend }> {
  const acked = new Set(result.acked);
  const original = new Map(phase.requests.map((r) => [r.webhookId, r]));
  const resend: Resend = { failed: result.retryIds.length, resent: 0, rounds: 0, stillFailing: 0 };
  let ids = result.retryIds;
  while (ids.length > 0 && resend.rounds < RETRY_ROUNDS) {
    resend.rounds++;
    const requests = ids.map((id) => ({ ...original.get(id)!, duplicate: true, withPrevious: undefined }));
    const retry = await run({ name: `${phase.name}-retry-${resend.rounds}`, mode: "closed", concurrency: RETRY_CONCURRENCY, timeLimitMs: 120_000, requests });
    resend.resent += requests.length;
    for (const id of retry.result.acked) acked.add(id);
    ids = retry.result.retryIds.filter((id) => !acked.has(id));
  }
  resend.stillFailing = ids.length;
  return { acked: [...acked], resend };
}

// ---------------------------------------------------------------------------------------------------------------
// One target

interface TargetResult {
  target: TargetName;
  bootMs: number;
  badHmacStatus: number;
  saturation: PhaseSummary;
  paced: PhaseSummary;
  checks?: { saturation: BurstCheck; paced: BurstCheck };
  probe?: ProbeSummary;
}

async function benchTarget(target: TargetName, plan: Plan, workDir: string, options: Options): Promise<TargetResult> {
  const port = await freePort();
  let db: TestDatabase | undefined;
  let server: Server | undefined;
  const probeFile = path.join(workDir, `probe-${target}.json`);
  const dbPids = async (): Promise<number[]> => (db && target === "app-postgresql" ? postgresBackendPids(db) : []);
  const { warmup, saturation, paced } = phases(plan, options);
  try {
    if (target === "bare") {
      server = startProcess("bare", ["--import", TSX_IMPORT, path.join(ROOT, "bench/lib/bare-server.ts")], baseEnv(port), port, workDir);
    } else {
      const { createTestDatabase, postgresAvailable } = await loadTestDbModule();
      const provider = target === "app-sqlite" ? "sqlite" : "postgresql";
      if (provider === "postgresql" && !(await postgresAvailable())) throw new Error("no PostgreSQL server reachable (TEST_DATABASE_URL or 127.0.0.1:5432)");
      const started = performance.now();
      db = await createTestDatabase(provider, { name: "bench" });
      await enablePurchaseSync(db, plan);
      log(`${target}: fresh migrated database, purchase sync on for ${plan.warmup.shops.length + plan.saturation.shops.length + plan.paced.shops.length} shops, in ${Math.round(performance.now() - started)} ms`);
      const args = [
        ...(options.cpuProf ? profileArgs(target) : []),
        ...(options.probe ? ["--import", path.join(ROOT, "bench/lib/loop-probe.mjs")] : []),
        ...APP_SERVER,
        options.serverBuild ?? "build/server/index.js",
      ];
      const env = {
        ...baseEnv(port),
        DATABASE_URL: db.url,
        ...(options.inProcessWorker ? {} : { RUN_WORKER_IN_PROCESS: "false" }),
        ...(options.probe ? { BENCH_PROBE_FILE: probeFile } : {}),
      };
      server = startProcess(target, args, env, port, workDir);
    }
    const bootMs = await waitHealthy(server, 60_000);
    log(`${target}: /healthz 200 after ${Math.round(bootMs)} ms on ${server.origin}`);

    const probe = badHmacProbe(plan.saturation.requests[0]);
    const badHmacStatus = await post(server.origin, probe.path!, probe);

    const pid = server.child.pid;
    const run = (phase: Phase) => runPhase(server!.origin, { path: "/", phase }, workDir, pid, dbPids);
    const drainOf = (burst: OrderBurst) =>
      db && options.inProcessWorker ? drain(db, burst.shops.map((s) => s.domain), DRAIN_TIMEOUT_MS) : undefined;

    log(`${target}: warm-up (${warmup.requests.length} deliveries, ${WARMUP_CONCURRENCY} connections)`);
    await run(warmup);
    const warmDrain = await drainOf(plan.warmup);
    if (warmDrain) log(`${target}: warm-up backlog drained in ${(warmDrain.ms / 1000).toFixed(1)} s`);

    log(`${target}: saturation burst (${saturation.requests.length} deliveries, ${options.concurrency} connections)`);
    const sat = await run(saturation);
    const satResend = await resendFailed(run, saturation, sat.result);
    const satDrain = await drainOf(plan.saturation);
    if (satDrain) log(`${target}: saturation backlog ${satDrain.drained ? "drained" : "NOT drained"} after ${(satDrain.ms / 1000).toFixed(1)} s`);

    log(`${target}: paced burst (${paced.requests.length} deliveries at ${options.rate}/s open loop)`);
    const pacedRun = await run(paced);
    const pacedResend = await resendFailed(run, paced, pacedRun.result);
    const pacedDrain = await drainOf(plan.paced);
    if (pacedDrain) log(`${target}: paced backlog ${pacedDrain.drained ? "drained" : "NOT drained"} after ${(pacedDrain.ms / 1000).toFixed(1)} s`);

    const result: TargetResult = { target, bootMs: round(bootMs, 0), badHmacStatus, saturation: summarisePhase(sat), paced: summarisePhase(pacedRun) };
    if (db) {
      const noDrain: Drain = { drained: false, ms: 0, atEnd: { jobs: {}, deliveries: {} } };
      result.checks = {
        saturation: await checkBurst(db, plan.saturation, saturation.requests.slice(0, sat.result.sent), satResend.acked, satDrain ?? noDrain, satResend.resend),
        paced: await checkBurst(db, plan.paced, paced.requests.slice(0, pacedRun.result.sent), pacedResend.acked, pacedDrain ?? noDrain, pacedResend.resend),
      };
      const stray = await db.prisma.webhookDelivery.count({ where: { webhookId: probe.webhookId } });
      if (stray > 0) result.badHmacStatus = -result.badHmacStatus; // reported as FAIL: the probe left a row
    }
    await server.stop();
    if (options.probe && existsSync(probeFile)) result.probe = summariseProbe(JSON.parse(readFileSync(probeFile, "utf8")) as ProbeData, pacedRun);
    return result;
  } finally {
    await server?.stop();
    if (server) {
      mkdirSync(LOG_DIR, { recursive: true });
      copyFileSync(server.logFile, path.join(LOG_DIR, `purchases-${target}.log`));
    }
    if (db) await db.drop().catch((error: unknown) => log(`${target}: could not drop the database: ${String(error)}`));
  }
}

/** A delivery shaped like the burst's whose signature is wrong: 401, nothing stored. */
function badHmacProbe(like: BenchRequest): BenchRequest {
  const webhookId = `bad-hmac-${like.webhookId}`;
  return {
    ...like,
    webhookId,
    headers: { ...like.headers, "X-Shopify-Webhook-Id": webhookId, "X-Shopify-Hmac-Sha256": hmacBase64(like.body, "not-the-secret") },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// --probe: the app's event loop, lined up with the slowest answers of the paced burst

interface ProbeData {
  windows: [number, number, number, number][];
  gc: [number, number, string][];
}

interface ProbeSummary {
  /** 100 ms windows during the paced burst. */
  windows: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  windowsOver50Ms: number;
  meanUtilisation: number;
  heapUsedMb: { min: number; max: number };
  /** Pauses of 5 ms or more during the paced burst, per kind: count, total ms, longest ms. */
  gc: Record<string, { count: number; totalMs: number; longestMs: number }>;
  /** The slowest paced answers with what the loop was doing then. */
  slowest: { atMs: number; latencyMs: number; loopDelayMs: number; utilisation: number; gcMs: number }[];
}

function summariseProbe(data: ProbeData, paced: PhaseRun): ProbeSummary {
  const start = paced.result.startedAtEpochMs;
  const end = start + paced.result.elapsedMs;
  const windows = data.windows.filter(([t]) => t >= start && t <= end + 100);
  const delays = windows.map((w) => w[1]).sort((a, b) => a - b);
  const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? 0;
  const gc = data.gc.filter(([t]) => t >= start && t <= end);
  const samples = paced.result.latenciesMs.map((latency, i) => ({ latency, sentAt: paced.result.sentAtMs[i] }));
  samples.sort((a, b) => b.latency - a.latency);
  const slowest = samples.slice(0, 5).map(({ latency, sentAt }) => {
    const from = start + sentAt;
    const to = from + latency;
    const during = windows.filter(([t]) => t >= from && t - 100 <= to);
    const pauses = gc.filter(([t, d]) => t <= to && t + d >= from);
    return {
      atMs: round(sentAt, 0),
      latencyMs: round(latency, 1),
      loopDelayMs: Math.max(0, ...during.map((w) => w[1])),
      utilisation: Math.max(0, ...during.map((w) => w[2])),
      gcMs: round(pauses.reduce((sum, [, d]) => sum + d, 0), 0),
    };
  });
  return {
    windows: windows.length,
    loopDelayMs: { p50: at(0.5), p99: at(0.99), max: delays[delays.length - 1] ?? 0 },
    windowsOver50Ms: windows.filter((w) => w[1] > 50).length,
    meanUtilisation: round(windows.reduce((s, w) => s + w[2], 0) / Math.max(1, windows.length)),
    heapUsedMb: { min: Math.min(...windows.map((w) => w[3])), max: Math.max(...windows.map((w) => w[3])) },
    gc: gc.reduce<ProbeSummary["gc"]>((byKind, [, d, kind]) => {
      const k = (byKind[kind] ??= { count: 0, totalMs: 0, longestMs: 0 });
      k.count++;
      k.totalMs = round(k.totalMs + d, 0);
      k.longestMs = Math.max(k.longestMs, d);
      return byKind;
    }, {}),
    slowest,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Report

const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");

function report(results: TargetResult[], failures: Record<string, string>, options: Options): string {
  const bare = results.find((r) => r.target === "bare");
  const lines: string[] = [""];
  lines.push(
    `${pad("target", 15, true)}${pad("sat req/s", 10)}${pad("vs bare", 9)}${pad("paced:", 9)}${pad("p50", 7)}${pad("p90", 8)}${pad("p99", 8)}${pad("p99.9", 9)}${pad("max", 9)}${pad("req/s", 8)}${pad("in flight", 10)}${pad("retried", 9)}`,
  );
  for (const r of results) {
    const ratio = bare ? r.saturation.requestsPerSecond / bare.saturation.requestsPerSecond : Number.NaN;
    const l = r.paced.latency;
    lines.push(
      `${pad(r.target, 15, true)}${pad(r.saturation.requestsPerSecond.toFixed(0), 10)}${pad(Number.isNaN(ratio) ? "-" : `${(ratio * 100).toFixed(1)}%`, 9)}${pad("", 9)}` +
        `${pad(l.p50.toFixed(1), 7)}${pad(l.p90.toFixed(1), 8)}${pad(l.p99.toFixed(1), 8)}${pad(l.p999.toFixed(1), 9)}${pad(l.max.toFixed(0), 9)}` +
        `${pad(r.paced.requestsPerSecond.toFixed(0), 8)}${pad(r.paced.maxInFlight, 10)}${pad(r.saturation.shopifyWouldRetry + r.paced.shopifyWouldRetry, 9)}`,
    );
  }
  for (const [target, error] of Object.entries(failures)) lines.push(`${pad(target, 15, true)}FAILED: ${error.split("\n")[0]}`);
  lines.push("");
  lines.push(`sat req/s = deliveries answered per second, the saturation burst over ${options.concurrency} keep-alive connections (each sends its next`);
  lines.push(`delivery when the previous one is answered); vs bare = that ÷ the bare server's. paced = the second burst, open loop at`);
  lines.push(`${options.rate} deliveries/s: answer times in ms measured from each delivery's scheduled send time (no coordinated omission);`);
  lines.push(`in flight = most deliveries waiting for an answer at once; retried = answers Shopify would count as failed (non-2xx,`);
  lines.push(`none, or after its 5 s deadline) in both bursts.`);

  const checked = results.filter((r) => r.checks);
  if (checked.length) {
    lines.push("");
    lines.push(
      `${pad("target", 15, true)}${pad("burst", 12, true)}${pad("acked", 7)}${pad("deliveries", 12)}${pad("purchases", 11)}${pad("lost", 6)}${pad("doubled", 9)}${pad("regressed", 11)}${pad("pending", 9)}${pad("backlog at end", 16)}${pad("drain s", 9)}`,
    );
    for (const r of checked) {
      for (const c of [r.checks!.saturation, r.checks!.paced]) {
        lines.push(
          `${pad(r.target, 15, true)}${pad(c.burst, 12, true)}${pad(c.acked, 7)}${pad(c.deliveryRows, 12)}${pad(`${c.purchases}/${c.expectedPurchases}`, 11)}${pad(c.lost, 6)}${pad(c.doubled, 9)}${pad(c.regressed, 11)}${pad(c.pending, 9)}` +
            `${pad(c.drain.atEnd.jobs.queued ?? 0, 16)}${pad(c.drain.drained ? (c.drain.ms / 1000).toFixed(1) : `>${(c.drain.ms / 1000).toFixed(0)}`, 9)}`,
        );
      }
    }
    lines.push("");
    lines.push("acked = distinct webhook ids answered 2xx, in the burst or when resent as Shopify would (up to 3 rounds, 8 connections,");
    lines.push("right after the burst); deliveries = WebhookDelivery rows; purchases = Purchase rows / orders with an acknowledged");
    lines.push("delivery; lost = acknowledged but no delivery row or no purchase; doubled = rows beyond one per webhook id");
    lines.push("or per (shop, order id); regressed = purchases left older than the newest acknowledged state of their order; pending =");
    lines.push("orders with an acknowledged delivery not processed when the drain ended (not counted as lost; the count goal fails);");
    lines.push("backlog at end = webhook jobs still queued when the burst and its resends ended; drain = from then until every");
    lines.push("delivery was processed.");
  }

  lines.push("");
  for (const r of results) {
    const s = r.saturation;
    const p = r.paced;
    const other = (x: PhaseSummary) => (x.otherCpuMs === undefined ? "" : `, other processes ${(x.otherCpuMs / 1000).toFixed(1)} s`);
    lines.push(
      `${r.target}: saturation ${s.answered} answered in ${(s.elapsedMs / 1000).toFixed(1)} s, answer p50 ${s.latency.p50} / p99 ${s.latency.p99} / max ${s.latency.max} ms from send; ` +
        `server CPU ${(s.serverCpuMs / 1000).toFixed(1)} s (${s.serverCpuMsPerRequest} ms/delivery)${s.databaseCpuMs !== undefined ? `, PostgreSQL ${(s.databaseCpuMs / 1000).toFixed(1)} s` : ""}${other(s)}.`,
    );
    lines.push(
      `  paced: ${p.answered}/${p.sent} answered in ${(p.elapsedMs / 1000).toFixed(1)} s; server CPU ${(p.serverCpuMs / 1000).toFixed(1)} s (${p.serverCpuMsPerRequest} ms/delivery)` +
        `${p.databaseCpuMs !== undefined ? `, PostgreSQL ${(p.databaseCpuMs / 1000).toFixed(1)} s` : ""}${other(p)}; generator max send lag ${p.maxSendLagMs} ms; ` +
        `duplicates sent while their original was unanswered: ${s.sentWhileSameIdInFlight} (saturation), ${p.sentWhileSameIdInFlight} (paced); bad HMAC -> ${Math.abs(r.badHmacStatus)}`,
    );
    const errors = { ...s.errors, ...p.errors };
    if (Object.keys(errors).length) lines.push(`  transport errors (in the percentiles at the time they failed): ${JSON.stringify(errors)}`);
    if ([s, p].some((x) => Object.keys(x.statuses).some((k) => !k.startsWith("2")))) lines.push(`  statuses: ${JSON.stringify({ saturation: s.statuses, paced: p.statuses })}`);
    for (const c of r.checks ? [r.checks.saturation, r.checks.paced] : []) {
      lines.push(
        `  ${c.burst}: ${c.resend.failed} deliveries Shopify would retry, resent in ${c.resend.rounds} round(s), ${c.resend.stillFailing} still failing; ` +
          `backlog at its last answer ${JSON.stringify(c.drain.atEnd.jobs)}; after the drain jobs ${JSON.stringify(c.backlog.jobs)}, deliveries ${JSON.stringify(c.backlog.deliveries)}` +
          (c.unexpected ? `; ${c.unexpected} purchases of orders never sent` : "") +
          (c.errors.length ? `; errors: ${c.errors.join(" | ")}` : ""),
      );
    }
    if (r.probe) {
      const pr = r.probe;
      lines.push(
        `  probe (paced burst, ${pr.windows} windows of 100 ms): event-loop delay p50 ${pr.loopDelayMs.p50} / p99 ${pr.loopDelayMs.p99} / max ${pr.loopDelayMs.max} ms, ` +
          `${pr.windowsOver50Ms} windows over 50 ms, mean utilisation ${pr.meanUtilisation}, heap ${pr.heapUsedMb.min}–${pr.heapUsedMb.max} MB; GC pauses ≥ 5 ms: ` +
          (Object.entries(pr.gc)
            .map(([kind, g]) => `${kind} ${g.count} (${g.totalMs} ms, longest ${g.longestMs})`)
            .join(", ") || "none"),
      );
      for (const x of pr.slowest) {
        lines.push(`    slow answer due at +${x.atMs} ms: ${x.latencyMs} ms; meanwhile loop delay up to ${x.loopDelayMs} ms, utilisation up to ${x.utilisation}, GC ${x.gcMs} ms`);
      }
    }
  }

  lines.push("");
  lines.push("Goals (issue 4 point 9):");
  for (const r of results.filter((x) => x.target !== "bare")) {
    const p999 = r.paced.latency.p999;
    const floor = bare ? `; bare server ${bare.paced.latency.p999} ms` : "";
    const parts = [`p99.9 < ${GOALS.p999Ms} ms at ${options.rate}/s: ${verdict(p999 < GOALS.p999Ms)} (${p999} ms${floor})`];
    if (r.checks) {
      const cs = [r.checks.saturation, r.checks.paced];
      parts.push(
        `exactly ${options.orders} purchases per burst: ${verdict(cs.every((c) => c.purchases === options.orders && c.pending === 0))} (${cs.map((c) => `${c.purchases}${c.pending ? `, ${c.pending} pending` : ""}`).join("; ")})`,
      );
      parts.push(`none lost: ${verdict(cs.every((c) => c.lost === 0))} (${cs.map((c) => c.lost).join(", ")})`);
      parts.push(`none doubled: ${verdict(cs.every((c) => c.doubled === 0))} (${cs.map((c) => c.doubled).join(", ")})`);
      parts.push(`newest state kept: ${verdict(cs.every((c) => c.regressed === 0))}`);
      parts.push(`bad HMAC -> 401, nothing stored: ${verdict(r.badHmacStatus === 401)}`);
    } else {
      parts.push("counts not checked (--no-worker: nothing is processed)");
    }
    lines.push(`  ${pad(r.target, 15, true)} ${parts.join(" | ")}`);
  }
  return lines.join("\n");
}

/** Counts that are wrong make the run fail; latency goals only print FAIL. */
function broken(results: TargetResult[], failures: Record<string, string>, options: Options): boolean {
  if (Object.keys(failures).length > 0) return true;
  return results.some(
    (r) =>
      (r.target !== "bare" && r.badHmacStatus !== 401) ||
      (r.checks &&
        [r.checks.saturation, r.checks.paced].some(
          (c) => c.lost > 0 || c.doubled > 0 || c.regressed > 0 || c.unexpected > 0 || c.pending > 0 || c.purchases !== options.orders,
        )),
  );
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const workDir = mkdtempSync(path.join(os.tmpdir(), "syncline-bench-purchases-"));
  removeOnInterrupt(workDir);
  const started = performance.now();
  const loadBefore = os.loadavg();
  const failures: Record<string, string> = {};
  const results: TargetResult[] = [];
  let buildMs: number | undefined;
  let plan: Plan;
  try {
    if (options.targets.some((t) => t !== "bare")) buildMs = await ensureBuild(workDir, options.skipBuild);
    const generating = performance.now();
    plan = makePlan(options);
    log(`bursts built with the simulator's store in ${((performance.now() - generating) / 1000).toFixed(1)} s`);
    for (const target of options.targets) {
      try {
        results.push(await benchTarget(target, plan, workDir, options));
      } catch (error) {
        failures[target] = error instanceof Error ? error.message : String(error);
        log(`${target} FAILED: ${failures[target]}`);
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const totalMs = performance.now() - started;

  console.log(
    [
      `Syncline purchase benchmark — ${new Date().toISOString()}`,
      `Node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? "?"}), ${os.platform()} ${os.release()}; server, load generator and PostgreSQL share these cores.`,
      `App: build/scripts/serve.js ${options.serverBuild ? path.relative(ROOT, options.serverBuild) : "build/server/index.js"}, NODE_ENV=production, LOG_LEVEL=warn, purchase sync on (default options: 10-minute upsell window,`,
      `so purchases.forward jobs wait and are not part of the drain); ${options.inProcessWorker ? "job worker inside the app process (the default), competing with the endpoint." : "--no-worker: nothing processes the deliveries (diagnostic)."}`,
      `Each burst, built with the Shopify simulator's store and signed like its dispatcher (tests/simulator), fresh webhook ids per run:`,
      describeBurst(plan.saturation),
      `Per target: warm-up (${plan.warmup.facts.requests} deliveries of 2 other shops, ${WARMUP_CONCURRENCY} connections, drained, not reported); saturation burst over`,
      `${options.concurrency} connections; drain; paced burst (same shape, 8 other shops) open loop at ${options.rate}/s; drain (timeout ${DRAIN_TIMEOUT_MS / 1000} s).`,
      `Load average (1 min) ${loadBefore[0].toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after: anything else running on these cores skews every figure.`,
      `Total ${(totalMs / 1000).toFixed(1)} s${buildMs !== undefined ? ` (of which build ${(buildMs / 1000).toFixed(1)} s)` : ""}.`,
    ].join("\n"),
  );
  console.log(report(results, failures, options));

  const resultsDir = path.join(ROOT, "bench/results");
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `purchases-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        loadAverageBefore: loadBefore,
        loadAverageAfter: os.loadavg(),
        plan: { burst: burstOf(options.orders), warmup: WARMUP, facts: plan.saturation.facts, rate: options.rate, concurrency: options.concurrency, workerInProcess: options.inProcessWorker },
        goals: GOALS,
        buildMs: buildMs === undefined ? undefined : round(buildMs, 0),
        totalMs: round(totalMs, 0),
        results,
        failures,
      },
      null,
      2,
    ),
  );
  console.log(`\nJSON: ${path.relative(ROOT, file)}`);
  if (options.cpuProf) console.log(`CPU profiles of the app (figures above are slowed by profiling): ${path.relative(ROOT, PROFILE_DIR)}/`);
  process.exitCode = broken(results, failures, options) ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
