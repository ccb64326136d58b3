/**
 * The purchase switch and the shop's web pixel, against the Shopify simulator, on SQLite and PostgreSQL: turning
 * the switch on creates the app's pixel with its settings (webPixelCreate) and starts the reconciliation schedule,
 * turning it off deletes the pixel and stops the schedule; the pixel job converges on the switch's state whatever
 * order the toggles' jobs run in, and ends at once when Shopify refuses for good. End to end: orders placed in the
 * simulator's online store reach the app twice, as orders/create webhooks and as the pixel's checkout_completed
 * reports (the simulator's storefront runs the extension's builder), and are reconciled.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { DEMO_SHOP, startSimulator, type Simulator } from "../simulator";
import { loadAppFor, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { TEST_API_KEY, TEST_API_SECRET } from "../support/webhooks";

const pgUp = await postgresAvailable();
const SHOP = DEMO_SHOP;
const SCOPES = ["read_orders", "write_pixels", "read_customer_events"];

// The app as Shopify and the storefront reach it: webhooks to receiveWebhook, the pixel's posts to its route.
type Handler = (request: Request) => Promise<Response>;
let app: { webhooks: Handler; pixel: Handler } | null = null;
let appServer: Server;
let APP_URL = "";
let sim: Simulator;

beforeAll(async () => {
  appServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
      const request = new Request(`${APP_URL}${req.url}`, { method: req.method, headers, body });
      const handler = !app ? null : req.url?.startsWith("/pixel/") ? app.pixel : app.webhooks;
      (handler ? handler(request) : Promise.resolve(new Response(null, { status: 503 })))
        .then(async (response) => {
          res.writeHead(response.status);
          res.end(await response.text());
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
  APP_URL = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  sim = await startSimulator({
    port: 0,
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    appUrl: APP_URL,
    seed: { customers: 1, products: 2, orders: 0, bigIdShop: false, scopes: SCOPES },
    quiet: true,
    webhookSwitches: { retryBaseMs: 5, maxRetries: 1 },
  });
});

afterAll(async () => {
  await sim?.close();
  await new Promise<void>((resolve) => appServer?.close(() => resolve()));
});

describe.each(["sqlite", "postgresql"] as const)("the purchase switch's web pixel on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against the simulator", () => {
    let database: TestDatabase;
    let control: typeof import("~/syncs/control.server");
    let admin: typeof import("~/shopify/admin-client.server");
    let runUntilIdle: typeof import("~/jobs/worker.server").runUntilIdle;
    let enqueue: typeof import("~/jobs/queue.server").enqueue;
    let token = "";

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "webpixel" });
      process.env.LOG_LEVEL = "silent";
      await loadAppFor(database, { simulatorOrigin: sim.origin, appUrl: APP_URL });
      control = await import("~/syncs/control.server");
      admin = await import("~/shopify/admin-client.server");
      runUntilIdle = (await import("~/jobs/worker.server")).runUntilIdle;
      enqueue = (await import("~/jobs/queue.server")).enqueue;
      const route = await import("~/routes/pixel.purchases");
      const { receiveWebhook } = await import("~/webhooks/receive.server");
      app = {
        webhooks: receiveWebhook,
        pixel: async (request) => {
          const args = { request, params: {}, context: {} };
          return request.method === "POST" ? route.action(args) : route.loader(args);
        },
      };
    });

    afterAll(async () => {
      app = null;
      await unloadApp(database);
    });

    beforeEach(async () => {
      sim.reset();
      await sim.webhooks.idle();
      token = sim.accessToken(SHOP);
      const db = database.prisma;
      for (const model of [
        db.webhookSubscription,
        db.webhookDelivery,
        db.syncSetting,
        db.activityLog,
        db.job,
        db.schedule,
        db.session,
        db.shop,
        db.purchase,
        db.browserPurchase,
        db.outboundEvent,
      ]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      await db.shop.create({ data: { shop: SHOP, scopes: SCOPES.join(","), scopesUpdatedAt: new Date(Date.now() - 3_600_000) } });
      await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: token, scope: SCOPES.join(",") } });
    });

    const db = () => database.prisma;
    const ctx = () => {
      const session = new Session({ id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: token, scope: SCOPES.join(",") });
      const client = admin.adminClientForSession(session, { db: db(), retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } });
      return { db: db(), shop: SHOP, client, appUrl: APP_URL, grantedScopes: SCOPES };
    };
    const runJobs = (minutesLater = 0) =>
      runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000, clock: () => new Date(Date.now() + minutesLater * 60_000) });
    const pixel = () => sim.store.shop(SHOP).webPixel;
    const schedules = async () => (await db().schedule.findMany({ where: { shop: SHOP } })).map((s) => s.name).sort();

    it("turning purchase sync on creates the pixel with the app's endpoint and starts reconciliation; off deletes both", async () => {
      await control.enableSwitch(ctx(), "purchases");
      // the hook only queued the work: Shopify is called from the job, not inside the toggle's transaction
      expect(pixel()).toBeNull();
      expect(await db().job.count({ where: { type: "purchases.pixel.sync", shop: SHOP } })).toBe(1);
      expect(await schedules()).toContain(`purchases.reconcile:${SHOP}`);
      await runJobs();
      expect(pixel()).not.toBeNull();
      expect(JSON.parse(pixel()!.settings)).toEqual({ endpoint: `${APP_URL}/pixel/purchases` });
      expect(await db().activityLog.count({ where: { shop: SHOP, kind: "admin_api", name: "WebPixelCreate", sync: "purchases", status: "ok" } })).toBe(1);

      await control.disableSwitch(ctx(), "purchases");
      await runJobs();
      expect(pixel()).toBeNull();
      expect(await schedules()).not.toContain(`purchases.reconcile:${SHOP}`);
    });

    it("a pixel already there (an earlier install) is kept and its settings updated, never a second one", async () => {
      sim.store.shop(SHOP).webPixel = { id: "2600099", settings: JSON.stringify({ endpoint: "https://old.example/pixel/purchases" }), createdAt: 0, updatedAt: 0 };
      await control.enableSwitch(ctx(), "purchases");
      await runJobs();
      expect(pixel()).toMatchObject({ id: "2600099", settings: JSON.stringify({ endpoint: `${APP_URL}/pixel/purchases` }) });
      // and again, with nothing to change: no update call
      await enqueue(db(), { type: "purchases.pixel.sync", shop: SHOP, payload: {} });
      await runJobs();
      expect(await db().activityLog.count({ where: { shop: SHOP, name: "WebPixelUpdate" } })).toBe(1);
      expect(await db().activityLog.count({ where: { shop: SHOP, name: "WebPixelCreate" } })).toBe(2); // each answered TAKEN
    });

    it("on, off and on again before any job ran: the jobs leave the pixel there; on then off: no pixel", async () => {
      await control.enableSwitch(ctx(), "purchases");
      await control.disableSwitch(ctx(), "purchases");
      await control.enableSwitch(ctx(), "purchases");
      await runJobs();
      expect(pixel()).not.toBeNull();
      await control.disableSwitch(ctx(), "purchases");
      await control.enableSwitch(ctx(), "purchases");
      await control.disableSwitch(ctx(), "purchases");
      await runJobs();
      expect(pixel()).toBeNull();
    });

    it("Shopify refusing for good (the extension's settings do not match) ends the job at once, in the activity log", async () => {
      await db().syncSetting.create({ data: { shop: SHOP, sync: "purchases", enabled: true, status: "on", enabledAt: new Date() } });
      const config = sim.store.config;
      const saved = config.webPixel;
      config.webPixel = { handle: "purchase-pixel", runtimeContext: "strict", fields: { accountID: { type: "single_line_text_field", minLength: 1 } } };
      try {
        const job = await enqueue(db(), { type: "purchases.pixel.sync", shop: SHOP, payload: {} });
        await runJobs();
        expect(await db().job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "dead", attempts: 1 });
        expect((await db().job.findUniqueOrThrow({ where: { id: job.id } })).lastError).toMatch(/INVALID_SETTINGS|does not match/);
        expect(await db().activityLog.count({ where: { shop: SHOP, kind: "job", name: "purchases.pixel.sync", status: "dead" } })).toBe(1);
      } finally {
        config.webPixel = saved;
      }
      expect(pixel()).toBeNull();
    });

    it("end to end: web checkouts reach the app as webhooks and as pixel reports, and are reconciled as Shopify would expect", async () => {
      // GIVEN the merchant turned purchase sync on: subscriptions, the web pixel and the reconciliation schedule
      await control.enableSwitch(ctx(), "purchases");
      await runJobs();
      expect(pixel()).not.toBeNull();
      const variantId = [...sim.store.shop(SHOP).variants.values()][0].id;
      const place = (browser?: unknown, sourceName = "web") =>
        sim.storefront.withOverride(browser as never, () =>
          sim.store.placeOrder(SHOP, { lines: [{ variantId, quantity: 2 }], email: "ada@example.com", sourceName }),
        );
      // WHEN buyers check out: one as reported, one whose browser saw another total, one with an ad blocker, one at POS
      const agreeing = place();
      const differing = place({ total: "1.00" });
      const silent = place(false);
      const pos = place(undefined, "pos");
      await sim.storefront.idle();
      await sim.webhooks.idle();
      await runJobs();
      // THEN four purchases, two browser reports, each attached to its purchase
      expect(await db().purchase.count()).toBe(4);
      const byOrder = <T extends { orderId: string | null }>(list: T[]) => [...list].sort((a, b) => String(a.orderId).localeCompare(String(b.orderId)));
      expect(byOrder(sim.storefront.posts).map((p) => [p.orderId, p.status])).toEqual([
        [agreeing.id, 202],
        [differing.id, 202],
      ]);
      const reports = byOrder(await db().browserPurchase.findMany());
      expect(reports.map((r) => r.purchaseOrderId)).toEqual([agreeing.id, differing.id]);
      const row = (id: string) => db().purchase.findUniqueOrThrow({ where: { shop_orderId: { shop: SHOP, orderId: id } } });
      expect(await row(agreeing.id)).toMatchObject({ mismatch: false });
      const total = (await row(differing.id)).totalPrice;
      expect(JSON.parse((await row(differing.id)).mismatchFields!)).toEqual([{ field: "total", server: total, browser: "1.00" }]);
      // AND after the upsell window and the grace period: the platform hears of every purchase, and of the two mismatches
      await runJobs(11);
      const reconcile = await import("~/purchases/reconcile.server");
      await reconcile.runReconciliation(db(), SHOP, new Date(Date.now() + 61 * 60_000));
      expect(await row(silent.id)).toMatchObject({ mismatch: true, mismatchFields: JSON.stringify([{ field: "browser", server: "present", browser: "missing" }]) });
      expect(await row(pos.id)).toMatchObject({ mismatch: false });
      const sent = (await db().outboundEvent.findMany({ where: { shop: SHOP }, orderBy: { createdAt: "asc" } })).map((e) => {
        const data = (JSON.parse(e.payload) as { data: { orderId: string; kind?: string } }).data;
        return [e.type, data.orderId, data.kind ?? null];
      });
      expect(sent.filter(([type]) => type === "purchase.registered")).toHaveLength(4);
      expect(sent.filter(([type]) => type === "purchase.mismatch").sort()).toEqual(
        [
          ["purchase.mismatch", differing.id, "differs"],
          ["purchase.mismatch", silent.id, "browser_missing"],
        ].sort(),
      );
      expect(await reconcile.mismatchCounts(db(), SHOP)).toEqual({ differs: 1, browserMissing: 1, serverMissing: 0, total: 2 });
    });
  });
});
