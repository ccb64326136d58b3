import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import type { TestDatabase } from "../../tests/support/db";
import type { LoadPlan, PhaseResult } from "./load";
import { API_KEY, API_SECRET, type BenchRequest } from "./payloads";
import { round, summarise, type LatencySummary } from "./stats";

/**
 * What every benchmark needs around its load: the app built and started as its own process on a fresh database,
 * the bare server, one load-generator process per phase, CPU accounting from /proc, and clean-up when interrupted.
 * bench/webhooks.ts and bench/purchases.ts share it.
 */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// Resolved from the working directory (ROOT), like `node --import tsx` in a shell.
export const TSX_IMPORT = "tsx";
/** Node arguments that start the app's production server (`npm start`), before the build's path. */
export const APP_SERVER = [path.join(ROOT, "build/scripts/serve.js")];
const REMIX_CLI = path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js");
const VITE_CLI = path.join(ROOT, "node_modules/vite/bin/vite.js");
export const PROFILE_DIR = path.join(ROOT, "bench/results/profiles");
export const LOG_DIR = path.join(ROOT, "bench/results/logs");

export type { TestDatabase } from "../../tests/support/db";
type TestDbModule = typeof import("../../tests/support/db");

export async function loadTestDbModule(): Promise<TestDbModule> {
  const file = path.join(ROOT, "tests/support/db.ts");
  if (!existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: it creates and migrates the benchmark databases`);
  return (await import(file)) as TestDbModule;
}

/**
 * Runs `node <args>` (stdout piped, stderr passed through) and resolves to its last stdout line parsed as JSON, the
 * one result a benchmark's child process prints, with the lines it printed before. A non-zero exit, or a last line
 * that is not a JSON object, rejects with the end of the output.
 */
export function lastJsonLine<T>(args: string[], env: NodeJS.ProcessEnv, label: string): Promise<{ value: T; before: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.on("error", reject);
    child.once("exit", (code) => {
      const lines = out.trim().split("\n");
      const last = lines.pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) return reject(new Error(`${label} exited ${code}: ${out.slice(-4000)}`));
      resolve({ value: JSON.parse(last) as T, before: lines });
    });
  });
}

export function log(message: string) {
  process.stderr.write(`[bench] ${message}\n`);
}

export function pad(value: string | number, width: number, left = false) {
  const text = String(value);
  return left ? text.padEnd(width) : text.padStart(width);
}

export async function freePort(): Promise<number> {
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

export function tail(file: string, lines = 40): string {
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

export interface Server {
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

/** The scratch folder an interrupted run removes. */
export function removeOnInterrupt(workDir: string | undefined) {
  workDirToRemove = workDir;
}

export function startProcess(name: string, args: string[], env: NodeJS.ProcessEnv, port: number, workDir: string): Server {
  const logFile = path.join(workDir, `${name}.log`);
  const fd = openSync(logFile, "w");
  // Output goes to a file, not a pipe we would have to drain: the server logs every request it routes to Remix (morgan).
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
      if (!(await waitForExit(child, 15_000))) {
        child.kill("SIGKILL");
        await waitForExit(child, 5_000);
      }
    },
  };
}

export function baseEnv(port: number): NodeJS.ProcessEnv {
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

export function get(origin: string, pathname: string): Promise<number> {
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

/** One request outside the load generator (probes); `pathname` unless the request names its own path. */
export function post(origin: string, pathname: string, r: BenchRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(r.body);
    const req = request(
      new URL(r.path ?? pathname, origin),
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

export async function waitHealthy(server: Server, timeoutMs: number): Promise<number> {
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

// sysconf(_SC_CLK_TCK) is 100 on every Linux this runs on; `getconf CLK_TCK` would confirm.
const CLOCK_TICKS = 100;

/** utime + stime of a process, in ms (Linux /proc). Undefined when the process is gone or /proc is missing. */
export function cpuMsOf(pid: number | undefined): number | undefined {
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

/** CPU time the whole machine spent busy (every core, every process), in ms; undefined without /proc/stat. */
export function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
    // cpu user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Backends of a PostgreSQL database other than the one asking, to add their CPU time to the app's. */
export async function postgresBackendPids(db: TestDatabase): Promise<number[]> {
  const name = new URL(db.url).pathname.slice(1);
  const rows = await db.prisma.$queryRawUnsafe<{ pid: number }[]>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    name,
  );
  return rows.map((r) => Number(r.pid));
}

export interface PhaseRun {
  result: PhaseResult;
  serverCpuMs: number;
  databaseCpuMs?: number;
  /** Busy CPU of the whole machine during the phase minus server, database and generator: someone else's load. */
  otherCpuMs?: number;
}

/** Runs one phase in its own load-generator process (bench/lib/load.ts) and measures the CPU each side used. */
export async function runPhase(
  origin: string,
  plan: LoadPlan,
  workDir: string,
  serverPid: number | undefined,
  dbPids: () => Promise<number[]>,
): Promise<PhaseRun> {
  const name = plan.phase.name;
  const phaseFile = path.join(workDir, `phase-${name}.json`);
  const resultFile = path.join(workDir, `result-${name}.json`);
  writeFileSync(phaseFile, JSON.stringify(plan));
  const dbBefore = new Map((await dbPids()).map((pid) => [pid, cpuMsOf(pid) ?? 0]));
  const serverBefore = cpuMsOf(serverPid) ?? 0;
  const machineBefore = machineBusyMs();
  const child = spawn(process.execPath, ["--import", TSX_IMPORT, path.join(ROOT, "bench/lib/load.ts"), origin, phaseFile, resultFile], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  running.add(child);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  running.delete(child);
  if (code !== 0) throw new Error(`load generator failed (exit ${code}) in phase ${name}`);
  const machineAfter = machineBusyMs();
  const serverCpuMs = (cpuMsOf(serverPid) ?? 0) - serverBefore;
  let databaseCpuMs: number | undefined;
  const after = await dbPids();
  if (after.length > 0) {
    databaseCpuMs = after.reduce((sum, pid) => sum + Math.max(0, (cpuMsOf(pid) ?? 0) - (dbBefore.get(pid) ?? 0)), 0);
  }
  const result = JSON.parse(readFileSync(resultFile, "utf8")) as PhaseResult;
  const otherCpuMs =
    machineBefore === undefined || machineAfter === undefined
      ? undefined
      : Math.max(0, machineAfter - machineBefore - serverCpuMs - (databaseCpuMs ?? 0) - result.generatorCpuMs);
  return { result, serverCpuMs, databaseCpuMs, otherCpuMs };
}

export interface PhaseSummary {
  sent: number;
  answered: number;
  elapsedMs: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  maxSendLagMs: number;
  maxInFlight: number;
  /** Requests sent while one with the same webhook id was still unanswered (duplicates racing their original). */
  sentWhileSameIdInFlight: number;
  serverCpuMs: number;
  /** Server CPU time divided by answered requests: what one webhook costs the app process. */
  serverCpuMsPerRequest: number;
  databaseCpuMs?: number;
  generatorCpuMs: number;
  otherCpuMs?: number;
  /** Answered non-2xx, after Shopify's 5 s deadline, or not at all: Shopify counts these as failed and retries. */
  shopifyWouldRetry: number;
}

export function summarisePhase(run: PhaseRun): PhaseSummary {
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
    maxInFlight: result.maxInFlight,
    sentWhileSameIdInFlight: result.sentWhileSameIdInFlight,
    serverCpuMs: round(run.serverCpuMs, 0),
    serverCpuMsPerRequest: round(run.serverCpuMs / Math.max(1, result.answered)),
    shopifyWouldRetry: result.shopifyWouldRetry,
    databaseCpuMs: run.databaseCpuMs === undefined ? undefined : round(run.databaseCpuMs, 0),
    generatorCpuMs: round(result.generatorCpuMs, 0),
    otherCpuMs: run.otherCpuMs === undefined ? undefined : round(run.otherCpuMs, 0),
  };
}

/** `npm run build`: Remix's client and server builds, then the production entry points (vite.scripts.config.ts). */
export async function buildApp(workDir: string) {
  const logFile = path.join(workDir, "build.log");
  const started = performance.now();
  for (const args of [[REMIX_CLI, "vite:build"], [VITE_CLI, "build", "--config", "vite.scripts.config.ts"]]) {
    const fd = openSync(logFile, "a");
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", fd, fd], env: { ...process.env, NODE_ENV: "production" } });
    closeSync(fd);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (code !== 0) throw new Error(`${path.basename(args[0])} ${args.slice(1).join(" ")} failed (exit ${code}):\n${tail(logFile, 60)}`);
  }
  return performance.now() - started;
}

/** Builds the app unless --skip-build found a build to reuse; returns the build time, if it built. */
export async function ensureBuild(workDir: string, skipBuild: boolean): Promise<number | undefined> {
  if (skipBuild && existsSync(path.join(ROOT, "build/server/index.js")) && existsSync(APP_SERVER[0])) {
    log("using the existing build/ (--skip-build)");
    return undefined;
  }
  log("building the app (npm run build)...");
  const buildMs = await buildApp(workDir);
  log(`built in ${(buildMs / 1000).toFixed(1)} s`);
  return buildMs;
}

/**
 * --cpu-prof: V8 writes the profile only on a normal exit, and the server waits for its requests on SIGTERM, so
 * the profiled app gets an immediate exit on SIGTERM. One folder per run and target, one file per thread (Node's
 * default names end in the thread id: tsx's module loader has a thread of its own, the app's code runs on the
 * main thread, the file with the lowest thread id). Open them in Chrome DevTools or speedscope.
 */
export function profileArgs(name: string): string[] {
  return [
    "--cpu-prof",
    `--cpu-prof-dir=${path.join(PROFILE_DIR, `${name}-${Date.now()}`)}`,
    "--import",
    "data:text/javascript,process.once('SIGTERM',()=>process.exit(0))",
  ];
}

/** Rows of `SELECT <k>, COUNT(*) AS n ... GROUP BY <k>` as an object. */
export async function countBy(db: TestDatabase, sql: string, ...values: unknown[]): Promise<Record<string, number>> {
  const rows = await db.prisma.$queryRawUnsafe<{ k: string; n: bigint | number }[]>(sql, ...values);
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}
