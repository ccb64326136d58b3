/**
 * npm run bench:consent — issue 6 point 8: platform consent changes pushed to the Shopify simulator through the
 * consent push (app/consent/push.server.ts), on a Standard shop (restore 100 points/s, 1,000 changes) and a Plus shop
 * (1,000 points/s, 10,000 changes), the simulator charging Shopify's mutation cost (10 points) and enforcing its
 * leaky bucket (maximumAvailable 20 × the restore rate).
 *
 * Each scenario runs in its own app process on a fresh database (bench/lib/consent-run.ts): a shop with customers;
 * the app imports their consent with the bulk import (as a merchant would after turning the sync on); the platform
 * posts the changes in batches of 1,000 (one decision per customer; one customer in ten also gets an older decision,
 * posted after the newer one, which must not be written); then the push runs until the queue is empty, starting
 * from an almost empty bucket (one mutation's worth; a full one would add a free burst of maximumAvailable ÷ cost
 * writes and flatter the figure).
 * Printed per scenario: consent writes per second; the bound the bucket implies, restore rate ÷ mutation cost; their
 * ratio; failed writes; THROTTLED answers; and how many customers' final state in the simulator differs from the most
 * recent decision (the platform's, unless Shopify held a newer one).
 *
 * Options: --scenarios=standard,plus   --provider=sqlite|postgresql
 */
import path from "node:path";

import { BenchSimulator } from "./lib/consent-sim";
import { MUTATION_COST, type Scenario, type ScenarioResult } from "./lib/consent-run";
import { lastJsonLine, loadTestDbModule, log, pad, ROOT, TSX_IMPORT } from "./lib/harness";

const API_KEY = "syncline-bench-key";
const API_SECRET = "syncline-bench-secret";

const SCENARIOS: Scenario[] = [
  { name: "standard", shop: "bench-consent-standard.myshopify.com", plan: "standard", changes: 1_000 },
  { name: "plus", shop: "bench-consent-plus.myshopify.com", plan: "plus", changes: 10_000 },
];

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const chosen = (args.get("scenarios") ?? "standard,plus").split(",");
const provider = (args.get("provider") ?? "sqlite") as "sqlite" | "postgresql";

async function runScenario(scenario: Scenario, env: Record<string, string>): Promise<ScenarioResult> {
  const args = ["--import", TSX_IMPORT, path.join(ROOT, "bench/lib/consent-run.ts")];
  return (await lastJsonLine<ScenarioResult>(args, { ...process.env, ...env, BENCH_CONSENT_SCENARIO: JSON.stringify(scenario) }, `scenario ${scenario.name}`)).value;
}

async function main() {
  const sim = await BenchSimulator.start(API_KEY, API_SECRET);
  const { createTestDatabase } = await loadTestDbModule();
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of SCENARIOS.filter((s) => chosen.includes(s.name))) {
      const database = await createTestDatabase(provider, { name: `bench_consent_${scenario.name}` });
      await database.prisma.$disconnect();
      try {
        results.push(
          await runScenario(scenario, {
            DATABASE_URL: database.url,
            SHOPIFY_API_KEY: API_KEY,
            SHOPIFY_API_SECRET: API_SECRET,
            SHOPIFY_APP_URL: "http://127.0.0.1:9",
            SHOPIFY_ADMIN_ORIGIN: sim.origin,
            RUN_WORKER_IN_PROCESS: "false",
            LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
          }),
        );
      } finally {
        await database.drop();
      }
    }
  } finally {
    await sim.stop();
  }

  const widths = [9, 8, 7, 7, 6, 9, 8, 7, 6, 6, 6, 6, 6, 6];
  const header = ["shop", "restore", "changes", "writes", "secs", "writes/s", "bound/s", "ratio", "failed", "thrtld", "supsd", "stale", "wrong", "goal"];
  console.log(`\nbench:consent (${provider}; ${MUTATION_COST} points per mutation; each push starts from an almost empty bucket)`);
  console.log(header.map((h, i) => pad(h, widths[i], i === 0)).join(" "));
  let allGood = true;
  for (const r of results) {
    const boundSeconds = Math.max(0, (r.writes * MUTATION_COST - r.bucketAtStart) / r.restoreRate);
    const bound = boundSeconds > 0 ? r.writes / boundSeconds : Infinity;
    const achieved = r.writes / r.seconds;
    const ratio = achieved / bound;
    const good = ratio >= 0.9 && r.failed === 0 && r.wrong === 0 && r.throttled === 0;
    allGood &&= good;
    const cells = [
      r.scenario.name,
      `${r.restoreRate}/s`,
      r.changes,
      r.writes,
      r.seconds.toFixed(1),
      achieved.toFixed(1),
      bound.toFixed(1),
      `${(ratio * 100).toFixed(1)}%`,
      r.failed,
      r.throttled,
      r.superseded,
      r.stale,
      r.wrong,
      good ? "ok" : "MISSED",
    ];
    console.log(cells.map((c, i) => pad(c, widths[i], i === 0)).join(" "));
  }
  for (const r of results) {
    console.log(
      `  ${r.scenario.name}: bucket ${r.bucketAtStart}/${r.bucketMax} points at start, ${r.lanes} lanes, import of the customers' consent ${r.importSeconds.toFixed(1)} s (not timed in writes/s)`,
    );
  }
  console.log(
    "\nbound/s: what the bucket allows, restore rate ÷ mutation cost (from the bucket the push started with)." +
      "\nratio = writes/s ÷ bound/s (goal ≥ 90%); failed: writes Shopify refused (goal 0); thrtld: THROTTLED answers;" +
      "\nsupsd + stale: decisions not written (older than one already in Shopify or in the queue);" +
      "\nwrong: final states that are not the most recent decision (goal 0).",
  );
  log(allGood ? "every goal met" : "some goal missed");
  process.exitCode = allGood ? 0 : 1;
}

await main();
