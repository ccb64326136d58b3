/**
 * The process bench/catalog.ts measures: the app's own export path, alone in its process. It turns the catalog
 * switch on for a shop the simulator (another process) holds, runs the app's jobs until the feed is published (the
 * real `catalog.export` job, the bulk runner streaming the simulator's JSONL, the flip), then streams the XML feed
 * through the real route handler and counts its offers. Prints one JSON line on stdout.
 *
 * Peak RSS is the kernel's high-water mark of this process (VmHWM in /proc/self/status), not a sample.
 *
 *   DATABASE_URL=… SHOPIFY_API_KEY=… SHOPIFY_API_SECRET=… SHOPIFY_APP_URL=… SHOPIFY_ADMIN_ORIGIN=<simulator> \
 *     tsx bench/lib/catalog-export.ts <simulator origin> <shop> <sqlite|postgresql>
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const [origin, shop, provider = "sqlite"] = process.argv.slice(2);
if (!origin || !shop) throw new Error("usage: catalog-export.ts <simulator origin> <shop> [sqlite|postgresql]");

function status(field: "VmHWM" | "VmRSS"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}

// The parent created and migrated the database (DATABASE_URL) and set the app's environment: this process loads
// only what the app process loads.
const { prisma: db } = await import("~/db.server");
await import("~/jobs/registry.server");
const { runUntilIdle } = await import("~/jobs/worker.server");
const { runSwitchedOn } = await import("~/syncs/hooks.server");
const { catalogFeedResponse } = await import("~/catalog/feed-response.server");
// The Shopify libraries (shopifyApp, the Admin API client): the server loads them at boot; a worker process on its
// first job. Loaded here before the clock starts, as in a running app.
await import("~/shopify/admin-client.server");

const scopes = ["read_products", "read_inventory"];
await db.shop.create({ data: { shop, scopes: scopes.join(",") } });
await db.session.create({ data: { id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: process.env.BENCH_ACCESS_TOKEN ?? "", scope: scopes.join(",") } });
const rssBefore = status("VmRSS");
if (process.env.BENCH_TRACE) {
  setInterval(() => process.stderr.write(`[trace] ${Math.round(performance.now())} rss ${Math.round(status("VmRSS") / 1048576)} heap ${Math.round(process.memoryUsage().heapUsed / 1048576)} ext ${Math.round(process.memoryUsage().external / 1048576)} ab ${Math.round(process.memoryUsage().arrayBuffers / 1048576)}\n`), 250).unref();
}

const started = performance.now();
await db.$transaction(async (tx) => {
  await tx.syncSetting.create({ data: { shop, sync: "catalog", enabled: true, status: "on", enabledAt: new Date() } });
  await runSwitchedOn(tx, shop, "catalog");
});
// When the app began downloading the result: Shopify (the simulator) had finished collecting, and the next poll
// saw it. Sampled beside the jobs, which run inside runUntilIdle.
let collectedAt: number | null = null;
const watcher = setInterval(() => {
  if (collectedAt !== null) return;
  void db.bulkRun.findFirst({ where: { shop }, orderBy: { startedAt: "desc" }, select: { status: true } }).then((r) => {
    if (collectedAt === null && r && (r.status === "processing" || r.status === "completed")) collectedAt = performance.now();
  });
}, 50);
// The jobs' clock runs a minute ahead, so the bulk runner's next poll (2 s, then longer) is always due: the figures
// leave out the wait for it, and the loop looks every 250 ms instead (at most that much is added to "collect").
// Not faster: each poll is a GraphQL request the simulator answers on the thread that is collecting the result, and
// at every 25 ms the polls cost it about a second of a 100,000-variant collection.
for (;;) {
  await runUntilIdle({ db, concurrency: 1, leaseMs: 120_000, clock: () => new Date(Date.now() + 60_000) });
  const feed = await db.catalogFeed.findUniqueOrThrow({ where: { shop } });
  if (feed.lastExportOutcome) break;
  await new Promise((r) => setTimeout(r, 250));
}
clearInterval(watcher);
const exportedAt = performance.now();
const feed = await db.catalogFeed.findUniqueOrThrow({ where: { shop } });
const run = await db.bulkRun.findFirst({ where: { shop }, orderBy: { startedAt: "desc" } });
const peakAfterExport = status("VmHWM");

// The finished feed, read through the route as the platform would (identity encoding), offers counted.
const feedStarted = performance.now();
const response = await catalogFeedResponse(db, new Request(`http://app/feeds/catalog/${feed.token}.xml`), `${feed.token}.xml`);
let bytes = 0;
let offers = 0;
// Counted on the bytes, as a client streaming the feed to disk would: decoding 64 KB chunks into strings would put
// the reader's own garbage into the figure. The 7 bytes kept cannot hold a whole "</offer>", so none counts twice.
const CLOSE = Buffer.from("</offer>");
let tail = Buffer.alloc(0);
for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
  bytes += chunk.length;
  const data = tail.length ? Buffer.concat([tail, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  for (let at = data.indexOf(CLOSE); at !== -1; at = data.indexOf(CLOSE, at + CLOSE.length)) offers++;
  tail = Buffer.from(data.subarray(Math.max(0, data.length - (CLOSE.length - 1))));
}
const feedMs = performance.now() - feedStarted;

console.log(
  JSON.stringify({
    provider,
    outcome: feed.lastExportOutcome,
    error: feed.lastExportError,
    mode: feed.lastExportMode,
    variantsInShop: feed.variantCount,
    bulkLines: run?.linesProcessed ?? null,
    exportMs: Math.round(exportedAt - started),
    collectMs: collectedAt === null ? null : Math.round(collectedAt - started),
    applyMs: collectedAt === null ? null : Math.round(exportedAt - collectedAt),
    feedStatus: response.status,
    feedMs: Math.round(feedMs),
    feedBytes: bytes,
    feedOffers: offers,
    rssBeforeMb: Math.round(rssBefore / 1048576),
    peakRssAfterExportMb: Math.round(peakAfterExport / 1048576),
    peakRssMb: Math.round(status("VmHWM") / 1048576),
  }),
);
await db.$disconnect();
if (process.env.BENCH_TRACE) {
  const v8 = await import("node:v8");
  const mb = (n: number) => Math.round(n / 1048576);
  process.stderr.write(`[end] ${JSON.stringify(Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mb(v)])))}\n`);
  for (const s of v8.getHeapSpaceStatistics()) process.stderr.write(`[end] ${s.space_name} size ${mb(s.space_size)} used ${mb(s.space_used_size)}\n`);
  process.stderr.write(readFileSync("/proc/self/smaps_rollup", "utf8"));
}
