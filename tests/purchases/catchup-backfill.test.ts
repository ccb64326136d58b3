/**
 * Issue 4 point 7 against the Shopify simulator, on SQLite and PostgreSQL: the hourly catch-up registers orders a
 * lost webhook missed and leaves newer stored states alone; "Import past orders" backfills through a bulk
 * operation within 60 days (365 with read_all_orders), never doubling an order a live webhook registers meanwhile,
 * and resumes after a crash mid-file; the purchase switch's hooks start and stop the catch-up schedule.
 * "Live webhooks" here are the simulator's own orders/create and orders/updated bodies, mapped by mapOrder and
 * registered by registerOrder exactly as the webhook handler does.
 */
import { setTimeout as sleep } from "node:timers/promises";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { DEMO_SHOP, startSimulator, toJsonText, type Simulator } from "../simulator";
import { loadAppFor, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { TEST_API_KEY, TEST_API_SECRET } from "../support/webhooks";

const pgUp = await postgresAvailable();
const SHOP = DEMO_SHOP;
const SCOPES = ["read_orders", "read_customers", "read_products"];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    appUrl: "http://127.0.0.1:9",
    seed: { customers: 20, products: 20, orders: 40, bigIdShop: false, scopes: SCOPES },
    quiet: true,
    bulkPhaseMs: 5,
    // The app is not listening here: every order's webhooks are "lost", which is what the catch-up is for.
    webhookSwitches: { retries: false },
  });
});

afterAll(async () => {
  await sim?.close();
});

describe.each(["sqlite", "postgresql"] as const)("purchase catch-up and backfill on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against the simulator", () => {
    let database: TestDatabase;
    let app: {
      runUntilIdle: typeof import("~/jobs/worker.server").runUntilIdle;
      enqueue: typeof import("~/jobs/queue.server").enqueue;
      registerOrder: typeof import("~/purchases/service.server").registerOrder;
      mapOrder: typeof import("~/purchases/payloads").mapOrder;
      orderPayloadSchema: typeof import("~/purchases/payloads").orderPayloadSchema;
      parseShopifyJson: typeof import("~/webhooks/json").parseShopifyJson;
      backfill: typeof import("~/purchases/backfill.server");
      hooks: typeof import("~/syncs/hooks.server");
      getBulkKind: typeof import("~/bulk/define.server").getBulkKind;
    };

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "catchup" });
      process.env.LOG_LEVEL = "silent";
      await loadAppFor(database, { simulatorOrigin: sim.origin });
      app = {
        runUntilIdle: (await import("~/jobs/worker.server")).runUntilIdle,
        enqueue: (await import("~/jobs/queue.server")).enqueue,
        registerOrder: (await import("~/purchases/service.server")).registerOrder,
        mapOrder: (await import("~/purchases/payloads")).mapOrder,
        orderPayloadSchema: (await import("~/purchases/payloads")).orderPayloadSchema,
        parseShopifyJson: (await import("~/webhooks/json")).parseShopifyJson,
        backfill: await import("~/purchases/backfill.server"),
        hooks: await import("~/syncs/hooks.server"),
        getBulkKind: (await import("~/bulk/define.server")).getBulkKind,
      };
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      sim.reset();
      sim.store.now = () => Date.now();
      const db = database.prisma;
      for (const model of [
        db.bulkRun,
        db.job,
        db.schedule,
        db.activityLog,
        db.outboundEvent,
        db.purchase,
        db.purchaseRefund,
        db.syncSetting,
        db.session,
        db.shop,
      ]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      await setScopes(SCOPES);
      await db.session.create({
        data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: sim.accessToken(SHOP), scope: SCOPES.join(",") },
      });
      await db.syncSetting.create({
        data: { shop: SHOP, sync: "purchases", enabled: true, status: "on", options: "{}", enabledAt: new Date(Date.now() - 30 * DAY) },
      });
    });

    const db = () => database.prisma;

    async function setScopes(scopes: string[]) {
      sim.store.shop(SHOP).installation.scopes = scopes;
      await db().shop.upsert({ where: { shop: SHOP }, create: { shop: SHOP, scopes: scopes.join(",") }, update: { scopes: scopes.join(",") } });
    }

    /** The order's webhook body as Shopify would send it now, registered as the webhook handler would. */
    async function deliverLive(orderId: string) {
      const state = sim.store.shop(SHOP);
      const body = toJsonText(sim.store.orderWebhookBody(state, state.orders.get(orderId)!));
      return app.registerOrder(db(), SHOP, app.mapOrder(app.orderPayloadSchema.parse(app.parseShopifyJson(body))));
    }

    const purchase = (orderId: string) => db().purchase.findUnique({ where: { shop_orderId: { shop: SHOP, orderId } } });
    const placedAgo = (ms: number, input: Parameters<Simulator["store"]["placeOrder"]>[1] = {}) => {
      sim.store.now = () => Date.now() - ms;
      try {
        return sim.store.placeOrder(SHOP, input);
      } finally {
        sim.store.now = () => Date.now();
      }
    };
    /** Runs every due job, far enough ahead that bulk polls and upsell windows are due. */
    const work = () => app.runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000, clock: () => new Date(Date.now() + 15 * 60_000) });
    async function driveRun(id: string) {
      const deadline = Date.now() + 30_000;
      for (let round = 1; ; round++) {
        // Each round further ahead, so that a step retried with backoff is due in the next one.
        await app.runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000, clock: () => new Date(Date.now() + round * 15 * 60_000) });
        const run = await db().bulkRun.findUniqueOrThrow({ where: { id } });
        if (!["pending", "running", "processing"].includes(run.status)) return run;
        if (Date.now() > deadline) throw new Error(`run still ${run.status}`);
        await sleep(10);
      }
    }
    const ordersSince = (days: number) =>
      [...sim.store.shop(SHOP).orders.values()].filter((o) => o.createdAt >= Date.now() - days * DAY);

    // ------------------------------------------------------------------------------------------------ catch-up

    it("GIVEN lost webhooks WHEN the catch-up runs THEN missed orders and missed updates are registered, and a newer stored state is left alone", { timeout: 90_000 }, async () => {
      // The seeded orders of the last days arrived by webhook (older ones are outside the window anyway).
      for (const order of sim.store.shop(SHOP).orders.values()) if (order.updatedAt > Date.now() - 3 * DAY) await deliverLive(order.id);
      const missed = placedAgo(3 * HOUR, { tags: ["gift"] });
      const known = placedAgo(2 * HOUR);
      const updatedLater = placedAgo(2 * HOUR);
      const newerHere = placedAgo(HOUR);
      const tooOld = placedAgo(3 * DAY); // outside the 49-hour window
      // Live webhooks that did arrive: `known` and `updatedLater` in their first state, `newerHere` in a state newer
      // than Shopify's answer will be (a later orders/updated got here before the catch-up reads).
      await deliverLive(known.id);
      await deliverLive(updatedLater.id);
      const newer = app.mapOrder(
        app.orderPayloadSchema.parse(app.parseShopifyJson(toJsonText(sim.store.orderWebhookBody(sim.store.shop(SHOP), newerHere)))),
      );
      await app.registerOrder(db(), SHOP, { ...newer, tags: "newest", sourceUpdatedAt: new Date(newer.sourceUpdatedAt.getTime() + 60_000) });
      // The orders/updated of `updatedLater` is lost.
      sim.store.now = () => Date.now() + 1_000;
      sim.store.updateOrder(SHOP, updatedLater.id, { tags: ["vip"] });
      sim.store.now = () => Date.now();

      await app.enqueue(db(), { type: "purchases.catchup", shop: SHOP, payload: {} });
      await work();

      expect(await purchase(missed.id)).toMatchObject({ tags: "gift", orderName: missed.name });
      expect((await purchase(updatedLater.id))!.tags).toBe("vip");
      expect((await purchase(newerHere.id))!.tags).toBe("newest");
      expect(await purchase(tooOld.id)).toBeNull();
      expect(await db().purchase.count({ where: { shop: SHOP, orderId: { in: [missed.id, known.id, updatedLater.id, newerHere.id] } } })).toBe(4);
      expect(await db().job.count({ where: { type: "purchases.forward" } })).toBe(await db().purchase.count());

      const log = await db().activityLog.findFirstOrThrow({ where: { shop: SHOP, name: "purchases.catchup" } });
      expect(log).toMatchObject({ status: "ok", sync: "purchases", kind: "job", direction: "internal" });
      const detail = JSON.parse(log.detail) as Record<string, unknown>;
      expect(detail).toMatchObject({ new: 1, updated: 1, gone: 0 });
      expect(detail.read).toBeGreaterThanOrEqual(4);
      // Counts only: no order names, emails or ids in the log.
      expect(log.detail).not.toMatch(/@|#\d{4}/);
      expect(log.detail).not.toContain(missed.id);

      // A second run finds everything in place.
      await app.enqueue(db(), { type: "purchases.catchup", shop: SHOP, payload: {} });
      await work();
      const [latest] = await db().activityLog.findMany({ where: { shop: SHOP, name: "purchases.catchup" }, orderBy: { createdAt: "desc" }, take: 1 });
      expect(JSON.parse(latest.detail)).toMatchObject({ new: 0, updated: 0, fetched: 0 });
    });

    it("GIVEN the switch was turned on an hour ago THEN the catch-up does not reach back before it", async () => {
      const before = placedAgo(2 * HOUR);
      const after = placedAgo(10 * 60_000);
      await db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "purchases" } }, data: { enabledAt: new Date(Date.now() - HOUR) } });
      await app.enqueue(db(), { type: "purchases.catchup", shop: SHOP, payload: {} });
      await work();
      expect(await purchase(before.id)).toBeNull();
      expect(await purchase(after.id)).not.toBeNull();
    });

    it("GIVEN the last successful catch-up is days old (workers were down) THEN the window reaches back to it, at most 7 days", async () => {
      const { catchupSince } = await import("~/purchases/catchup.server");
      const now = new Date();
      expect(now.getTime() - (await catchupSince(db(), SHOP, now)).getTime()).toBe(49 * HOUR);
      const record = (untilAgo: number) =>
        db().activityLog.create({
          data: { shop: SHOP, direction: "internal", kind: "job", name: "purchases.catchup", status: "ok", detail: JSON.stringify({ until: new Date(now.getTime() - untilAgo).toISOString() }) },
        });
      await record(4 * DAY);
      expect(now.getTime() - (await catchupSince(db(), SHOP, now)).getTime()).toBe(4 * DAY + HOUR);
      await record(20 * DAY);
      expect(now.getTime() - (await catchupSince(db(), SHOP, now)).getTime()).toBe(7 * DAY);
    });

    it("GIVEN the switch is off THEN a scheduled catch-up does nothing", async () => {
      placedAgo(HOUR);
      await db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "purchases" } }, data: { enabled: false, status: "off" } });
      await app.enqueue(db(), { type: "purchases.catchup", shop: SHOP, payload: {} });
      await work();
      expect(await db().purchase.count()).toBe(0);
      expect(sim.graphql.faults.stats(SHOP).requests).toBe(0);
    });

    it("GIVEN the purchase switch WHEN it goes on THEN the hourly catch-up is scheduled and a first one queued; off removes the schedule", async () => {
      await db().$transaction((tx) => app.hooks.runSwitchedOn(tx, SHOP, "purchases"));
      const schedule = await db().schedule.findUniqueOrThrow({ where: { name: `purchases.catchup:${SHOP}` } });
      expect(schedule).toMatchObject({ type: "purchases.catchup", shop: SHOP, intervalSeconds: 3600 });
      const first = await db().job.findFirstOrThrow({ where: { type: "purchases.catchup", shop: SHOP } });
      expect(first.runAt.getTime() - Date.now()).toBeGreaterThan(60_000);
      expect(first.runAt.getTime() - Date.now()).toBeLessThanOrEqual(2 * 60_000);
      // The other part of the same hooks (web pixel) ran too.
      expect(await db().job.count({ where: { type: "purchases.pixel.sync", shop: SHOP } })).toBe(1);
      // Flipping it again within the minute does not queue a second first catch-up.
      await db().$transaction((tx) => app.hooks.runSwitchedOn(tx, SHOP, "purchases"));
      expect(await db().job.count({ where: { type: "purchases.catchup", shop: SHOP } })).toBe(1);

      await db().$transaction((tx) => app.hooks.runSwitchedOff(tx, SHOP, "purchases"));
      expect(await db().schedule.findUnique({ where: { name: `purchases.catchup:${SHOP}` } })).toBeNull();
    });

    // ------------------------------------------------------------------------------------------------ backfill

    it("GIVEN no read_all_orders WHEN past orders are imported THEN the last 60 days are registered once each and forwarded", { timeout: 90_000 }, async () => {
      const expected = ordersSince(60);
      expect(expected.length).toBeGreaterThan(5);
      expect(sim.store.shop(SHOP).orders.size).toBeGreaterThan(expected.length); // older ones exist and stay out
      const { run, created } = await app.backfill.startBackfill(db(), SHOP);
      expect(created).toBe(true);
      const params = JSON.parse(run.params) as { since: string };
      expect(Date.now() - Date.parse(params.since)).toBeCloseTo(60 * DAY, -5);

      const done = await driveRun(run.id);
      expect(done.status).toBe("completed");
      expect(await db().purchase.count({ where: { shop: SHOP } })).toBe(expected.length);
      for (const order of expected) expect(await purchase(order.id)).not.toBeNull();
      // Upsell windows long closed: forwarded at once, except what the rules exclude (test orders by default).
      await work();
      const forwarded = await db().outboundEvent.count({ where: { shop: SHOP, type: "purchase.registered" } });
      expect(forwarded).toBe(expected.filter((o) => !o.test).length);
      expect(await db().purchase.count({ where: { shop: SHOP, excludedReason: "test_order" } })).toBe(expected.filter((o) => o.test).length);

      const status = await app.backfill.loadBackfillStatus(db(), SHOP);
      expect(status).toMatchObject({ canStart: true, range: { days: 60, allOrders: false }, counts: { onRecord: expected.length, imported: expected.length } });
      expect(status.run).toMatchObject({ status: "completed", percent: 100 });
    });

    it("GIVEN read_all_orders WHEN past orders are imported THEN the range is a year and older orders come too", { timeout: 90_000 }, async () => {
      await setScopes([...SCOPES, "read_all_orders"]);
      expect((await app.backfill.loadBackfillStatus(db(), SHOP)).range).toMatchObject({ days: 365, allOrders: true });
      const { run } = await app.backfill.startBackfill(db(), SHOP);
      expect((await driveRun(run.id)).status).toBe("completed");
      expect(await db().purchase.count({ where: { shop: SHOP } })).toBe(ordersSince(365).length);
      expect(ordersSince(365).length).toBeGreaterThan(ordersSince(60).length);
    });

    it("GIVEN a live webhook for an order arrives during the import THEN there is one purchase, in the newest state", { timeout: 90_000 }, async () => {
      const kind = app.getBulkKind("purchases.backfill")!;
      const consume = kind.consume;
      let target: string | null = null;
      kind.consume = async (ctx, lines) => {
        if (target === null) {
          // While the first batch is being applied: the merchant tags an order of this very batch, and its
          // orders/updated arrives before the batch's older copy is registered.
          target = String(lines.find((l) => l.__parentId === undefined)!.id).split("/").pop()!;
          sim.store.now = () => Date.now() + 5_000;
          sim.store.updateOrder(SHOP, target, { tags: ["late-tag"] });
          sim.store.now = () => Date.now();
          await deliverLive(target);
        }
        await consume(ctx, lines);
      };
      try {
        const { run } = await app.backfill.startBackfill(db(), SHOP);
        expect((await driveRun(run.id)).status).toBe("completed");
      } finally {
        kind.consume = consume;
      }
      expect(target).not.toBeNull();
      expect(await db().purchase.count({ where: { shop: SHOP, orderId: target! } })).toBe(1);
      expect((await purchase(target!))!.tags).toBe("late-tag");
      expect(await db().purchase.count({ where: { shop: SHOP } })).toBe(ordersSince(60).length);
      await work();
      expect(await db().outboundEvent.count({ where: { shop: SHOP, type: "purchase.registered", dedupeKey: target! } })).toBeLessThanOrEqual(1);
      expect(await db().job.count({ where: { type: "purchases.forward", dedupeKey: `purchase-forward:${SHOP}:${target}` } })).toBe(1);
    });

    it("GIVEN the import crashes mid-file WHEN it runs again THEN it continues from where it stopped and every order is there once", { timeout: 90_000 }, async () => {
      const kind = app.getBulkKind("purchases.backfill")!;
      const { consume, batchSize } = kind;
      let calls = 0;
      kind.batchSize = 20;
      kind.consume = async (ctx, lines) => {
        calls += 1;
        if (calls === 3) {
          // The first orders of the batch registered (each registration is one transaction: an order is in or
          // out, never half), then the worker dies.
          const roots = lines.flatMap((l, i) => (l.__parentId === undefined ? [i] : []));
          await consume(ctx, lines.slice(0, roots[Math.max(1, Math.floor(roots.length / 2))] ?? lines.length));
          throw new Error("worker killed");
        }
        await consume(ctx, lines);
      };
      try {
        const { run } = await app.backfill.startBackfill(db(), SHOP);
        const done = await driveRun(run.id);
        expect(done.status).toBe("completed");
        expect(done.linesProcessed).toBe(done.linesTotal);
      } finally {
        kind.consume = consume;
        kind.batchSize = batchSize;
      }
      expect(calls).toBeGreaterThan(3);
      const expected = ordersSince(60);
      expect(await db().purchase.count({ where: { shop: SHOP } })).toBe(expected.length);
      expect(await db().job.count({ where: { type: "purchases.forward" } })).toBe(expected.length);
      // Each order's line items in full, not doubled by the replayed batch.
      for (const order of expected) {
        const row = (await purchase(order.id))!;
        expect((JSON.parse(row.lineItems) as unknown[]).length).toBe(order.lineItems.length);
      }
    });

    it("GIVEN the switch is off THEN an import cannot start, and the card says why", async () => {
      await db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "purchases" } }, data: { enabled: false, status: "off" } });
      await expect(app.backfill.startBackfill(db(), SHOP)).rejects.toThrow(/Turn on purchase sync/);
      expect(await app.backfill.loadBackfillStatus(db(), SHOP)).toMatchObject({ canStart: false, run: null, counts: null });
    });

    it("GIVEN an import running WHEN the switch goes off THEN the import stops, canceled, saying why", async () => {
      const { run } = await app.backfill.startBackfill(db(), SHOP);
      await app.runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000 }); // submitted
      await db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "purchases" } }, data: { enabled: false, status: "off" } });
      const done = await driveRun(run.id);
      expect(done).toMatchObject({ status: "canceled", error: app.backfill.SWITCH_OFF_REASON });
      expect(await db().purchase.count()).toBe(0);
    });
  });
});
