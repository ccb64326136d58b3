/**
 * One bench:consent scenario, in its own process so the app's modules bind to the benchmark database (DATABASE_URL
 * is read when ~/db.server loads). Started by bench/consent.ts with the scenario in BENCH_CONSENT_SCENARIO; prints
 * one JSON line (ScenarioResult) on stdout.
 */
import { performance } from "node:perf_hooks";

import { BenchSimulator, type SimCustomer } from "./consent-sim";
import { log } from "./harness";

export const MUTATION_COST = 10;
export const SCOPES = ["read_customers", "write_customers"];

export interface Scenario {
  name: string;
  shop: string;
  plan: string;
  changes: number;
}

export interface ScenarioResult {
  scenario: Scenario;
  restoreRate: number;
  bucketAtStart: number;
  bucketMax: number;
  changes: number;
  writes: number;
  seconds: number;
  importSeconds: number;
  failed: number;
  throttled: number;
  superseded: number;
  stale: number;
  wrong: number;
  lanes: number;
}

interface Decision {
  customer: SimCustomer;
  channel: "email" | "sms";
  state: "SUBSCRIBED" | "UNSUBSCRIBED" | "PENDING";
  decidedAt: number;
}

const STATES = ["SUBSCRIBED", "UNSUBSCRIBED", "PENDING"] as const;

/**
 * Deterministic decisions: customer i decides state i % 3 (by SMS for one in five with a phone), i seconds after a
 * common start an hour ago; one customer in ten also gets an older decision, posted after the newer one.
 */
function decisionsFor(customers: SimCustomer[], count: number, now: number): { newest: Decision[]; older: Decision[] } {
  const usable = customers.filter((c) => c.email || c.phone);
  const base = Math.floor(now / 1000) * 1000 - 3_600_000;
  const newest: Decision[] = [];
  const older: Decision[] = [];
  for (let i = 0; newest.length + older.length < count && i < usable.length; i++) {
    const c = usable[i];
    const channel = c.email && (i % 5 !== 0 || !c.phone) ? "email" : "sms";
    newest.push({ customer: c, channel, state: STATES[i % 3], decidedAt: base + i * 100 });
    if (i % 10 === 0 && newest.length + older.length < count) {
      older.push({ customer: c, channel, state: STATES[(i + 1) % 3], decidedAt: base + i * 100 - 600_000 });
    }
  }
  return { newest, older };
}

function body(d: Decision) {
  return {
    ...(d.channel === "email" ? { email: d.customer.email } : { phone: d.customer.phone }),
    channel: d.channel,
    state: d.state.toLowerCase(),
    optInLevel: "single_opt_in",
    decidedAt: new Date(d.decidedAt).toISOString(),
  };
}

async function run(scenario: Scenario, sim: BenchSimulator): Promise<ScenarioResult> {
  const { prisma } = await import("~/db.server");
  await import("~/jobs/registry.server");
  const { runUntilIdle } = await import("~/jobs/worker.server");
  const { acceptBatch } = await import("~/consent/intake.server");
  const { pushPendingChanges } = await import("~/consent/push.server");
  const { lanesFor } = await import("~/consent/pacing");
  const { startConsentImport } = await import("~/consent/import.server");
  const { adminClientForShop, adminThrottle } = await import("~/shopify/admin-client.server");
  const { logger } = await import("~/logger.server");
  const { shop } = scenario;

  log(`${scenario.name}: seeding customers`);
  await sim.addShop(shop, scenario.plan, Math.ceil(scenario.changes * 0.95), SCOPES);
  const token = await sim.token(shop);
  await prisma.shop.create({ data: { shop, scopes: SCOPES.join(",") } });
  await prisma.session.create({ data: { id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: token, scope: SCOPES.join(",") } });
  for (const sync of ["consent_email", "consent_sms"]) {
    await prisma.syncSetting.create({ data: { shop, sync, enabled: true, status: "on", options: "{}", enabledAt: new Date() } });
  }

  log(`${scenario.name}: importing existing customers (bulk)`);
  const importStarted = performance.now();
  const { run: bulk } = await startConsentImport(prisma, shop);
  for (let round = 1; ; round++) {
    await runUntilIdle({ db: prisma, concurrency: 1, clock: () => new Date(Date.now() + round * 60_000), maxJobs: 1_000_000 });
    const state = await prisma.bulkRun.findUniqueOrThrow({ where: { id: bulk.id } });
    if (state.status === "completed") break;
    if (!["pending", "running", "processing"].includes(state.status)) throw new Error(`import ${state.status}: ${state.error}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const importSeconds = (performance.now() - importStarted) / 1000;
  log(`${scenario.name}: import took ${importSeconds.toFixed(1)} s`);
  // The import queued consent.changed deliveries; there is no platform here, so they are set aside.
  await prisma.job.deleteMany({ where: { shop } });

  const customers = await sim.customers(shop);
  const { newest, older } = decisionsFor(customers, scenario.changes, Date.now());
  const all = [...newest, ...older];
  for (let i = 0; i < all.length; i += 1_000) {
    const result = await acceptBatch(prisma, shop, { changes: all.slice(i, i + 1_000).map(body) });
    if (result.rejected) throw new Error(`intake rejected ${result.rejected}: ${JSON.stringify(result.results.find((r) => r.status === "rejected"))}`);
  }
  // The push runs below, measured; the kick jobs the batches queued are not needed.
  await prisma.job.deleteMany({ where: { shop } });

  // Every push starts from an almost empty bucket (one mutation's worth), so the bound is the restore rate alone (a
  // full bucket would add a burst of maximumAvailable ÷ cost free writes and flatter the figure). The bucket is
  // emptied behind the app's back, so this process's view of it (from the import's calls) is dropped too: the push
  // starts like a worker that has not called this shop yet, and learns the bucket from its first answer.
  const before = await sim.state(shop);
  await sim.fillBucket(shop, MUTATION_COST);
  adminThrottle.forget(shop);
  const start = await sim.state(shop);
  const client = await adminClientForShop(shop, { db: prisma });
  log(`${scenario.name}: pushing ${all.length} changes (${newest.length} people, ${older.length} older decisions)`);
  const started = performance.now();
  const summary = await pushPendingChanges(prisma, shop, client, { log: logger });
  const seconds = (performance.now() - started) / 1000;
  const after = await sim.state(shop);

  // Most recent decision wins: the platform's, unless Shopify held a newer one before the push.
  const final = new Map((await sim.customers(shop)).map((c) => [c.id, c]));
  let wrong = 0;
  for (const d of newest) {
    const initial = d.channel === "email" ? d.customer.emailConsent : d.customer.smsConsent;
    const initialAt = initial?.consentUpdatedAt ? Date.parse(initial.consentUpdatedAt) : -Infinity;
    const expected = initialAt > Math.floor(d.decidedAt / 1000) * 1000 ? initial!.state : d.state;
    const c = final.get(d.customer.id)!;
    const now = d.channel === "email" ? c.emailConsent : c.smsConsent;
    if (now?.state !== expected) wrong++;
  }
  await prisma.$disconnect();
  return {
    scenario,
    restoreRate: start.throttle.restoreRate,
    bucketAtStart: start.throttle.currentlyAvailable,
    bucketMax: start.throttle.maximumAvailable,
    changes: all.length,
    writes: summary.writes,
    seconds,
    importSeconds,
    failed: summary.failed,
    throttled: after.adminApi.throttled - before.adminApi.throttled,
    superseded: summary.superseded,
    stale: summary.stale,
    wrong,
    lanes: lanesFor(start.throttle.restoreRate),
  };
}

const scenario = JSON.parse(process.env.BENCH_CONSENT_SCENARIO ?? "null") as Scenario | null;
if (scenario) {
  const sim = BenchSimulator.attach(process.env.SHOPIFY_ADMIN_ORIGIN!);
  const result = await run(scenario, sim);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
