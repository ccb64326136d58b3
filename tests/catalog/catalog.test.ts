/**
 * Issue 5 against the Shopify simulator, on SQLite and PostgreSQL: the switch schedules exports and exports at once;
 * ≤ 500 variants are read page by page, more through a bulk operation; the feed (parsed back by an independent
 * parser) matches the simulator's catalog field by field; an export replaces the feed atomically, a failed bulk
 * operation keeps the old feed and is retried; webhook deltas reach the feed; the 4-hour schedule runs exports;
 * `catalog.exported` is emitted; wrong tokens get an empty 404; ETag / gzip work.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { DEMO_SHOP, seedShop, startSimulator, toJsonText, type Simulator } from "../simulator";
import { loadAppFor, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { TEST_API_KEY, TEST_API_SECRET } from "../support/webhooks";
import { bodyText, compareWithSimulator, expectedCatalog, parseXmlFeed } from "./support";

// Exports wait for the cost bucket as they would on Shopify (a Plus restore rate here keeps that short).
vi.setConfig({ testTimeout: 90_000 });

const pgUp = await postgresAvailable();
const SMALL = DEMO_SHOP; // 40 products: well under 500 variants
const BIG = "syncline-catalog-big.myshopify.com"; // 150 products: over 500 variants
const SCOPES = ["read_products", "read_inventory"];

let sim: Simulator;

function seedBoth() {
  seedShop(sim.store, { domain: BIG, name: "Big & <Catalog>", products: 150, customers: 1, orders: 0, seed: 7, scopes: SCOPES, plan: "plus" });
}

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    appUrl: "http://127.0.0.1:9",
    seed: { customers: 2, products: 40, orders: 0, bigIdShop: false, scopes: SCOPES, plan: "plus" },
    quiet: true,
    bulkPhaseMs: 5,
    webhookSwitches: { retries: false },
  });
});

afterAll(async () => {
  await sim?.close();
});

describe.each(["sqlite", "postgresql"] as const)("catalog sync on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against the simulator", () => {
    let database: TestDatabase;
    let app: {
      runUntilIdle: typeof import("~/jobs/worker.server").runUntilIdle;
      hooks: typeof import("~/syncs/hooks.server");
      exporter: typeof import("~/catalog/export.server");
      store: typeof import("~/catalog/store.server");
      feed: typeof import("~/catalog/feed-response.server");
      handlers: typeof import("~/webhooks/handlers.server");
      json: typeof import("~/webhooks/json");
      deltas: typeof import("~/catalog/deltas.server");
    };
    const db = () => database.prisma;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "catalog" });
      process.env.LOG_LEVEL = "silent";
      await loadAppFor(database, { simulatorOrigin: sim.origin });
      await import("~/jobs/registry.server");
      app = {
        runUntilIdle: (await import("~/jobs/worker.server")).runUntilIdle,
        hooks: await import("~/syncs/hooks.server"),
        exporter: await import("~/catalog/export.server"),
        store: await import("~/catalog/store.server"),
        feed: await import("~/catalog/feed-response.server"),
        handlers: await import("~/webhooks/handlers.server"),
        json: await import("~/webhooks/json"),
        deltas: await import("~/catalog/deltas.server"),
      };
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      sim.reset();
      seedBoth();
      sim.store.now = () => Date.now();
      const d = db();
      for (const model of [
        d.catalogVariant,
        d.catalogProduct,
        d.catalogCollection,
        d.catalogMembership,
        d.catalogTouch,
        d.catalogFeed,
        d.bulkRun,
        d.job,
        d.schedule,
        d.activityLog,
        d.outboundEvent,
        d.syncSetting,
        d.session,
        d.shop,
      ]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      for (const shop of [SMALL, BIG]) {
        sim.store.shop(shop).installation.scopes = SCOPES;
        await d.shop.create({ data: { shop, scopes: SCOPES.join(",") } });
        await d.session.create({
          data: { id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: sim.accessToken(shop), scope: SCOPES.join(",") },
        });
      }
    });

    /** Turns the switch on as the control plane does: the setting and the hooks in one transaction. */
    async function switchOn(shop: string) {
      await db().$transaction(async (tx) => {
        await tx.syncSetting.upsert({
          where: { shop_sync: { shop, sync: "catalog" } },
          create: { shop, sync: "catalog", enabled: true, status: "on", enabledAt: new Date() },
          update: { enabled: true, status: "on" },
        });
        await app.hooks.runSwitchedOn(tx, shop, "catalog");
      });
    }

    /** Runs due jobs (bulk polls included) until nothing is left, each round a little further ahead. */
    async function work(aheadMs = 60_000) {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        // No platform is connected here: the catalog.exported events stay stored (checked below), their delivery
        // attempts are dropped so that a clock hours ahead does not keep retrying them.
        await db().job.deleteMany({ where: { type: "events.deliver" } });
        const ran = await app.runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000, clock: () => new Date(Date.now() + aheadMs) });
        const active = await db().bulkRun.count({ where: { status: { in: ["pending", "running", "processing"] } } });
        if (active === 0 && ran === 0) return;
        // A bulk run polls Shopify every few seconds: let the next poll come due.
        if (active > 0 && ran === 0) await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("jobs did not settle");
    }

    async function fetchFeed(shop: string, format: "xml" | "json", headers: Record<string, string> = {}) {
      const feed = await db().catalogFeed.findUniqueOrThrow({ where: { shop } });
      const request = new Request(`http://app.test/feeds/catalog/${feed.token}.${format}`, { headers });
      return app.feed.catalogFeedResponse(db(), request, `${feed.token}.${format}`);
    }

    async function xmlOf(shop: string) {
      const response = await fetchFeed(shop, "xml");
      expect(response.status).toBe(200);
      return bodyText(response);
    }

    it("GIVEN a shop with ≤ 500 variants WHEN the switch turns on THEN it is exported at once and the feed matches the simulator field by field", async () => {
      await switchOn(SMALL);
      // THEN the 4-hour schedule exists and an export is queued
      const schedule = await db().schedule.findUniqueOrThrow({ where: { name: app.exporter.exportScheduleName(SMALL) } });
      expect(schedule.intervalSeconds).toBe(4 * 3600);
      await work();
      const feed = await db().catalogFeed.findUniqueOrThrow({ where: { shop: SMALL } });
      expect(feed.lastExportMode).toBe("immediate");
      expect(feed.lastExportOutcome).toBe("completed");
      expect(feed.generation).toBe(1);
      expect(await db().bulkRun.count({ where: { shop: SMALL } })).toBe(0);

      const xml = await xmlOf(SMALL);
      const parsed = parseXmlFeed(xml);
      const expected = expectedCatalog(sim, SMALL);
      expect(expected.offers.size).toBeGreaterThan(40);
      expect(expected.offers.size).toBeLessThanOrEqual(500);
      expect(compareWithSimulator(parsed, expected)).toEqual([]);
      // Unpublished products are offered, inactive.
      expect([...parsed.offers.values()].some((o) => !o.active)).toBe(true);

      // The JSON feed holds the same offers.
      const json = JSON.parse(await bodyText(await fetchFeed(SMALL, "json"))) as { offers: { id: string; price: string; quantity: number }[]; categories: unknown[] };
      expect(json.offers.length).toBe(expected.offers.size);
      for (const o of json.offers) {
        expect(o.price).toBe(expected.offers.get(o.id)!.price);
        expect(o.quantity).toBe(expected.offers.get(o.id)!.quantity);
      }

      // catalog.exported went to the platform queue.
      const events = await db().outboundEvent.findMany({ where: { shop: SMALL, type: "catalog.exported" } });
      expect(events).toHaveLength(1);
      const body = JSON.parse(events[0].payload) as { data: { mode: string; variants: number } };
      expect(body.data).toMatchObject({ mode: "immediate", variants: expected.offers.size });
    });

    it("GIVEN a shop with > 500 variants WHEN the switch turns on THEN a bulk operation exports it and the feed matches the simulator", async () => {
      await switchOn(BIG);
      await work();
      const feed = await db().catalogFeed.findUniqueOrThrow({ where: { shop: BIG } });
      expect(feed.lastExportMode).toBe("bulk");
      expect(feed.lastExportOutcome).toBe("completed");
      const runs = await db().bulkRun.findMany({ where: { shop: BIG } });
      expect(runs.map((r) => [r.kind, r.status])).toEqual([["catalog.export", "completed"]]);
      const expected = expectedCatalog(sim, BIG);
      expect(expected.offers.size).toBeGreaterThan(500);
      const parsed = parseXmlFeed(await xmlOf(BIG));
      expect(parsed.shopName).toBe("Big & <Catalog>");
      expect(compareWithSimulator(parsed, expected)).toEqual([]);
      const event = await db().outboundEvent.findFirstOrThrow({ where: { shop: BIG, type: "catalog.exported" } });
      expect(JSON.parse(event.payload)).toMatchObject({ data: { mode: "bulk", variants: expected.offers.size } });
      if (provider === "postgresql") {
        // The planner's statistics were refreshed before the flip (refreshCatalogStatistics): a never-analyzed
        // table reports -1 tuples and had its feed pages read through the wrong index.
        const [stats] = await db().$queryRawUnsafe<{ tuples: number; rows: bigint }[]>(
          `SELECT c.reltuples::float8 AS tuples, (SELECT count(*) FROM "CatalogVariant") AS rows FROM pg_class c WHERE c.relname = 'CatalogVariant'`,
        );
        expect(stats.tuples).toBe(Number(stats.rows));
      }
    });

    it("GIVEN awkward titles WHEN exported THEN the XML is well-formed UTF-8 and every character survives (control characters dropped)", async () => {
      const awkward = 'Tom & Jerry <b>"bold"</b> \'quote\' ]]> 😀 שלום עולם café \u0001end';
      const p = sim.store.createProduct(SMALL, { title: awkward, priceCents: 1999, sku: "A&B<1>", vendor: "Ven & <dor>", available: 3 });
      await switchOn(SMALL);
      await work();
      const xml = await xmlOf(SMALL);
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
      expect(Buffer.from(xml, "utf8").toString("utf8")).toBe(xml);
      const offer = parseXmlFeed(xml).offers.get(p.variantIds[0])!;
      expect(offer.name).toBe(awkward.replace("\u0001", ""));
      expect(offer.sku).toBe("A&B<1>");
      expect(offer.vendor).toBe("Ven & <dor>");
      expect(offer.quantity).toBe(3);
    });

    it("GIVEN a live feed WHEN a new export is half written THEN readers still get the whole old feed, and the whole new one after the flip", async () => {
      await switchOn(SMALL);
      await work();
      const before = parseXmlFeed(await xmlOf(SMALL));
      // WHEN an export claims generation 2 and writes only some products
      const generation = await app.exporter.claimExport(db(), SMALL, "test-export", new Date());
      expect(generation).toBe(2);
      await db().catalogProduct.create({ data: { shop: SMALL, generation: 2, productId: "1", title: "half", handle: "half", vendor: "", url: null, active: true, imageUrl: null } });
      // THEN the feed is the old one, complete
      const during = parseXmlFeed(await xmlOf(SMALL));
      expect([...during.offers.keys()]).toEqual([...before.offers.keys()]);
      // AND a second export cannot start meanwhile (the claim belongs to a running job)
      await db().job.create({ data: { id: "test-export", type: "catalog.export", shop: SMALL, payload: "{}", status: "running", runAt: new Date() } });
      expect(await app.exporter.claimExport(db(), SMALL, "another", new Date())).toBeNull();
      // WHEN it publishes
      expect(await app.exporter.publishExport(db(), SMALL, { generation: 2, exportId: "test-export", mode: "immediate" })).toBe(true);
      const after = parseXmlFeed(await xmlOf(SMALL));
      expect(after.offers.size).toBe(0); // the new generation holds one product without variants
      // AND the previous generation is removed when the next export claims its generation
      await db().job.update({ where: { id: "test-export" }, data: { status: "done" } });
      expect(await app.exporter.claimExport(db(), SMALL, "third", new Date())).toBe(3);
      expect(await db().catalogVariant.count({ where: { shop: SMALL, generation: 1 } })).toBe(0);
    });

    it("GIVEN a live feed WHEN the next bulk operation fails with partial data THEN the old feed is served, the failure is shown, and a retry is queued", async () => {
      await switchOn(BIG);
      await work();
      const before = await xmlOf(BIG);
      sim.graphql.bulk.injectOutcome(BIG, { status: "FAILED", errorCode: "INTERNAL_SERVER_ERROR", partialData: true });
      sim.store.updateVariantPrice(BIG, [...sim.store.shop(BIG).variants.keys()][0], 99_999);
      await app.exporter.enqueueExport(db(), BIG, "manual");
      await work(1_000);
      const feed = await db().catalogFeed.findUniqueOrThrow({ where: { shop: BIG } });
      expect(feed.lastExportOutcome).toBe("failed");
      expect(feed.lastExportError).toMatch(/partial|failed/i);
      expect(feed.generation).toBe(1);
      expect(feed.building).toBeNull();
      expect(parseXmlFeed(await xmlOf(BIG)).offers).toEqual(parseXmlFeed(before).offers);
      const retry = await db().job.findFirst({ where: { shop: BIG, type: "catalog.export", status: "queued" } });
      expect(retry && JSON.parse(retry.payload)).toEqual({ reason: "retry" });
      expect(retry!.runAt.getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);
      // WHEN the retry runs THEN the feed is replaced
      await work(20 * 60_000);
      const replaced = await db().catalogFeed.findUniqueOrThrow({ where: { shop: BIG } });
      expect(replaced.lastExportOutcome).toBe("completed");
      expect(compareWithSimulator(parseXmlFeed(await xmlOf(BIG)), expectedCatalog(sim, BIG))).toEqual([]);
    });

    it("GIVEN an exported feed WHEN a price changes and its products/update webhook is processed THEN the feed shows the new price", async () => {
      await switchOn(SMALL);
      await work();
      const variantId = [...sim.store.shop(SMALL).variants.keys()][3];
      const product = sim.store.updateVariantPrice(SMALL, variantId, 12_345);
      const state = sim.store.shop(SMALL);
      const body = toJsonText(sim.store.productWebhookBody(state, state.products.get(product.productId)!));
      const etagBefore = (await fetchFeed(SMALL, "xml")).headers.get("ETag");
      await deliver("PRODUCTS_UPDATE", SMALL, body);
      await work();
      const offer = parseXmlFeed(await xmlOf(SMALL)).offers.get(variantId)!;
      expect(offer.price).toBe("123.45");
      expect((await fetchFeed(SMALL, "xml")).headers.get("ETag")).not.toBe(etagBefore);
    });

    it("GIVEN an exported feed WHEN Shopify sends several products/update for one product in a burst THEN one refresh reads the last change, and a delivery after it started gets a refresh of its own", async () => {
      await switchOn(SMALL);
      await work();
      const state = sim.store.shop(SMALL);
      const variantId = [...state.variants.keys()][5];
      const update = async (cents: number) => {
        const product = sim.store.updateVariantPrice(SMALL, variantId, cents);
        await deliver("PRODUCTS_UPDATE", SMALL, toJsonText(sim.store.productWebhookBody(state, state.products.get(product.productId)!)));
      };
      const waiting = () => db().job.findMany({ where: { shop: SMALL, type: "catalog.refresh", status: "queued" } });
      expect(await waiting()).toHaveLength(0);
      // WHEN three deliveries for the product are processed, the price changing before each
      const started = Date.now();
      for (const cents of [1_111, 2_222, 3_333]) await update(cents);
      // THEN one refresh waits, due a few seconds after the first delivery, and it reads the last price
      const [refresh, ...others] = await waiting();
      expect(others).toHaveLength(0);
      expect(refresh.runAt.getTime()).toBeGreaterThanOrEqual(started + app.deltas.REFRESH_DELAY_MS);
      await work();
      expect(parseXmlFeed(await xmlOf(SMALL)).offers.get(variantId)!.price).toBe("33.33");
      // AND a delivery processed once that refresh has started is not swallowed by it
      expect((await db().job.findUniqueOrThrow({ where: { id: refresh.id } })).dedupeKey).toBeNull();
      await update(4_444);
      expect(await waiting()).toHaveLength(1);
      await work();
      expect(parseXmlFeed(await xmlOf(SMALL)).offers.get(variantId)!.price).toBe("44.44");
    });

    it("GIVEN an exported feed WHEN stock, a collection and a deletion arrive by webhook THEN the feed follows", async () => {
      await switchOn(SMALL);
      await work();
      const state = sim.store.shop(SMALL);
      const variant = [...state.variants.values()].find((v) => v.tracked)!;
      sim.store.setInventory(SMALL, variant.inventoryItemId, { available: 777 });
      await deliver("INVENTORY_LEVELS_UPDATE", SMALL, JSON.stringify({ inventory_item_id: Number(variant.inventoryItemId), location_id: 1, available: 777 }));
      const collection = [...state.collections.values()][0];
      const victim = [...state.products.values()].find((p) => !collection.productIds.includes(p.id) && p.id !== variant.productId)!;
      sim.store.updateCollection(SMALL, collection.id, { title: "Renamed & <new>", addProductIds: [victim.id] });
      await deliver("COLLECTIONS_UPDATE", SMALL, JSON.stringify({ id: Number(collection.id), title: "Renamed & <new>" }));
      const deleted = [...state.products.values()].find((p) => p.id !== victim.id && p.id !== variant.productId)!;
      sim.store.deleteProduct(SMALL, deleted.id);
      await deliver("PRODUCTS_DELETE", SMALL, JSON.stringify({ id: Number(deleted.id) }));
      await work();
      const parsed = parseXmlFeed(await xmlOf(SMALL));
      expect(parsed.offers.get(variant.id)!.quantity).toBe(777);
      expect(parsed.categories.get(collection.id)).toBe("Renamed & <new>");
      expect(compareWithSimulator(parsed, expectedCatalog(sim, SMALL))).toEqual([]);
    });

    it("GIVEN a variant whose product row is missing WHEN the feed is read THEN that variant is left out and every other offer is whole", async () => {
      await switchOn(BIG);
      await work();
      const feed = await db().catalogFeed.findUniqueOrThrow({ where: { shop: BIG } });
      const before = parseXmlFeed(await xmlOf(BIG));
      // GIVEN a product row gone while its variants stay (a delta caught half-way), in the middle of the feed's pages
      const products = await db().catalogProduct.findMany({ where: { shop: BIG, generation: feed.generation }, orderBy: { productId: "asc" }, select: { productId: true } });
      const gone = products[Math.floor(products.length / 2)].productId;
      const orphans = await db().catalogVariant.findMany({ where: { shop: BIG, generation: feed.generation, productId: gone }, select: { variantId: true } });
      expect(orphans.length).toBeGreaterThan(0);
      await db().catalogProduct.deleteMany({ where: { shop: BIG, generation: feed.generation, productId: gone } });
      // THEN its variants are not offered, and the rest of the feed is as it was, offer for offer
      const after = parseXmlFeed(await xmlOf(BIG));
      for (const { variantId } of orphans) expect(after.offers.has(variantId)).toBe(false);
      expect(after.offers.size).toBe(before.offers.size - orphans.length);
      for (const [id, offer] of after.offers) expect(offer).toEqual(before.offers.get(id));
    });

    it("GIVEN the switch is on WHEN 4 hours pass THEN the schedule runs another export", async () => {
      await switchOn(SMALL);
      await work();
      expect((await db().catalogFeed.findUniqueOrThrow({ where: { shop: SMALL } })).generation).toBe(1);
      await work(4 * 3600_000 + 60_000);
      const feed = await db().catalogFeed.findUniqueOrThrow({ where: { shop: SMALL } });
      expect(feed.generation).toBe(2);
      const schedule = await db().schedule.findUniqueOrThrow({ where: { name: app.exporter.exportScheduleName(SMALL) } });
      expect(schedule.nextRunAt.getTime()).toBeGreaterThan(Date.now() + 4 * 3600_000);
      // AND switching off stops the schedule and the feed answers 404
      await db().$transaction(async (tx) => {
        await tx.syncSetting.update({ where: { shop_sync: { shop: SMALL, sync: "catalog" } }, data: { enabled: false, status: "off" } });
        await app.hooks.runSwitchedOff(tx, SMALL, "catalog");
      });
      expect(await db().schedule.count({ where: { name: app.exporter.exportScheduleName(SMALL) } })).toBe(0);
      expect((await fetchFeed(SMALL, "xml")).status).toBe(404);
    });

    it("GIVEN a feed WHEN fetched with a wrong token, a rotated token, If-None-Match or gzip THEN each answers as it should", async () => {
      await switchOn(SMALL);
      await work();
      for (const file of ["nope.xml", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.xml", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.json", "x", ""]) {
        const response = await app.feed.catalogFeedResponse(db(), new Request(`http://app.test/feeds/catalog/${file}`), file);
        expect(response.status).toBe(404);
        expect(await response.text()).toBe("");
      }
      const first = await fetchFeed(SMALL, "xml");
      const etag = first.headers.get("ETag")!;
      expect(first.headers.get("Last-Modified")).toBeTruthy();
      expect((await fetchFeed(SMALL, "xml", { "If-None-Match": etag })).status).toBe(304);
      const gz = await fetchFeed(SMALL, "xml", { "Accept-Encoding": "gzip, deflate" });
      expect(gz.headers.get("Content-Encoding")).toBe("gzip");
      expect(parseXmlFeed(await bodyText(gz)).offers.size).toBe(parseXmlFeed(await bodyText(first)).offers.size);
      const oldToken = (await db().catalogFeed.findUniqueOrThrow({ where: { shop: SMALL } })).token;
      await app.store.rotateFeedToken(db(), SMALL);
      const stale = await app.feed.catalogFeedResponse(db(), new Request("http://app.test/"), `${oldToken}.xml`);
      expect(stale.status).toBe(404);
      expect((await fetchFeed(SMALL, "xml")).status).toBe(200);
    });

    it("GIVEN an export whose snapshot predates a price change WHEN it is published THEN the change is read again into the new feed", async () => {
      await switchOn(SMALL);
      await work();
      // GIVEN an export that read the catalog (generation 2) before the price changed
      const generation = (await app.exporter.claimExport(db(), SMALL, "snapshot-export", new Date()))!;
      await db().job.create({ data: { id: "snapshot-export", type: "catalog.export", shop: SMALL, payload: "{}", status: "running", runAt: new Date() } });
      const { adminClientForShop } = await import("~/shopify/admin-client.server");
      const client = await adminClientForShop(SMALL, { db: db() });
      await app.exporter.paginatedExport(db(), client, SMALL, generation, new AbortController().signal);
      // WHEN the price changes and its webhook is processed while that export is still unpublished
      const variantId = [...sim.store.shop(SMALL).variants.keys()][5];
      const product = sim.store.updateVariantPrice(SMALL, variantId, 4_242);
      const state = sim.store.shop(SMALL);
      await deliver("PRODUCTS_UPDATE", SMALL, toJsonText(sim.store.productWebhookBody(state, state.products.get(product.productId)!)));
      await work();
      expect(parseXmlFeed(await xmlOf(SMALL)).offers.get(variantId)!.price).toBe("42.42");
      // AND the export is published with its older snapshot
      expect(await app.exporter.publishExport(db(), SMALL, { generation, exportId: "snapshot-export", mode: "immediate" })).toBe(true);
      await work();
      // THEN the feed still shows the new price: the touched product was read again after the flip
      const feed = await db().catalogFeed.findUniqueOrThrow({ where: { shop: SMALL } });
      expect(feed.generation).toBe(generation);
      expect(parseXmlFeed(await xmlOf(SMALL)).offers.get(variantId)!.price).toBe("42.42");
    });

    it("GIVEN the catalog page WHEN Export now is asked for THEN it queues an export, refuses a second while one runs, and the status shows progress", async () => {
      const { requestExport, ExportNotAllowedError } = app.exporter;
      const { loadCatalogStatus } = await import("~/catalog/status.server");
      // The switch off: refused
      await expect(requestExport(db(), SMALL)).rejects.toBeInstanceOf(ExportNotAllowedError);
      await switchOn(SMALL);
      await work();
      const idle = await loadCatalogStatus(db(), SMALL, "https://app.example");
      expect(idle).toMatchObject({ enabled: true, running: null, lastExport: { outcome: "completed", mode: "immediate" } });
      expect(idle.feed!.variants).toBe(expectedCatalog(sim, SMALL).offers.size);
      expect(idle.urls!.xml).toMatch(/^https:\/\/app\.example\/feeds\/catalog\/[A-Za-z0-9_-]{32}\.xml$/);
      expect(new Date(idle.nextExportAt!).getTime()).toBeGreaterThan(Date.now() + 3.9 * 3600_000);
      // WHEN Export now
      await requestExport(db(), SMALL);
      expect(await db().job.count({ where: { shop: SMALL, type: "catalog.export", status: "queued" } })).toBe(1);
      // AND while an export holds the claim, a second is refused and the page shows its progress
      await app.exporter.claimExport(db(), SMALL, "running-export", new Date());
      await db().job.create({ data: { id: "running-export", type: "catalog.export", shop: SMALL, payload: "{}", status: "running", runAt: new Date() } });
      await db().catalogFeed.update({ where: { shop: SMALL }, data: { progressDone: 50, progressTotal: 200 } });
      await expect(requestExport(db(), SMALL)).rejects.toThrow("already running");
      const running = await loadCatalogStatus(db(), SMALL, "https://app.example");
      expect(running.running).toMatchObject({ mode: "immediate", percent: 25, done: 50, total: 200 });
    });

    /** Processes a webhook body as the intake's job does: the topic's handler, with the lossless JSON parse. */
    async function deliver(topic: string, shop: string, body: string) {
      const handler = app.handlers.findWebhookHandler(topic)!;
      const payload = handler.schema.parse(app.json.parseShopifyJson(body));
      const { default: pino } = await import("pino");
      await handler.handle({
        db: db(),
        shop,
        payload,
        delivery: { id: `d-${Math.random()}`, shop, webhookId: `w-${Math.random()}`, topic, triggeredAt: new Date(), receivedAt: new Date() },
        jobId: "test",
        log: pino({ level: "silent" }),
      });
    }
  });
});
