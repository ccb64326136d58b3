/**
 * npm run bench:catalog — the catalog export at 10,000 and 100,000 variants (issue 5 point 6).
 *
 * The simulator (this process) holds a shop of each size, built by its own seed (options, images, collections) and
 * serves the bulk result as Shopify would: bulkOperationRunQuery → RUNNING → COMPLETED → the JSONL at `url`. The
 * app's export runs in a child process of its own (bench/lib/catalog-export.ts) on a fresh database: the real
 * switch hook, `catalog.export` job, bulk runner and flip, then the finished XML feed read through the route.
 * Printed per size: time to a finished feed (split into Shopify's collection and the app's download + apply + flip),
 * the time to stream the feed, and the child's peak RSS (kernel high-water mark). Goals: 100,000 in < 10 s and
 * < 200 MB, and peak RSS at 100,000 ≤ 1.5 × peak RSS at 10,000.
 *
 * The exporting process runs compiled JavaScript, as `npm run worker` does (build/bench/catalog-export.js, built
 * here with vite.scripts.config.ts's settings); `--tsx` runs its TypeScript source through tsx instead.
 *
 *   npx tsx bench/catalog.ts [--sizes=10000,100000 (each size in a process of its own)] [--db=sqlite|postgresql] [--child-heap-mb=128] [--cpu-prof] [--tsx]
 */
import path from "node:path";
import { performance } from "node:perf_hooks";

import { build } from "vite";

import { startSimulator } from "../tests/simulator";
import { scriptsBuild } from "../vite.scripts.config";
import { createTestDatabase, type DbProvider } from "../tests/support/db";
import { seedCatalogShop } from "./lib/catalog-store";
import { lastJsonLine, ROOT } from "./lib/harness";

const API_KEY = "bench-catalog-key";
const API_SECRET = "bench-catalog-secret";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const sizes = (args.sizes ?? "10000,100000").split(",").map(Number);
const provider = (args.db ?? "sqlite") as DbProvider;
/** Optional V8 old-space limit for the exporting process only (e.g. 128): shows what the export needs live. */
const childHeapMb = args["child-heap-mb"] ? Number(args["child-heap-mb"]) : null;
// A V8 CPU profile of the exporting process, one file per thread, in bench/results/profiles/catalog-<size>-<time>/.
const cpuProf = "cpu-prof" in args;
const viaTsx = "tsx" in args;
const CHILD_BUILD = path.join(ROOT, "build/bench/catalog-export.js");

interface Result {
  outcome: string | null;
  error: string | null;
  mode: string | null;
  variantsInShop: number | null;
  bulkLines: number | null;
  exportMs: number;
  collectMs: number | null;
  applyMs: number | null;
  feedStatus: number;
  feedMs: number;
  feedBytes: number;
  feedOffers: number;
  rssBeforeMb: number;
  peakRssAfterExportMb: number;
  peakRssMb: number;
}

async function runChild(origin: string, shop: string, token: string): Promise<Result> {
  const database = await createTestDatabase(provider, { name: "catalogbench" });
  await database.prisma.$disconnect();
  try {
    return await spawnChild(origin, shop, token, database.url);
  } finally {
    await database.drop();
  }
}

async function spawnChild(origin: string, shop: string, token: string, databaseUrl: string): Promise<Result> {
  const v8Flags = [
    ...(childHeapMb ? [`--max-old-space-size=${childHeapMb}`] : []),
    ...(process.env.BENCH_CHILD_FLAGS ? process.env.BENCH_CHILD_FLAGS.split(" ") : []),
    ...(cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${path.join(ROOT, "bench/results/profiles", `catalog-${shop.split(".")[0]}-${Date.now()}`)}`] : []),
  ];
  const entry = viaTsx ? ["--import", "tsx", "bench/lib/catalog-export.ts"] : [CHILD_BUILD];
  const { value, before } = await lastJsonLine<Result>(
    [...v8Flags, ...entry, origin, shop, provider],
    {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SHOPIFY_API_KEY: API_KEY,
      SHOPIFY_API_SECRET: API_SECRET,
      SHOPIFY_APP_URL: "http://127.0.0.1:9",
      SHOPIFY_ADMIN_ORIGIN: origin,
      RUN_WORKER_IN_PROCESS: "false",
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "silent",
      BENCH_ACCESS_TOKEN: token,
      NODE_ENV: "production",
    },
    "export process",
  );
  // With BENCH_LOG_LEVEL the app's log lines come first on the same stdout.
  if (process.env.BENCH_LOG_LEVEL) process.stderr.write(before.join("\n") + "\n");
  return value;
}

type SizeResult = { size: number; seeded: ReturnType<typeof seedCatalogShop>; seedMs: number; result: Result };

/** The sizes one after the other in this process, the simulator in it too. */
async function runSizes(list: number[]): Promise<SizeResult[]> {
  const sim = await startSimulator({ port: 0, apiKey: API_KEY, apiSecret: API_SECRET, appUrl: "http://127.0.0.1:9", seed: false, quiet: true, bulkPhaseMs: 20, webhookSwitches: { retries: false } });
  const out: SizeResult[] = [];
  try {
    for (const size of list) {
      const shop = `syncline-bench-catalog-${size}.myshopify.com`;
      const seedStarted = performance.now();
      const seeded = seedCatalogShop(sim.store, shop, size);
      const seedMs = Math.round(performance.now() - seedStarted);
      process.stderr.write(`[bench] ${shop}: ${seeded.variants} variants, ${seeded.products} products, ${seeded.collections} collections (seeded in ${seedMs} ms); exporting…\n`);
      const result = await runChild(sim.origin, shop, sim.accessToken(shop));
      out.push({ size, seeded, seedMs, result });
      sim.store.shops.delete(shop);
    }
  } finally {
    await sim.close();
  }
  return out;
}

/**
 * Each size in a benchmark process of its own (this script again, with `--sizes=N --built`): the simulator collects
 * the bulk result on this process's thread, and after a 10,000-variant run its heap and JIT state made the
 * 100,000-variant collection ~2 s slower than in a fresh process.
 */
async function runSizesApart(list: number[]): Promise<SizeResult[]> {
  const out: SizeResult[] = [];
  const passOn = process.argv.slice(2).filter((a) => !a.startsWith("--sizes="));
  for (const size of list) {
    const args = [...process.execArgv, process.argv[1], ...passOn, `--sizes=${size}`, "--built"];
    const { value } = await lastJsonLine<{ results: SizeResult[] }>(args, process.env, `bench:catalog --sizes=${size}`);
    out.push(...value.results);
  }
  return out;
}

if (!viaTsx && !("built" in args)) {
  process.stderr.write("[bench] building the exporting process (build/bench/catalog-export.js)…\n");
  await build(scriptsBuild({ "catalog-export": "bench/lib/catalog-export.ts" }, "build/bench"));
}
const results = sizes.length > 1 ? await runSizesApart(sizes) : await runSizes(sizes);

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`\nCatalog export (${provider}${viaTsx ? ", exporting process under tsx" : ""}${childHeapMb ? `, exporting process limited to a ${childHeapMb} MB V8 old space` : ""}), time to a finished feed and peak RSS of the exporting process`);
console.log(`${"variants".padEnd(10)}${pad("mode", 6)}${pad("outcome", 11)}${pad("total s", 9)}${pad("collect s", 11)}${pad("apply s", 9)}${pad("feed s", 8)}${pad("feed MB", 9)}${pad("offers", 9)}${pad("RSS start", 11)}${pad("peak RSS", 10)}`);
for (const { seeded, result: r } of results) {
  console.log(
    `${String(seeded.variants).padEnd(10)}${pad(r.mode ?? "-", 6)}${pad(r.outcome ?? "-", 11)}${pad((r.exportMs / 1000).toFixed(2), 9)}${pad(r.collectMs === null ? "-" : (r.collectMs / 1000).toFixed(2), 11)}${pad(r.applyMs === null ? "-" : (r.applyMs / 1000).toFixed(2), 9)}${pad((r.feedMs / 1000).toFixed(2), 8)}${pad((r.feedBytes / 1048576).toFixed(1), 9)}${pad(r.feedOffers, 9)}${pad(`${r.rssBeforeMb} MB`, 11)}${pad(`${r.peakRssMb} MB`, 10)}`,
  );
  if (r.error) console.log(`  error: ${r.error}`);
  if (r.feedOffers !== seeded.variants) console.log(`  MISMATCH: the feed offers ${r.feedOffers}, the shop has ${seeded.variants} variants`);
}
const small = results.find((r) => r.size === 10_000)?.result;
const large = results.find((r) => r.size === 100_000)?.result;
if (small && large) {
  const ratio = large.peakRssMb / small.peakRssMb;
  console.log(`\nGoals at 100,000: total < 10 s: ${large.exportMs < 10_000 ? "met" : "NOT met"} (${(large.exportMs / 1000).toFixed(2)} s); peak RSS < 200 MB: ${large.peakRssMb < 200 ? "met" : "NOT met"} (${large.peakRssMb} MB); RSS 100k/10k ≤ 1.5: ${ratio <= 1.5 ? "met" : "NOT met"} (${ratio.toFixed(2)})`);
}
console.log(JSON.stringify({ provider, results }));
