import { readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";

import type { BenchRequest, ClosedPhase, OpenPhase, Phase } from "./payloads";

/**
 * The load generator, run as its own process so that it does not share an event loop with the server it measures
 * (it still shares the machine's cores). Usage: load.ts <origin> <phase.json> <result.json>.
 *
 * closed phases: `concurrency` workers each send the next request as soon as their previous one is answered;
 * throughput at saturation = answered / wall time.
 * open phases: request i is due at start + i / rate whatever happened before (an open loop, as Shopify sends), and
 * its latency is counted from that due time, not from when it actually left. A stalled server therefore shows up
 * in the percentiles instead of silently slowing the generator (coordinated omission).
 */

/** One phase per process run, so the caller can read the server's CPU time between phases. */
export interface LoadPlan {
  path: string;
  phase: Phase;
}

export interface PhaseResult {
  name: string;
  mode: Phase["mode"];
  sent: number;
  answered: number;
  elapsedMs: number;
  /** Wall-clock time (Date.now()) of the phase's start, to line samples up with what the server recorded. */
  startedAtEpochMs: number;
  latenciesMs: number[];
  /** For each latency sample, when its request was due (open) or sent (closed), in ms from the phase's start. */
  sentAtMs: number[];
  statuses: Record<string, number>;
  errors: Record<string, number>;
  /** Webhook ids answered with a 2xx: Shopify considers these delivered. */
  acked: string[];
  /** Open loop only: how late the generator itself was in sending; large values mean the figures are suspect. */
  maxSendLagMs: number;
  /** CPU time the generator process used (user + system), including its start-up. */
  generatorCpuMs: number;
  /** Answered non-2xx, not answered, or answered after Shopify's 5 s deadline: Shopify would retry these. */
  shopifyWouldRetry: number;
  /** Their webhook ids, once each. */
  retryIds: string[];
  /** The most requests that were waiting for an answer at the same time: the concurrency the server really saw. */
  maxInFlight: number;
  /** Requests sent while another request with the same webhook id was still waiting for its answer. */
  sentWhileSameIdInFlight: number;
}

const SHOPIFY_DEADLINE_MS = 5_000;

const REQUEST_TIMEOUT_MS = 10_000;

interface Outcome {
  status?: number;
  error?: string;
}

function sender(origin: string, defaultPath: string) {
  const url = new URL(defaultPath, origin);
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  let inFlight = 0;
  const inFlightIds = new Map<string, number>();
  const stats = { maxInFlight: 0, sentWhileSameIdInFlight: 0 };
  const settled = (r: BenchRequest) => {
    inFlight--;
    const left = (inFlightIds.get(r.webhookId) ?? 1) - 1;
    if (left > 0) inFlightIds.set(r.webhookId, left);
    else inFlightIds.delete(r.webhookId);
  };
  const send = (r: BenchRequest): Promise<Outcome> =>
    new Promise<Outcome>((resolve) => {
      inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      const sameId = inFlightIds.get(r.webhookId) ?? 0;
      if (sameId > 0) stats.sentWhileSameIdInFlight++;
      inFlightIds.set(r.webhookId, sameId + 1);
      const body = Buffer.from(r.body, "utf8");
      const req = request(
        {
          agent,
          method: "POST",
          hostname: url.hostname,
          port: url.port,
          path: r.path ?? url.pathname,
          headers: { ...r.headers, "content-length": String(body.length) },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode }));
          res.on("error", (error) => resolve({ error: error.message }));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      req.end(body);
    }).finally(() => settled(r));
  return { send, stats, close: () => agent.destroy() };
}

function emptyResult(phase: Phase): PhaseResult {
  return {
    name: phase.name,
    mode: phase.mode,
    sent: 0,
    answered: 0,
    elapsedMs: 0,
    startedAtEpochMs: 0,
    latenciesMs: [],
    sentAtMs: [],
    statuses: {},
    errors: {},
    acked: [],
    maxSendLagMs: 0,
    generatorCpuMs: 0,
    shopifyWouldRetry: 0,
    retryIds: [],
    maxInFlight: 0,
    sentWhileSameIdInFlight: 0,
  };
}

function record(result: PhaseResult, r: BenchRequest, outcome: Outcome, latencyMs: number, sentAtMs: number) {
  if (outcome.status !== undefined) {
    result.answered++;
    result.statuses[outcome.status] = (result.statuses[outcome.status] ?? 0) + 1;
    if (outcome.status >= 200 && outcome.status < 300) result.acked.push(r.webhookId);
  } else {
    const key = outcome.error ?? "unknown";
    result.errors[key] = (result.errors[key] ?? 0) + 1;
  }
  // Failed requests keep their latency too: a timeout is the worst answer time, not a missing sample.
  result.latenciesMs.push(latencyMs);
  result.sentAtMs.push(sentAtMs);
  const delivered = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300 && latencyMs <= SHOPIFY_DEADLINE_MS;
  if (!delivered) {
    result.shopifyWouldRetry++;
    result.retryIds.push(r.webhookId);
  }
}

async function runClosed(phase: ClosedPhase, send: (r: BenchRequest) => Promise<Outcome>): Promise<PhaseResult> {
  const result = emptyResult(phase);
  const start = performance.now();
  result.startedAtEpochMs = Date.now();
  const deadline = start + phase.timeLimitMs;
  let next = 0;
  const worker = async () => {
    while (next < phase.requests.length && performance.now() < deadline) {
      const r = phase.requests[next++];
      result.sent++;
      const t0 = performance.now();
      const outcome = await send(r);
      record(result, r, outcome, performance.now() - t0, t0 - start);
    }
  };
  await Promise.all(Array.from({ length: phase.concurrency }, worker));
  result.elapsedMs = performance.now() - start;
  return result;
}

async function runOpen(phase: OpenPhase, send: (r: BenchRequest) => Promise<Outcome>): Promise<PhaseResult> {
  const result = emptyResult(phase);
  const interval = 1000 / phase.ratePerSecond;
  const start = performance.now() + 20;
  result.startedAtEpochMs = Date.now() + 20;
  const deadline = start + phase.timeLimitMs;
  // Request i is due at start + i/rate; one marked withPrevious goes out together with the request before it.
  const offsets: number[] = [];
  phase.requests.forEach((r, i) => offsets.push(r.withPrevious && i > 0 ? offsets[i - 1] : i * interval));
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (next < phase.requests.length && start + offsets[next] <= now && now < deadline) {
        const due = start + offsets[next];
        const r = phase.requests[next++];
        result.sent++;
        result.maxSendLagMs = Math.max(result.maxSendLagMs, now - due);
        const p = send(r).then((outcome) => {
          record(result, r, outcome, performance.now() - due, due - start);
          inFlight.delete(p);
        });
        inFlight.add(p);
      }
      if (next >= phase.requests.length || performance.now() >= deadline) return done();
      setTimeout(tick, Math.max(0, start + offsets[next] - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  result.elapsedMs = performance.now() - start;
  return result;
}

async function main() {
  const [origin, phaseFile, resultFile] = process.argv.slice(2);
  if (!origin || !phaseFile || !resultFile) throw new Error("usage: load.ts <origin> <phase.json> <result.json>");
  const { path, phase } = JSON.parse(readFileSync(phaseFile, "utf8")) as LoadPlan;
  const { send, stats, close } = sender(origin, path);
  const result = phase.mode === "closed" ? await runClosed(phase, send) : await runOpen(phase, send);
  result.maxInFlight = stats.maxInFlight;
  result.sentWhileSameIdInFlight = stats.sentWhileSameIdInFlight;
  result.retryIds = [...new Set(result.retryIds)];
  close();
  const cpu = process.cpuUsage();
  result.generatorCpuMs = (cpu.user + cpu.system) / 1000;
  writeFileSync(resultFile, JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
