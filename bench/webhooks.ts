/**
 * npm run bench:webhooks — the app's webhook endpoint (SQLite, then PostgreSQL) against a bare Node server that only
 * verifies the HMAC, in one run, on one machine, with the same requests. See bench/README.md.
 *
 *   npx tsx bench/webhooks.ts [--skip-build] [--server-build=PATH] [--cpu-prof] [--no-worker] [--endpoint=sync|lifecycle]
 *     [--rounds=3] [--targets=bare,app-sqlite,app-postgresql]
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

import {
  baseEnv,
  countBy,
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
  type PhaseSummary,
  type Server,
  type TestDatabase,
} from "./lib/harness";
import type { PhaseResult } from "./lib/load";
import { badHmacRequest, buildRequests, ENDPOINTS, type BenchRequest, type Endpoint, type Phase } from "./lib/payloads";
import { meanOf, median, round } from "./lib/stats";

// The plan. Sized so that the whole run (three rounds of three targets and a closing bare run, build excluded)
// takes about four minutes.
const WARMUP = { count: 500, concurrency: 16, timeLimitMs: 20_000 };
// 15,000: at 5,000 a target's saturation lasted ~1 s and the ratio moved by ±8 points from run to run.
const SATURATION = { count: 15_000, concurrency: 32, timeLimitMs: 20_000 };
const PACED = { count: 3_000, ratePerSecond: 200, timeLimitMs: 25_000 };
const DUPLICATE_SHARE = 0.1;
const GOALS = { throughputRatio: 0.5, p99Ms: 50 };

type TargetName = "bare" | "app-sqlite" | "app-postgresql";
const ALL_TARGETS: TargetName[] = ["bare", "app-sqlite", "app-postgresql"];

interface DeliveryCheck {
  uniqueSent: number;
  duplicatesSent: number;
  acked: number;
  rows: number;
  distinctWebhookIds: number;
  /** Answered 2xx but no row: a delivery Shopify will never send again. */
  lost: number;
  /** Rows beyond one per webhook id. */
  doubled: number;
  /** Rows whose webhook id the benchmark never sent validly (e.g. the bad-HMAC probe). */
  unexpected: number;
  /** Snapshot taken right after the last answer: how far the in-process worker is behind. */
  deliveriesByStatus: Record<string, number>;
  jobsByStatus: Record<string, number>;
}

interface TargetResult {
  target: TargetName;
  /** 1-based; the bare server's closing run has rounds + 1. */
  round: number;
  bootMs?: number;
  badHmacStatus: number;
  saturation: PhaseSummary;
  paced: PhaseSummary;
  deliveries?: DeliveryCheck;
}

// ---------------------------------------------------------------------------------------------------------------

function parseArgs(argv: string[]) {
  let skipBuild = false;
  let serverBuild: string | undefined;
  let cpuProf = false;
  let inProcessWorker = true;
  let targets = ALL_TARGETS;
  let endpoint: Endpoint = "sync";
  let rounds = 3;
  for (const arg of argv) {
    if (arg === "--skip-build") skipBuild = true;
    else if (arg.startsWith("--server-build=")) serverBuild = path.resolve(arg.slice("--server-build=".length));
    else if (arg === "--cpu-prof") cpuProf = true;
    else if (arg === "--no-worker") inProcessWorker = false;
    else if (arg.startsWith("--rounds=")) {
      rounds = Number(arg.slice("--rounds=".length));
      if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds: a whole number of at least 1");
    }
    else if (arg.startsWith("--endpoint=")) {
      const name = arg.slice("--endpoint=".length);
      if (!(name in ENDPOINTS)) throw new Error(`unknown endpoint ${name}: sync or lifecycle`);
      endpoint = name as Endpoint;
    }
    else if (arg.startsWith("--targets=")) {
      const names = arg.slice("--targets=".length).split(",");
      for (const n of names) if (!ALL_TARGETS.includes(n as TargetName)) throw new Error(`unknown target ${n}`);
      targets = names as TargetName[];
    } else throw new Error(`unknown argument ${arg}\nusage: npx tsx bench/webhooks.ts [--skip-build] [--server-build=PATH] [--cpu-prof] [--no-worker] [--endpoint=sync|lifecycle] [--rounds=3] [--targets=${ALL_TARGETS.join(",")}]`);
  }
  if (serverBuild && !existsSync(serverBuild)) throw new Error(`--server-build: ${serverBuild} does not exist`);
  return { skipBuild: skipBuild || serverBuild !== undefined, serverBuild, cpuProf, inProcessWorker, targets, endpoint, rounds };
}

type Options = ReturnType<typeof parseArgs>;

function workerNote(options: Options): string {
  return options.inProcessWorker
    ? "job worker running inside the app process (RUN_WORKER_IN_PROCESS default = true), so it competes with the endpoint."
    : "--no-worker: RUN_WORKER_IN_PROCESS=false and no worker anywhere: the endpoint alone, jobs stay queued (not the default).";
}

// ---------------------------------------------------------------------------------------------------------------

interface Plan {
  warmup: Phase;
  saturation: Phase;
  paced: Phase;
}

function makePlan(endpoint: Endpoint): Plan {
  const warmup: Phase = { name: "warmup", mode: "closed", concurrency: WARMUP.concurrency, timeLimitMs: WARMUP.timeLimitMs, requests: buildRequests(endpoint, WARMUP.count, 0, 1) };
  const saturation: Phase = {
    name: "saturation",
    mode: "closed",
    concurrency: SATURATION.concurrency,
    timeLimitMs: SATURATION.timeLimitMs,
    requests: buildRequests(endpoint, SATURATION.count, DUPLICATE_SHARE, 2),
  };
  const paced: Phase = {
    name: "paced",
    mode: "open",
    ratePerSecond: PACED.ratePerSecond,
    timeLimitMs: PACED.timeLimitMs,
    requests: buildRequests(endpoint, PACED.count, DUPLICATE_SHARE, 3),
  };
  return { warmup, saturation, paced };
}

/**
 * Compares what the database holds with what was actually sent (a phase cut short by its time limit sends a prefix
 * of its requests) and acknowledged.
 */
async function checkDeliveries(db: TestDatabase, sentRequests: BenchRequest[], results: PhaseResult[], probeId: string): Promise<DeliveryCheck> {
  // The snapshot first, before anything else gives the worker time to catch up.
  const deliveriesByStatus = await countBy(db, `SELECT "status" AS k, COUNT(*) AS n FROM "WebhookDelivery" GROUP BY "status"`);
  const jobsByStatus = await countBy(db, `SELECT "status" AS k, COUNT(*) AS n FROM "Job" WHERE "type" = 'webhook.process' GROUP BY "status"`);
  const rows = await db.prisma.$queryRawUnsafe<{ webhookId: string }[]>(`SELECT "webhookId" FROM "WebhookDelivery"`);
  const stored = new Set(rows.map((r) => r.webhookId));
  const sent = new Set(sentRequests.map((r) => r.webhookId));
  const acked = new Set(results.flatMap((r) => r.acked));
  return {
    uniqueSent: sent.size,
    duplicatesSent: sentRequests.filter((r) => r.duplicate).length,
    acked: acked.size,
    rows: rows.length,
    distinctWebhookIds: stored.size,
    lost: [...acked].filter((id) => !stored.has(id)).length,
    doubled: rows.length - stored.size,
    unexpected: [...stored].filter((id) => !sent.has(id) || id === probeId).length,
    deliveriesByStatus,
    jobsByStatus,
  };
}

async function benchTarget(target: TargetName, roundNo: number, plan: Plan, workDir: string, options: Options): Promise<TargetResult> {
  const port = await freePort();
  let db: TestDatabase | undefined;
  let server: Server | undefined;
  const dbPids = async (): Promise<number[]> => (db && target === "app-postgresql" ? postgresBackendPids(db) : []);
  try {
    if (target === "bare") {
      server = startProcess("bare", ["--import", TSX_IMPORT, path.join(ROOT, "bench/lib/bare-server.ts")], baseEnv(port), port, workDir);
    } else {
      const { createTestDatabase, postgresAvailable } = await loadTestDbModule();
      const provider = target === "app-sqlite" ? "sqlite" : "postgresql";
      if (provider === "postgresql" && !(await postgresAvailable())) throw new Error("no PostgreSQL server reachable (TEST_DATABASE_URL or 127.0.0.1:5432)");
      const started = performance.now();
      db = await createTestDatabase(provider, { name: "bench" });
      log(`${target}: fresh migrated database in ${Math.round(performance.now() - started)} ms`);
      const args = [...(options.cpuProf ? profileArgs(target) : []), ...APP_SERVER, options.serverBuild ?? "build/server/index.js"];
      const env = { ...baseEnv(port), DATABASE_URL: db.url, ...(options.inProcessWorker ? {} : { RUN_WORKER_IN_PROCESS: "false" }) };
      server = startProcess(target, args, env, port, workDir);
    }
    const bootMs = await waitHealthy(server, 60_000);
    log(`${target} #${roundNo}: /healthz 200 after ${Math.round(bootMs)} ms on ${server.origin}`);

    const webhookPath = ENDPOINTS[options.endpoint].path;
    const probe = badHmacRequest(options.endpoint);
    const badHmacStatus = await post(server.origin, webhookPath, probe);

    const pid = server.child.pid;
    log(`${target}: warm-up (${plan.warmup.requests.length} requests)`);
    const warm = await runPhase(server.origin, { path: webhookPath, phase: plan.warmup }, workDir, pid, dbPids);
    log(`${target}: saturation (${plan.saturation.requests.length} requests, ${SATURATION.concurrency} connections)`);
    const sat = await runPhase(server.origin, { path: webhookPath, phase: plan.saturation }, workDir, pid, dbPids);
    log(`${target}: ${PACED.ratePerSecond} req/s open loop (${plan.paced.requests.length} requests)`);
    const paced = await runPhase(server.origin, { path: webhookPath, phase: plan.paced }, workDir, pid, dbPids);

    const result: TargetResult = {
      target,
      round: roundNo,
      bootMs: round(bootMs, 0),
      badHmacStatus,
      saturation: summarisePhase(sat),
      paced: summarisePhase(paced),
    };
    if (db) {
      const sentRequests = [
        ...plan.warmup.requests.slice(0, warm.result.sent),
        ...plan.saturation.requests.slice(0, sat.result.sent),
        ...plan.paced.requests.slice(0, paced.result.sent),
      ];
      result.deliveries = await checkDeliveries(db, sentRequests, [warm.result, sat.result, paced.result], probe.webhookId);
    }
    return result;
  } finally {
    await server?.stop();
    // The server's own output (one line per request it routes to Remix), for whoever wants to see what failed.
    if (server) {
      mkdirSync(LOG_DIR, { recursive: true });
      copyFileSync(server.logFile, path.join(LOG_DIR, `${target}-${roundNo}.log`));
    }
    if (db) {
      await db.drop().catch((error: unknown) => log(`${target}: could not drop the database: ${String(error)}`));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * The bare server's throughput an app run is compared with: the mean of the bare runs just before and just after it
 * (each round starts with one, and one closes the last), so that the machine's speed drifting during the run moves
 * the baseline with it. These cores are shared: a slow spell of a few seconds lowers every process's figures, which
 * is also why each target runs in several rounds and the goals are judged on the median round.
 */
function bareBaseline(results: TargetResult[], round: number): number | undefined {
  return meanOf(results.filter((r) => r.target === "bare" && (r.round === round || r.round === round + 1)).map((r) => r.saturation.requestsPerSecond));
}

function ratioOf(results: TargetResult[], r: TargetResult): number {
  const baseline = r.target === "bare" ? meanOf(results.filter((x) => x.target === "bare").map((x) => x.saturation.requestsPerSecond)) : bareBaseline(results, r.round);
  return baseline ? r.saturation.requestsPerSecond / baseline : Number.NaN;
}

function report(results: TargetResult[], failures: Record<string, string>) {
  const lines: string[] = [];
  lines.push("");
  lines.push(
    `${pad("target #round", 19, true)}${pad("sat req/s", 11)}${pad("vs bare", 9)}${pad("p50 ms", 9)}${pad("p99 ms", 9)}${pad("p99.9 ms", 10)}${pad("retried", 9)}${pad("rows/unique", 13)}${pad("lost", 6)}${pad("doubled", 9)}`,
  );
  for (const r of results) {
    const ratio = ratioOf(results, r);
    const d = r.deliveries;
    lines.push(
      `${pad(`${r.target} #${r.round}`, 19, true)}${pad(r.saturation.requestsPerSecond.toFixed(0), 11)}${pad(Number.isNaN(ratio) ? "-" : `${(ratio * 100).toFixed(1)}%`, 9)}` +
        `${pad(r.paced.latency.p50.toFixed(2), 9)}${pad(r.paced.latency.p99.toFixed(2), 9)}${pad(r.paced.latency.p999.toFixed(2), 10)}` +
        `${pad(r.saturation.shopifyWouldRetry + r.paced.shopifyWouldRetry, 9)}${pad(d ? `${d.distinctWebhookIds}/${d.uniqueSent}` : "-", 13)}${pad(d ? d.lost : "-", 6)}${pad(d ? d.doubled : "-", 9)}`,
    );
  }
  for (const [target, error] of Object.entries(failures)) lines.push(`${pad(target, 15, true)}FAILED: ${error.split("\n")[0]}`);
  lines.push("");
  lines.push(`Columns: sat req/s = answered/s with 32 keep-alive connections (${SATURATION.count.toLocaleString("en")} requests or 20 s); vs bare = against the mean of the`);
  lines.push("bare server's runs just before and after it (bare rows: against the mean of all bare runs); p50/p99/p99.9 = answer time at a");
  lines.push("fixed 200 req/s open loop (3,000 requests), measured from each request's scheduled send time; rows/unique = distinct");
  lines.push("webhook ids stored / unique deliveries sent (duplicates are ~10% of requests and must not add rows); retried =");
  lines.push("answers Shopify would count as failed (non-2xx, none, or later than its 5 s deadline) in both measured phases.");
  lines.push("");
  for (const r of results) {
    const s = r.saturation;
    const p = r.paced;
    lines.push(
      `${r.target} #${r.round}: saturation ${s.answered} answered in ${(s.elapsedMs / 1000).toFixed(1)} s, p50 ${s.latency.p50} / p99 ${s.latency.p99} ms; ` +
        `server CPU ${(s.serverCpuMs / 1000).toFixed(1)} s (${s.serverCpuMsPerRequest} ms/request)${s.databaseCpuMs !== undefined ? `, PostgreSQL backends ${(s.databaseCpuMs / 1000).toFixed(1)} s` : ""}, generator ${(s.generatorCpuMs / 1000).toFixed(1)} s; ` +
        `paced: server CPU ${(p.serverCpuMs / 1000).toFixed(1)} s over ${(p.elapsedMs / 1000).toFixed(1)} s (${p.serverCpuMsPerRequest} ms/request), generator max send lag ${p.maxSendLagMs} ms; bad HMAC -> ${r.badHmacStatus}`,
    );
    const errors = { ...s.errors, ...p.errors };
    if (Object.keys(errors).length) lines.push(`  transport errors (in the percentiles at the time they failed): ${JSON.stringify(errors)}`);
    const statuses = { sat: s.statuses, paced: p.statuses };
    if (Object.keys(s.statuses).some((k) => !k.startsWith("2")) || Object.keys(p.statuses).some((k) => !k.startsWith("2"))) {
      lines.push(`  statuses: ${JSON.stringify(statuses)}`);
    }
    if (r.deliveries) {
      const d = r.deliveries;
      lines.push(
        `  deliveries: ${d.rows} rows, ${d.distinctWebhookIds} distinct ids, ${d.uniqueSent} unique sent, ${d.duplicatesSent} duplicates sent, ${d.acked} acked; ` +
          `right after the run: deliveries ${JSON.stringify(d.deliveriesByStatus)}, webhook jobs ${JSON.stringify(d.jobsByStatus)}`,
      );
    }
  }
  lines.push("");
  lines.push("Goals (app vs bare, each database; throughput and p99 of the median round, every round's deliveries):");
  for (const target of ALL_TARGETS.filter((t) => t !== "bare")) {
    const runs = results.filter((x) => x.target === target);
    if (!runs.length) continue;
    const ratios = runs.map((r) => ratioOf(results, r)).filter((x) => !Number.isNaN(x));
    const ratio = ratios.length ? median(ratios) : Number.NaN;
    const p99s = runs.map((r) => r.paced.latency.p99);
    const p99 = median(p99s);
    const sum = (f: (d: DeliveryCheck) => number) => runs.reduce((n, r) => n + (r.deliveries ? f(r.deliveries) : 0), 0);
    const checked = runs.every((r) => r.deliveries);
    const lost = sum((d) => d.lost);
    const doubled = sum((d) => d.doubled);
    const unexpected = sum((d) => d.unexpected);
    const unacked = sum((d) => d.uniqueSent - d.acked);
    const unique = sum((d) => d.uniqueSent);
    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    const throughput = Number.isNaN(ratio)
      ? "n/a (bare not run)"
      : `${verdict(ratio >= GOALS.throughputRatio)} (median ${(ratio * 100).toFixed(1)}% of ${ratios.map((x) => `${(x * 100).toFixed(1)}%`).join(", ")})`;
    lines.push(
      `  ${pad(target, 15, true)} throughput >= ${GOALS.throughputRatio * 100}% of bare: ${throughput}` +
        ` | p99 < ${GOALS.p99Ms} ms at ${PACED.ratePerSecond} req/s: ${verdict(p99 < GOALS.p99Ms)} (median ${p99} of ${p99s.join(", ")} ms)` +
        ` | zero lost: ${verdict(checked && lost === 0 && doubled === 0 && unexpected === 0)}` +
        ` (${lost} lost, ${doubled} doubled; ${unacked} of ${unique} not acknowledged 2xx, Shopify would resend them)` +
        ` | bad HMAC -> 401, nothing stored: ${verdict(runs.every((r) => r.badHmacStatus === 401) && checked && unexpected === 0)}`,
    );
  }
  return lines.join("\n");
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { skipBuild, cpuProf, targets } = options;
  const workDir = mkdtempSync(path.join(os.tmpdir(), "syncline-bench-"));
  removeOnInterrupt(workDir);
  const started = performance.now();
  const loadBefore = os.loadavg();
  const failures: Record<string, string> = {};
  const results: TargetResult[] = [];
  let buildMs: number | undefined;
  try {
    if (targets.some((t) => t !== "bare")) buildMs = await ensureBuild(workDir, skipBuild);
    const plan = makePlan(options.endpoint);
    // Every round runs each target; the bare server runs once more at the end, so that each app run has a bare run
    // on either side of it (bareBaseline).
    const order: { target: TargetName; round: number }[] = [];
    for (let round = 1; round <= options.rounds; round++) for (const target of targets) order.push({ target, round });
    if (targets.includes("bare") && targets.some((t) => t !== "bare")) order.push({ target: "bare", round: options.rounds + 1 });
    for (const { target, round } of order) {
      const label = `${target} #${round}`;
      try {
        results.push(await benchTarget(target, round, plan, workDir, options));
      } catch (error) {
        failures[label] = error instanceof Error ? error.message : String(error);
        log(`${label} FAILED: ${failures[label]}`);
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const totalMs = performance.now() - started;

  const header = [
    `Syncline webhook benchmark — ${new Date().toISOString()}`,
    `Node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? "?"}), ${os.platform()} ${os.release()}; ` +
      `server, load generator and PostgreSQL share these cores (all on 127.0.0.1).`,
    `Endpoint POST ${ENDPOINTS[options.endpoint].path} (${ENDPOINTS[options.endpoint].topic}, --endpoint=${options.endpoint}), ${planDescription()}. App: build/scripts/serve.js ${options.serverBuild ? path.relative(ROOT, options.serverBuild) : "build/server/index.js"}, NODE_ENV=production, LOG_LEVEL=warn,`,
    workerNote(options),
    `Load average (1 min) ${loadBefore[0].toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after: anything else running on these cores skews every figure.`,
    `Total ${(totalMs / 1000).toFixed(1)} s${buildMs !== undefined ? ` (of which build ${(buildMs / 1000).toFixed(1)} s)` : ""}.`,
  ].join("\n");
  console.log(header);
  console.log(report(results, failures));

  const resultsDir = path.join(ROOT, "bench/results");
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = path.join(resultsDir, `webhooks-${stamp}.json`);
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
        plan: { WARMUP, SATURATION, PACED, DUPLICATE_SHARE, rounds: options.rounds, endpoint: options.endpoint, topic: ENDPOINTS[options.endpoint].topic, workerInProcess: options.inProcessWorker },
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
  if (cpuProf) console.log(`CPU profiles of the app (figures above are slowed by profiling): ${path.relative(ROOT, PROFILE_DIR)}/`);

  const broken =
    Object.keys(failures).length > 0 ||
    results.some((r) => r.badHmacStatus !== 401 || (r.deliveries && (r.deliveries.lost > 0 || r.deliveries.doubled > 0 || r.deliveries.unexpected > 0)));
  process.exitCode = broken ? 1 : 0;
}

function planDescription() {
  return `${WARMUP.count} warm-up + ${SATURATION.count} saturation + ${PACED.count} paced requests per target, ~${DUPLICATE_SHARE * 100}% duplicates`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
