/**
 * npm run bench:webhooks — the app's webhook endpoint (SQLite, then PostgreSQL) against a bare Node server that only
 * verifies the HMAC, in one run, on one machine, with the same requests. See bench/README.md.
 *
 *   npx tsx bench/webhooks.ts [--skip-build] [--cpu-prof] [--no-worker] [--targets=bare,app-sqlite,app-postgresql]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import type { LoadPlan, PhaseResult } from "./lib/load";
import {
  API_KEY,
  API_SECRET,
  badHmacRequest,
  buildRequests,
  WEBHOOK_PATH,
  type BenchRequest,
  type Phase,
} from "./lib/payloads";
import { round, summarise, type LatencySummary } from "./lib/stats";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// Resolved from the working directory (ROOT), like `node --import tsx` in a shell.
const TSX_IMPORT = "tsx";
const REMIX_SERVE = path.join(ROOT, "node_modules/@remix-run/serve/dist/cli.js");
const REMIX_CLI = path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js");

// The plan. Sized so that the whole run (three targets, build excluded) stays well under three minutes.
const WARMUP = { count: 500, concurrency: 16, timeLimitMs: 20_000 };
const SATURATION = { count: 5_000, concurrency: 32, timeLimitMs: 20_000 };
const PACED = { count: 3_000, ratePerSecond: 200, timeLimitMs: 25_000 };
const DUPLICATE_SHARE = 0.1;
const GOALS = { throughputRatio: 0.5, p99Ms: 50 };

type TargetName = "bare" | "app-sqlite" | "app-postgresql";
const ALL_TARGETS: TargetName[] = ["bare", "app-sqlite", "app-postgresql"];

/** What tests/support/db.ts gives us; only the part the benchmark uses. */
interface TestDatabase {
  url: string;
  prisma: {
    $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
    $disconnect(): Promise<void>;
  };
  drop(): Promise<void>;
}
interface TestDbModule {
  createTestDatabase(provider: "sqlite" | "postgresql", opts?: { name?: string }): Promise<TestDatabase>;
  postgresAvailable(): Promise<boolean>;
}

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

interface PhaseSummary {
  sent: number;
  answered: number;
  elapsedMs: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  maxSendLagMs: number;
  serverCpuMs: number;
  /** Server CPU time divided by answered requests: what one webhook costs the app process. */
  serverCpuMsPerRequest: number;
  databaseCpuMs?: number;
  generatorCpuMs: number;
  /** Answered non-2xx, after Shopify's 5 s deadline, or not at all: Shopify counts these as failed and retries. */
  shopifyWouldRetry: number;
}

interface TargetResult {
  target: TargetName;
  bootMs?: number;
  badHmacStatus: number;
  saturation: PhaseSummary;
  paced: PhaseSummary;
  deliveries?: DeliveryCheck;
}

// ---------------------------------------------------------------------------------------------------------------

function parseArgs(argv: string[]) {
  let skipBuild = false;
  let cpuProf = false;
  let inProcessWorker = true;
  let targets = ALL_TARGETS;
  for (const arg of argv) {
    if (arg === "--skip-build") skipBuild = true;
    else if (arg === "--cpu-prof") cpuProf = true;
    else if (arg === "--no-worker") inProcessWorker = false;
    else if (arg.startsWith("--targets=")) {
      const names = arg.slice("--targets=".length).split(",");
      for (const n of names) if (!ALL_TARGETS.includes(n as TargetName)) throw new Error(`unknown target ${n}`);
      targets = names as TargetName[];
    } else throw new Error(`unknown argument ${arg}\nusage: npx tsx bench/webhooks.ts [--skip-build] [--cpu-prof] [--no-worker] [--targets=${ALL_TARGETS.join(",")}]`);
  }
  return { skipBuild, cpuProf, inProcessWorker, targets };
}

type Options = ReturnType<typeof parseArgs>;

function workerNote(options: Options): string {
  return options.inProcessWorker
    ? "job worker running inside the app process (RUN_WORKER_IN_PROCESS default = true), so it competes with the endpoint."
    : "--no-worker: RUN_WORKER_IN_PROCESS=false and no worker anywhere: the endpoint alone, jobs stay queued (not the default).";
}

function log(message: string) {
  process.stderr.write(`[bench] ${message}\n`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return "(no output)";
  return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

interface Server {
  child: ChildProcess;
  origin: string;
  logFile: string;
  stop(): Promise<void>;
}

// Children still running, so that an interrupted benchmark does not leave a server (and its worker) behind.
// (A PostgreSQL database left by an interrupted run is swept by tests/support/db.ts after 6 hours.)
const running = new Set<ChildProcess>();
let workDirToRemove: string | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill("SIGKILL");
    if (workDirToRemove) rmSync(workDirToRemove, { recursive: true, force: true });
    process.exit(130);
  });
}

function startProcess(name: string, args: string[], env: NodeJS.ProcessEnv, port: number, workDir: string): Server {
  const logFile = path.join(workDir, `${name}.log`);
  const fd = openSync(logFile, "w");
  // Output goes to a file, not a pipe we would have to drain: remix-serve logs every request (morgan).
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  running.add(child);
  child.once("exit", () => running.delete(child));
  return {
    child,
    origin: `http://127.0.0.1:${port}`,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      if (!(await waitForExit(child, 5_000))) {
        child.kill("SIGKILL");
        await waitForExit(child, 5_000);
      }
    },
  };
}

function baseEnv(port: number): NodeJS.ProcessEnv {
  // Only what a server needs: nothing from the caller's shell (e.g. SHOPIFY_ADMIN_ORIGIN) leaks into the target.
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TZ: "UTC",
    PORT: String(port),
    HOST: "127.0.0.1",
    SHOPIFY_API_KEY: API_KEY,
    SHOPIFY_API_SECRET: API_SECRET,
    SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
  };
}

function get(origin: string, pathname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(pathname, origin), { method: "GET", timeout: 2_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

function post(origin: string, r: BenchRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(r.body);
    const req = request(
      new URL(WEBHOOK_PATH, origin),
      { method: "POST", headers: { ...r.headers, "content-length": String(body.length) }, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

async function waitHealthy(server: Server, timeoutMs: number): Promise<number> {
  const start = performance.now();
  let last = "no answer";
  while (performance.now() - start < timeoutMs) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`exited (${server.child.exitCode ?? server.child.signalCode}) before /healthz answered 200:\n${tail(server.logFile)}`);
    }
    try {
      const status = await get(server.origin, "/healthz");
      if (status === 200) return performance.now() - start;
      // 503 is "database not reachable yet"; a 500 is a crash that waiting will not cure.
      if (status === 500) throw new Error(`/healthz answered 500:\n${tail(server.logFile)}`);
      last = `HTTP ${status}`;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("/healthz")) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`/healthz did not answer 200 within ${timeoutMs} ms (last: ${last}):\n${tail(server.logFile)}`);
}

/** utime + stime of a process, in ms (Linux /proc). Undefined when the process is gone or /proc is missing. */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
// sysconf(_SC_CLK_TCK) is 100 on every Linux this runs on; `getconf CLK_TCK` would confirm.
const CLOCK_TICKS = 100;

async function runPhase(origin: string, phase: Phase, workDir: string, serverPid: number | undefined, dbPids: () => Promise<number[]>) {
  const phaseFile = path.join(workDir, `phase-${phase.name}.json`);
  const resultFile = path.join(workDir, `result-${phase.name}.json`);
  const plan: LoadPlan = { path: WEBHOOK_PATH, phase };
  writeFileSync(phaseFile, JSON.stringify(plan));
  const dbBefore = new Map((await dbPids()).map((pid) => [pid, cpuMsOf(pid) ?? 0]));
  const serverBefore = cpuMsOf(serverPid) ?? 0;
  const child = spawn(process.execPath, ["--import", TSX_IMPORT, path.join(ROOT, "bench/lib/load.ts"), origin, phaseFile, resultFile], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  running.add(child);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  running.delete(child);
  if (code !== 0) throw new Error(`load generator failed (exit ${code}) in phase ${phase.name}`);
  const serverCpuMs = (cpuMsOf(serverPid) ?? 0) - serverBefore;
  let databaseCpuMs: number | undefined;
  const after = await dbPids();
  if (after.length > 0) {
    databaseCpuMs = after.reduce((sum, pid) => sum + Math.max(0, (cpuMsOf(pid) ?? 0) - (dbBefore.get(pid) ?? 0)), 0);
  }
  const result = JSON.parse(readFileSync(resultFile, "utf8")) as PhaseResult;
  return { result, serverCpuMs, databaseCpuMs };
}

function summarisePhase(run: Awaited<ReturnType<typeof runPhase>>): PhaseSummary {
  const { result } = run;
  return {
    sent: result.sent,
    answered: result.answered,
    elapsedMs: round(result.elapsedMs),
    requestsPerSecond: round((result.answered / result.elapsedMs) * 1000, 1),
    latency: Object.fromEntries(Object.entries(summarise(result.latenciesMs)).map(([k, v]) => [k, round(v)])) as unknown as LatencySummary,
    statuses: result.statuses,
    errors: result.errors,
    maxSendLagMs: round(result.maxSendLagMs),
    serverCpuMs: round(run.serverCpuMs, 0),
    serverCpuMsPerRequest: round(run.serverCpuMs / Math.max(1, result.answered)),
    shopifyWouldRetry: result.shopifyWouldRetry,
    databaseCpuMs: run.databaseCpuMs === undefined ? undefined : round(run.databaseCpuMs, 0),
    generatorCpuMs: round(result.generatorCpuMs, 0),
  };
}

async function buildApp(workDir: string) {
  const logFile = path.join(workDir, "build.log");
  const fd = openSync(logFile, "w");
  const started = performance.now();
  const child = spawn(process.execPath, [REMIX_CLI, "vite:build"], { cwd: ROOT, stdio: ["ignore", fd, fd], env: { ...process.env, NODE_ENV: "production" } });
  closeSync(fd);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`npx remix vite:build failed (exit ${code}):\n${tail(logFile, 60)}`);
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------------------------

interface Plan {
  warmup: Phase;
  saturation: Phase;
  paced: Phase;
}

function makePlan(): Plan {
  const warmup: Phase = { name: "warmup", mode: "closed", concurrency: WARMUP.concurrency, timeLimitMs: WARMUP.timeLimitMs, requests: buildRequests(WARMUP.count, 0, 1) };
  const saturation: Phase = {
    name: "saturation",
    mode: "closed",
    concurrency: SATURATION.concurrency,
    timeLimitMs: SATURATION.timeLimitMs,
    requests: buildRequests(SATURATION.count, DUPLICATE_SHARE, 2),
  };
  const paced: Phase = {
    name: "paced",
    mode: "open",
    ratePerSecond: PACED.ratePerSecond,
    timeLimitMs: PACED.timeLimitMs,
    requests: buildRequests(PACED.count, DUPLICATE_SHARE, 3),
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

async function countBy(db: TestDatabase, sql: string): Promise<Record<string, number>> {
  const rows = await db.prisma.$queryRawUnsafe<{ k: string; n: bigint | number }[]>(sql);
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

async function loadTestDbModule(): Promise<TestDbModule> {
  const file = path.join(ROOT, "tests/support/db.ts");
  if (!existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: it creates and migrates the benchmark databases`);
  return (await import(file)) as TestDbModule;
}

const PROFILE_DIR = path.join(ROOT, "bench/results/profiles");
const LOG_DIR = path.join(ROOT, "bench/results/logs");

/**
 * --cpu-prof: V8 writes the profile only on a normal exit, and remix-serve merely closes its server on SIGTERM
 * (the worker's timers and the database pool keep the process alive), so the profiled app also gets an exit on
 * SIGTERM. Open the .cpuprofile files in Chrome DevTools or speedscope.
 */
function profileArgs(target: TargetName): string[] {
  return [
    "--cpu-prof",
    `--cpu-prof-dir=${PROFILE_DIR}`,
    `--cpu-prof-name=${target}-${Date.now()}.cpuprofile`,
    "--import",
    "data:text/javascript,process.once('SIGTERM',()=>process.exit(0))",
  ];
}

async function benchTarget(target: TargetName, plan: Plan, workDir: string, options: Options): Promise<TargetResult> {
  const port = await freePort();
  let db: TestDatabase | undefined;
  let server: Server | undefined;
  const dbPids = async (): Promise<number[]> => {
    if (!db || target !== "app-postgresql") return [];
    const name = new URL(db.url).pathname.slice(1);
    const rows = await db.prisma.$queryRawUnsafe<{ pid: number }[]>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      name,
    );
    return rows.map((r) => Number(r.pid));
  };
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
      const args = [...(options.cpuProf ? profileArgs(target) : []), REMIX_SERVE, "build/server/index.js"];
      const env = { ...baseEnv(port), DATABASE_URL: db.url, ...(options.inProcessWorker ? {} : { RUN_WORKER_IN_PROCESS: "false" }) };
      server = startProcess(target, args, env, port, workDir);
    }
    const bootMs = await waitHealthy(server, 60_000);
    log(`${target}: /healthz 200 after ${Math.round(bootMs)} ms on ${server.origin}`);

    const probe = badHmacRequest();
    const badHmacStatus = await post(server.origin, probe);

    const pid = server.child.pid;
    log(`${target}: warm-up (${plan.warmup.requests.length} requests)`);
    const warm = await runPhase(server.origin, plan.warmup, workDir, pid, dbPids);
    log(`${target}: saturation (${plan.saturation.requests.length} requests, ${SATURATION.concurrency} connections)`);
    const sat = await runPhase(server.origin, plan.saturation, workDir, pid, dbPids);
    log(`${target}: ${PACED.ratePerSecond} req/s open loop (${plan.paced.requests.length} requests)`);
    const paced = await runPhase(server.origin, plan.paced, workDir, pid, dbPids);

    const result: TargetResult = {
      target,
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
    // The server's own output (remix-serve logs one line per request), for whoever wants to see what failed.
    if (server) {
      mkdirSync(LOG_DIR, { recursive: true });
      copyFileSync(server.logFile, path.join(LOG_DIR, `${target}.log`));
    }
    if (db) {
      await db.drop().catch((error: unknown) => log(`${target}: could not drop the database: ${String(error)}`));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

function pad(value: string | number, width: number, left = false) {
  const text = String(value);
  return left ? text.padEnd(width) : text.padStart(width);
}

function report(results: TargetResult[], failures: Record<string, string>) {
  const bare = results.find((r) => r.target === "bare");
  const lines: string[] = [];
  lines.push("");
  lines.push(
    `${pad("target", 15, true)}${pad("sat req/s", 11)}${pad("vs bare", 9)}${pad("p50 ms", 9)}${pad("p99 ms", 9)}${pad("p99.9 ms", 10)}${pad("retried", 9)}${pad("rows/unique", 13)}${pad("lost", 6)}${pad("doubled", 9)}`,
  );
  for (const r of results) {
    const ratio = bare ? r.saturation.requestsPerSecond / bare.saturation.requestsPerSecond : Number.NaN;
    const d = r.deliveries;
    lines.push(
      `${pad(r.target, 15, true)}${pad(r.saturation.requestsPerSecond.toFixed(0), 11)}${pad(Number.isNaN(ratio) ? "-" : `${(ratio * 100).toFixed(1)}%`, 9)}` +
        `${pad(r.paced.latency.p50.toFixed(2), 9)}${pad(r.paced.latency.p99.toFixed(2), 9)}${pad(r.paced.latency.p999.toFixed(2), 10)}` +
        `${pad(r.saturation.shopifyWouldRetry + r.paced.shopifyWouldRetry, 9)}${pad(d ? `${d.distinctWebhookIds}/${d.uniqueSent}` : "-", 13)}${pad(d ? d.lost : "-", 6)}${pad(d ? d.doubled : "-", 9)}`,
    );
  }
  for (const [target, error] of Object.entries(failures)) lines.push(`${pad(target, 15, true)}FAILED: ${error.split("\n")[0]}`);
  lines.push("");
  lines.push("Columns: sat req/s = answered/s with 32 keep-alive connections (5,000 requests or 20 s); p50/p99/p99.9 = answer time at a");
  lines.push("fixed 200 req/s open loop (3,000 requests), measured from each request's scheduled send time; rows/unique = distinct");
  lines.push("webhook ids stored / unique deliveries sent (duplicates are ~10% of requests and must not add rows); retried =");
  lines.push("answers Shopify would count as failed (non-2xx, none, or later than its 5 s deadline) in both measured phases.");
  lines.push("");
  for (const r of results) {
    const s = r.saturation;
    const p = r.paced;
    lines.push(
      `${r.target}: saturation ${s.answered} answered in ${(s.elapsedMs / 1000).toFixed(1)} s, p50 ${s.latency.p50} / p99 ${s.latency.p99} ms; ` +
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
  lines.push("Goals (app vs bare, each database):");
  for (const r of results.filter((x) => x.target !== "bare")) {
    const ratio = bare ? r.saturation.requestsPerSecond / bare.saturation.requestsPerSecond : Number.NaN;
    const d = r.deliveries;
    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    const throughput = Number.isNaN(ratio)
      ? "n/a (bare not run)"
      : `${verdict(ratio >= GOALS.throughputRatio)} (${(ratio * 100).toFixed(1)}%)`;
    lines.push(
      `  ${pad(r.target, 15, true)} throughput >= ${GOALS.throughputRatio * 100}% of bare: ${throughput}` +
        ` | p99 < ${GOALS.p99Ms} ms at ${PACED.ratePerSecond} req/s: ${verdict(r.paced.latency.p99 < GOALS.p99Ms)} (${r.paced.latency.p99} ms)` +
        ` | zero lost: ${verdict(!!d && d.lost === 0 && d.doubled === 0 && d.unexpected === 0)}` +
        (d ? ` (${d.lost} lost, ${d.doubled} doubled; ${d.uniqueSent - d.acked} of ${d.uniqueSent} not acknowledged 2xx, Shopify would resend them)` : "") +
        ` | bad HMAC -> 401, nothing stored: ${verdict(r.badHmacStatus === 401 && !!d && d.unexpected === 0)}`,
    );
  }
  return lines.join("\n");
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { skipBuild, cpuProf, targets } = options;
  const workDir = mkdtempSync(path.join(os.tmpdir(), "syncline-bench-"));
  workDirToRemove = workDir;
  const started = performance.now();
  const loadBefore = os.loadavg();
  const failures: Record<string, string> = {};
  const results: TargetResult[] = [];
  let buildMs: number | undefined;
  try {
    if (targets.some((t) => t !== "bare")) {
      if (skipBuild && existsSync(path.join(ROOT, "build/server/index.js"))) log("using the existing build/ (--skip-build)");
      else {
        log("building the app (remix vite:build)...");
        buildMs = await buildApp(workDir);
        log(`built in ${(buildMs / 1000).toFixed(1)} s`);
      }
    }
    const plan = makePlan();
    for (const target of targets) {
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

  const header = [
    `Syncline webhook benchmark — ${new Date().toISOString()}`,
    `Node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? "?"}), ${os.platform()} ${os.release()}; ` +
      `server, load generator and PostgreSQL share these cores (all on 127.0.0.1).`,
    `Endpoint POST ${WEBHOOK_PATH} (app/scopes_update), ${planDescription()}. App: remix-serve build/server/index.js, NODE_ENV=production, LOG_LEVEL=warn,`,
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
        plan: { WARMUP, SATURATION, PACED, DUPLICATE_SHARE, topic: "app/scopes_update", workerInProcess: options.inProcessWorker },
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
