/**
 * Browser/server reconciliation end to end inside the app, on SQLite and PostgreSQL: signed orders/create and
 * orders/updated deliveries into receiveWebhook, the web pixel's reports (built by the extension's own builder from
 * Shopify-shaped checkout_completed events) into the pixel endpoint, the jobs run by the worker, and the grace
 * period checked by purchases.reconcile at a moved clock. What is compared: the Purchase and BrowserPurchase rows and
 * the purchase.registered / purchase.mismatch events the platform would receive.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { TokenBuckets } from "~/purchases/rate-limit";

import { loadAppFor, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { shopifyWebhookRequest, type SignedWebhook } from "../support/webhooks";

import { orderBody, type OrderFixture } from "./fixtures";
import { pixelReport, type CheckoutFixture } from "./pixel-fixtures";

const pgUp = await postgresAvailable();
const SHOP = "test-shop.myshopify.com";
const BIG_ORDER_ID = "9007199254740993";
const MINUTE = 60_000;
const BROWSER_MISSING = [{ field: "browser", server: "present", browser: "missing" }];

describe.each(["sqlite", "postgresql"] as const)("purchase reconciliation on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let app: {
      receiveWebhook: (request: Request) => Promise<Response>;
      runUntilIdle: typeof import("~/jobs/worker.server").runUntilIdle;
      handlePixelPost: typeof import("~/purchases/pixel-endpoint.server").handlePixelPost;
      reconcile: typeof import("~/purchases/reconcile.server");
    };

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "reconcile" });
      await loadAppFor(database);
      app = {
        receiveWebhook: (await import("~/webhooks/receive.server")).receiveWebhook,
        runUntilIdle: (await import("~/jobs/worker.server")).runUntilIdle,
        handlePixelPost: (await import("~/purchases/pixel-endpoint.server")).handlePixelPost,
        reconcile: await import("~/purchases/reconcile.server"),
      };
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      const db = database.prisma;
      for (const model of [
        db.webhookDelivery,
        db.job,
        db.schedule,
        db.activityLog,
        db.shop,
        db.syncSetting,
        db.customerDataExport,
        db.outboundEvent,
        db.purchase,
        db.purchaseRefund,
        db.browserPurchase,
      ]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      await db.shop.create({ data: { shop: SHOP, scopes: "read_orders,write_pixels,read_customer_events" } });
    });

    const db = () => database.prisma;
    /** The switch on since an hour ago (when the pixel was installed), with these options. */
    const enable = (options: Record<string, unknown> = {}) =>
      db().syncSetting.create({
        data: { shop: SHOP, sync: "purchases", enabled: true, status: "on", enabledAt: new Date(Date.now() - 60 * MINUTE), options: JSON.stringify(options) },
      });
    const switchOff = () => db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "purchases" } }, data: { enabled: false, status: "off" } });
    const send = async (webhook: SignedWebhook) => (await app.receiveWebhook(shopifyWebhookRequest(webhook))).status;
    /** A delivery, processed at once (the webhook.process job). */
    const sendOrder = async (topic: "orders/create" | "orders/updated", order: OrderFixture) => {
      expect(await send({ topic, body: orderBody(order) })).toBe(200);
      await processJobs();
    };
    const processJobs = (minutesLater = 0) =>
      app.runUntilIdle({ db: db(), concurrency: 2, leaseMs: 30_000, clock: () => new Date(Date.now() + minutesLater * MINUTE) });
    /** The pixel's post, as the browser sends it (strict sandbox: Origin null, text/plain). */
    const report = async (body: unknown) => {
      const response = await app.handlePixelPost(
        new Request("https://app.example/pixel/purchases", {
          method: "POST",
          body: typeof body === "string" ? body : JSON.stringify(body),
          headers: { origin: "null", "content-type": "text/plain;charset=UTF-8" },
        }),
        { db: db(), limiter: new TokenBuckets({ capacity: 1000, refillPerSecond: 1000 }), production: true },
      );
      return response.status;
    };
    const pixel = (f: CheckoutFixture = {}) => report(pixelReport(f, SHOP));
    /** What an older storefront integration sends: the order name or number, no order id. */
    const legacy = (orderName: string, f: CheckoutFixture = {}) => report({ ...pixelReport(f, SHOP), orderId: null, orderName });
    const reconcileAt = (minutesLater: number) => app.reconcile.runReconciliation(db(), SHOP, new Date(Date.now() + minutesLater * MINUTE));
    const events = async (type: string) =>
      (await db().outboundEvent.findMany({ where: { shop: SHOP, type }, orderBy: { createdAt: "asc" } })).map(
        (e) => (JSON.parse(e.payload) as { data: Record<string, unknown> }).data,
      );
    const purchase = (orderId: string) => db().purchase.findUniqueOrThrow({ where: { shop_orderId: { shop: SHOP, orderId } } });
    const fieldsOf = async (orderId: string) => {
      const row = await purchase(orderId);
      return row.mismatchFields ? (JSON.parse(row.mismatchFields) as unknown) : null;
    };
    const browserRows = () => db().browserPurchase.findMany({ where: { shop: SHOP }, orderBy: [{ receivedAt: "asc" }, { eventId: "asc" }] });

    // ------------------------------------------------------------------------------------------------ agreeing

    it("an agreeing report, server first: matched, nothing flagged, nothing sent but purchase.registered", async () => {
      // GIVEN an order registered and forwarded at once
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4001", totalPrice: "25.00", email: "Ada@Example.com" });
      expect((await purchase("4001")).forwardedAt).not.toBeNull();
      // WHEN the storefront reports the same checkout (money as a number, email in another case)
      expect(await pixel({ orderId: "4001", total: 25, email: "ada@example.com" })).toBe(202);
      // THEN the report is attached to the purchase, which agrees
      const row = await purchase("4001");
      expect(row).toMatchObject({ mismatch: false, mismatchFields: null, mismatchAt: null });
      expect(row.browserReportedAt).not.toBeNull();
      expect(await browserRows()).toEqual([expect.objectContaining({ purchaseOrderId: "4001", matchedAt: expect.any(Date), mismatchAt: null })]);
      // AND after the grace period nothing is flagged either
      await reconcileAt(61);
      expect((await purchase("4001")).mismatch).toBe(false);
      expect(await events("purchase.mismatch")).toEqual([]);
      expect(await events("purchase.registered")).toHaveLength(1);
    });

    // ------------------------------------------------------------------------------------------------ differing

    it.each([
      ["total", { total: 24.5 }, [{ field: "total", server: "25.00", browser: "24.50" }]],
      ["currency", { currency: "USD" }, [{ field: "currency", server: "EUR", browser: "USD" }]],
      ["email", { email: "bob@example.com" }, [{ field: "email", server: "ada@example.com", browser: "bob@example.com" }]],
      [
        "item count",
        { lines: [{ variantId: "8001", productId: "7001", sku: "TEE-M", quantity: 2, price: 12.5 }] },
        [{ field: "itemCount", server: 1, browser: 2 }],
      ],
    ])("a report whose %s differs is flagged at once and sent once, after purchase.registered", async (_what, differs, expected) => {
      // GIVEN the default 10-minute upsell window
      await enable();
      await sendOrder("orders/create", { id: "4002" });
      // WHEN the storefront's report differs
      expect(await pixel({ orderId: "4002", ...differs })).toBe(202);
      // THEN the purchase is flagged with the differing field, server and browser values
      expect(await fieldsOf("4002")).toEqual(expected);
      expect((await purchase("4002")).mismatchAt).not.toBeNull();
      // AND nothing goes to the platform before it knows the purchase
      expect(await events("purchase.mismatch")).toEqual([]);
      // WHEN the window closes
      await processJobs(11);
      // THEN purchase.registered, then one purchase.mismatch with both sides
      const [mismatch, ...more] = await events("purchase.mismatch");
      expect(more).toEqual([]);
      expect(mismatch).toMatchObject({
        kind: "differs",
        orderId: "4002",
        orderName: "#1001",
        fields: expected.map((f) => f.field),
        server: { totalPrice: "25.00", currency: "EUR", email: "ada@example.com", itemCount: 1, sourceName: "web" },
        browser: { eventId: expect.any(String), currency: (differs as { currency?: string }).currency ?? "EUR" },
      });
      const order = await db().outboundEvent.findMany({ where: { shop: SHOP }, orderBy: { createdAt: "asc" }, select: { type: true } });
      expect(order.map((e) => e.type)).toEqual(["purchase.registered", "purchase.mismatch"]);
    });

    it("the browser reports first, the order arrives later: a report never creates a purchase; the order picks it up", async () => {
      await enable({ upsellDelayMinutes: 0 });
      // GIVEN a report for an order Shopify has not delivered yet
      expect(await pixel({ orderId: "4003", total: 30 })).toBe(202);
      expect(await db().purchase.count()).toBe(0);
      expect((await browserRows())[0]).toMatchObject({ orderId: "4003", matchedAt: null, purchaseOrderId: null });
      // WHEN the order arrives
      await sendOrder("orders/create", { id: "4003", totalPrice: "25.00" });
      // THEN it finds the report and compares
      expect((await browserRows())[0]).toMatchObject({ purchaseOrderId: "4003", matchedAt: expect.any(Date) });
      expect(await fieldsOf("4003")).toEqual([{ field: "total", server: "25.00", browser: "30.00" }]);
      expect(await events("purchase.mismatch")).toEqual([expect.objectContaining({ kind: "differs", orderId: "4003", fields: ["total"] })]);
      expect(await db().purchase.count()).toBe(1);
    });

    // ------------------------------------------------------------------------------------------------ by name

    it("match by order name off: a report carrying only the order number stays unmatched and is flagged after the grace period", async () => {
      await enable({ upsellDelayMinutes: 0 });
      expect(await legacy("#1001")).toBe(202);
      await sendOrder("orders/create", { id: "4004", name: "#1001", orderNumber: 1001 });
      expect((await browserRows())[0]).toMatchObject({ orderName: "#1001", matchedAt: null });
      await reconcileAt(61);
      // the report: no server registration found; the purchase: no browser report
      expect((await browserRows())[0].mismatchAt).not.toBeNull();
      expect(await fieldsOf("4004")).toEqual(BROWSER_MISSING);
      const sent = await events("purchase.mismatch");
      expect(sent.map((e) => e.kind).sort()).toEqual(["browser_missing", "server_missing"]);
      expect(sent.find((e) => e.kind === "server_missing")).toMatchObject({ orderId: null, orderName: "#1001", fields: ["server"], server: null });
    });

    it("match by order name on: #1001, 1001 and a custom-prefixed name find their order, whichever side arrives first", async () => {
      await enable({ upsellDelayMinutes: 0, matchByOrderName: true });
      // server first, then the bare number
      await sendOrder("orders/create", { id: "4005", name: "#1001", orderNumber: 1001 });
      expect(await legacy("1001", { eventId: "sh-n1" })).toBe(202);
      // browser first ("#1002"), then the server
      expect(await legacy("#1002", { eventId: "sh-n2" })).toBe(202);
      await sendOrder("orders/create", { id: "4006", name: "#1002", orderNumber: 1002 });
      // a shop with an order number prefix
      await sendOrder("orders/create", { id: "4007", name: "SHOP-1003", orderNumber: 1003 });
      expect(await legacy("SHOP-1003", { eventId: "sh-n3" })).toBe(202);
      const rows = await browserRows();
      expect(Object.fromEntries(rows.map((r) => [r.eventId, r.purchaseOrderId]))).toEqual({ "sh-n1": "4005", "sh-n2": "4006", "sh-n3": "4007" });
      for (const id of ["4005", "4006", "4007"]) expect(await purchase(id)).toMatchObject({ mismatch: false, browserReportedAt: expect.any(Date) });
      await reconcileAt(61);
      expect(await events("purchase.mismatch")).toEqual([]);
    });

    it("two reports for one order, one by id and one by name: both attach to the one purchase, compared with the id report", async () => {
      await enable({ upsellDelayMinutes: 0, matchByOrderName: true });
      // GIVEN the older integration reports first (its total excludes shipping: it would differ), then the pixel
      expect(await legacy("#1001", { eventId: "sh-legacy", total: 20 })).toBe(202);
      expect(await pixel({ eventId: "sh-pixel", orderId: "4008" })).toBe(202);
      // WHEN the order arrives
      await sendOrder("orders/create", { id: "4008", name: "#1001", orderNumber: 1001 });
      // THEN one purchase, both reports attached to it, and the id report decides: they agree
      expect(await db().purchase.count()).toBe(1);
      expect((await browserRows()).map((r) => [r.eventId, r.purchaseOrderId])).toEqual(
        expect.arrayContaining([
          ["sh-legacy", "4008"],
          ["sh-pixel", "4008"],
        ]),
      );
      expect(await purchase("4008")).toMatchObject({ mismatch: false });
      await reconcileAt(61);
      expect(await db().browserPurchase.count({ where: { matchedAt: null } })).toBe(0);
      expect(await events("purchase.mismatch")).toEqual([]);
    });

    it("duplicate and retried posts of one checkout store one report and send at most one mismatch", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4009" });
      const body = pixelReport({ eventId: "sh-dup", orderId: "4009", total: 26 }, SHOP);
      const statuses = [await report(body), await report(body), ...(await Promise.all([report(body), report(body)]))];
      expect(statuses).toEqual([202, 202, 202, 202]);
      expect(await browserRows()).toHaveLength(1);
      expect(await events("purchase.mismatch")).toHaveLength(1);
    });

    // ------------------------------------------------------------------------------------------------ grace period

    it("a web order without a browser report is flagged after the grace period, once, and cleared by a late report that agrees", async () => {
      await enable({ upsellDelayMinutes: 0, mismatchGraceMinutes: 60 });
      await sendOrder("orders/create", { id: "4010" });
      // WHEN the job runs inside the grace period THEN nothing yet
      expect(await reconcileAt(30)).toMatchObject({ browserMissing: 0 });
      expect((await purchase("4010")).mismatch).toBe(false);
      // WHEN it runs after it THEN browser missing
      expect(await reconcileAt(61)).toMatchObject({ browserMissing: 1 });
      expect(await fieldsOf("4010")).toEqual(BROWSER_MISSING);
      expect(await events("purchase.mismatch")).toEqual([
        expect.objectContaining({ kind: "browser_missing", orderId: "4010", fields: ["browser"], browser: null, server: expect.objectContaining({ totalPrice: "25.00" }) }),
      ]);
      // AND later runs add nothing
      await reconcileAt(70);
      await reconcileAt(120);
      expect(await events("purchase.mismatch")).toHaveLength(1);
      expect(await app.reconcile.mismatchCounts(db(), SHOP)).toEqual({ differs: 0, browserMissing: 1, serverMissing: 0, total: 1 });
      // WHEN the report comes in late and agrees THEN the flag goes
      expect(await pixel({ orderId: "4010" })).toBe(202);
      expect(await purchase("4010")).toMatchObject({ mismatch: false, mismatchFields: null, mismatchAt: null });
      expect(await app.reconcile.mismatchCounts(db(), SHOP)).toEqual({ differs: 0, browserMissing: 0, serverMissing: 0, total: 0 });
    });

    it("a browser report without a server registration is flagged after the grace period, once, and matched if the order comes late", async () => {
      await enable({ upsellDelayMinutes: 0 });
      expect(await pixel({ eventId: "sh-orphan", orderId: "4011", email: "eve@example.com" })).toBe(202);
      expect(await reconcileAt(30)).toMatchObject({ serverMissing: 0 });
      expect(await reconcileAt(61)).toMatchObject({ serverMissing: 1 });
      const [row] = await browserRows();
      expect(row.mismatchAt).not.toBeNull();
      await reconcileAt(70);
      const sent = await events("purchase.mismatch");
      expect(sent).toEqual([
        expect.objectContaining({
          kind: "server_missing",
          orderId: "4011",
          fields: ["server"],
          server: null,
          browser: expect.objectContaining({ eventId: "sh-orphan", totalPrice: "25.00", email: "eve@example.com" }),
        }),
      ]);
      expect(await app.reconcile.mismatchCounts(db(), SHOP)).toMatchObject({ serverMissing: 1 });
      const listed = await app.reconcile.listUnmatchedBrowserReports(db(), SHOP);
      expect(listed.reports).toEqual([expect.objectContaining({ eventId: "sh-orphan", status: "server_missing" })]);
      // WHEN the order is registered late (a catch-up) THEN the report is attached and no longer counted
      await sendOrder("orders/create", { id: "4011", email: "eve@example.com" });
      expect((await browserRows())[0]).toMatchObject({ purchaseOrderId: "4011" });
      expect(await app.reconcile.mismatchCounts(db(), SHOP)).toMatchObject({ serverMissing: 0 });
      expect(await purchase("4011")).toMatchObject({ mismatch: false });
    });

    it("POS, draft, subscription and other-channel orders, test orders and orders from before the pixel expect no report", async () => {
      await enable({ upsellDelayMinutes: 0 });
      const beforePixel = new Date(Date.now() - 2 * 60 * MINUTE).toISOString();
      await sendOrder("orders/create", { id: "4020", sourceName: "pos" });
      await sendOrder("orders/create", { id: "4021", sourceName: "shopify_draft_order" });
      await sendOrder("orders/create", { id: "4022", sourceName: "subscription_contract" });
      await sendOrder("orders/create", { id: "4023", sourceName: "580111" });
      await sendOrder("orders/create", { id: "4024", test: true });
      await sendOrder("orders/create", { id: "4025", createdAt: beforePixel });
      await sendOrder("orders/create", { id: "4026" }); // the one that does
      await reconcileAt(61);
      const flagged = await db().purchase.findMany({ where: { shop: SHOP, mismatch: true }, select: { orderId: true } });
      expect(flagged.map((p) => p.orderId)).toEqual(["4026"]);
      // AND a report that does arrive for a POS order is still compared
      expect(await pixel({ orderId: "4020", total: 99 })).toBe(202);
      expect(await fieldsOf("4020")).toEqual([{ field: "total", server: "25.00", browser: "99.00" }]);
    });

    // ------------------------------------------------------------------------------------------------ later changes

    it("an accepted upsell (the order keeps every reported line and gains more) is no mismatch; the larger order is sent", async () => {
      await enable(); // 10-minute upsell window
      const created = new Date(Date.now() - MINUTE).toISOString();
      await sendOrder("orders/create", { id: "4030", createdAt: created });
      expect(await pixel({ orderId: "4030" })).toBe(202); // checkout_completed fires before the post-purchase offer
      expect((await purchase("4030")).mismatch).toBe(false);
      // WHEN the buyer accepts the upsell: orders/updated with the new line and total
      await sendOrder("orders/updated", {
        id: "4030",
        createdAt: created,
        updatedAt: new Date().toISOString(),
        totalPrice: "40.00",
        lineItems: [
          { id: "11001", productId: "7001", variantId: "8001", sku: "TEE-M", quantity: 1, price: "25.00" },
          { id: "11002", productId: "7002", variantId: "8002", sku: "SOCKS", quantity: 1, price: "15.00" },
        ],
      });
      // THEN the purchase is compared again and still agrees: the extra line and money are the upsell
      expect(await purchase("4030")).toMatchObject({ mismatch: false, mismatchFields: null });
      await processJobs(11);
      expect(await events("purchase.registered")).toEqual([expect.objectContaining({ orderId: "4030", totalPrice: "40.00" })]);
      expect(await events("purchase.mismatch")).toEqual([]);
    });

    it("an order edit that drops a reported line compares again and differs in total and items, sent once after registration", async () => {
      await enable(); // 10-minute upsell window
      const created = new Date(Date.now() - MINUTE).toISOString();
      await sendOrder("orders/create", {
        id: "4032",
        createdAt: created,
        totalPrice: "40.00",
        lineItems: [
          { id: "11001", productId: "7001", variantId: "8001", sku: "TEE-M", quantity: 1, price: "25.00" },
          { id: "11002", productId: "7002", variantId: "8002", sku: "SOCKS", quantity: 1, price: "15.00" },
        ],
      });
      const lines = [
        { variantId: "8001", productId: "7001", quantity: 1, price: 25 },
        { variantId: "8002", productId: "7002", quantity: 1, price: 15 },
      ];
      expect(await pixel({ orderId: "4032", total: 40, lines })).toBe(202);
      expect((await purchase("4032")).mismatch).toBe(false);
      // WHEN the order is edited down to the socks only
      await sendOrder("orders/updated", {
        id: "4032",
        createdAt: created,
        updatedAt: new Date().toISOString(),
        totalPrice: "15.00",
        lineItems: [{ id: "11002", productId: "7002", variantId: "8002", sku: "SOCKS", quantity: 1, price: "15.00" }],
      });
      expect(await fieldsOf("4032")).toEqual([
        { field: "total", server: "15.00", browser: "40.00" },
        { field: "itemCount", server: 1, browser: 2 },
      ]);
      await processJobs(11);
      expect(await events("purchase.mismatch")).toEqual([expect.objectContaining({ orderId: "4032", fields: ["total", "itemCount"] })]);
    });

    it("an update that makes both sides agree clears the flag before anything is sent", async () => {
      await enable();
      const created = new Date(Date.now() - MINUTE).toISOString();
      await sendOrder("orders/create", { id: "4031", createdAt: created, email: "ada@example.com" });
      expect(await pixel({ orderId: "4031", email: "ada.l@example.com" })).toBe(202);
      expect((await purchase("4031")).mismatch).toBe(true);
      await sendOrder("orders/updated", { id: "4031", createdAt: created, updatedAt: new Date().toISOString(), email: "ada.l@example.com" });
      expect(await purchase("4031")).toMatchObject({ mismatch: false, mismatchFields: null, mismatchAt: null });
      await processJobs(11);
      expect(await events("purchase.mismatch")).toEqual([]);
    });

    it("purchase.mismatch goes out exactly once per mismatch, however often it is found again; a new difference is a new one", async () => {
      await enable({ upsellDelayMinutes: 0, matchByOrderName: true });
      const created = new Date(Date.now() - MINUTE).toISOString();
      await sendOrder("orders/create", { id: "4032", createdAt: created });
      const body = pixelReport({ eventId: "sh-once", orderId: "4032", total: 20 }, SHOP);
      await report(body);
      await report(body);
      await legacy("#1001", { eventId: "sh-once-legacy", total: 20 });
      await sendOrder("orders/updated", { id: "4032", createdAt: created, updatedAt: new Date(Date.now() - 30_000).toISOString(), tags: "vip" });
      await reconcileAt(61);
      await reconcileAt(90);
      expect(await events("purchase.mismatch")).toHaveLength(1);
      // WHEN the order changes so that another field differs too
      await sendOrder("orders/updated", { id: "4032", createdAt: created, updatedAt: new Date().toISOString(), tags: "vip", email: "other@example.com" });
      const sent = await events("purchase.mismatch");
      expect(sent.map((e) => e.fields)).toEqual([["total"], ["total", "email"]]);
    });

    it("nothing is sent while the switch is off: a late delivery still updates the flag, the reports endpoint refuses, the job skips", async () => {
      await enable({ upsellDelayMinutes: 0 });
      const created = new Date(Date.now() - MINUTE).toISOString();
      await sendOrder("orders/create", { id: "4033", createdAt: created });
      await sendOrder("orders/create", { id: "4034", createdAt: created });
      expect(await pixel({ orderId: "4033" })).toBe(202);
      // WHEN the merchant turns the sync off and a late delivery changes the order's total
      await switchOff();
      await sendOrder("orders/updated", { id: "4033", createdAt: created, updatedAt: new Date().toISOString(), totalPrice: "31.00" });
      // THEN the flag is kept for the merchant, but no event
      expect(await fieldsOf("4033")).toEqual([{ field: "total", server: "31.00", browser: "25.00" }]);
      expect(await pixel({ orderId: "4034" })).toBe(403);
      expect(await reconcileAt(61)).toMatchObject({ skipped: true });
      expect((await purchase("4034")).mismatch).toBe(false);
      expect(await events("purchase.mismatch")).toEqual([]);
    });

    it("order ids above 2^53 match digit for digit", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: BIG_ORDER_ID, totalPrice: "25.00" });
      expect(await pixel({ orderGid: `gid://shopify/OrderIdentity/${BIG_ORDER_ID}`, total: 25 })).toBe(202);
      expect((await browserRows())[0]).toMatchObject({ orderId: BIG_ORDER_ID, purchaseOrderId: BIG_ORDER_ID });
      expect((await purchase(BIG_ORDER_ID)).browserReportedAt).not.toBeNull();
      // a neighbour that a JS number would confuse it with stays unmatched
      expect(await pixel({ orderGid: "gid://shopify/OrderIdentity/9007199254740992" })).toBe(202);
      expect(await db().browserPurchase.count({ where: { matchedAt: null } })).toBe(1);
    });

    it("a report and its order arriving together end matched, whichever commits first", async () => {
      await enable({ upsellDelayMinutes: 0 });
      const ids = ["4040", "4041", "4042", "4043", "4044"];
      await Promise.all(ids.flatMap((id) => [pixel({ orderId: id, total: 26 }), sendOrder("orders/create", { id })]));
      await processJobs();
      await reconcileAt(61);
      const rows = await browserRows();
      expect(rows.map((r) => r.purchaseOrderId).sort()).toEqual(ids);
      for (const id of ids) expect(await fieldsOf(id)).toEqual([{ field: "total", server: "25.00", browser: "26.00" }]);
      expect((await events("purchase.mismatch")).map((e) => e.orderId).sort()).toEqual(ids);
    });

    // ------------------------------------------------------------------------------------------------ compliance

    it("customers/redact blanks the customer's browser reports (by email and by listed order) and the emails in mismatch data", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4050", customerId: "5100", email: "ada@example.com" });
      expect(await pixel({ eventId: "sh-ada", orderId: "4050", email: "ada.typo@example.com" })).toBe(202); // email mismatch
      expect(await pixel({ eventId: "sh-ada2", orderId: "4051", email: "ADA@example.com" })).toBe(202); // unmatched, her email
      expect(await pixel({ eventId: "sh-guest", orderId: "4052", email: "guest@example.com" })).toBe(202); // a listed order
      expect(await pixel({ eventId: "sh-bob", orderId: "4053", email: "bob@example.com" })).toBe(202); // someone else
      expect(await events("purchase.mismatch")).toHaveLength(1);
      const body = JSON.stringify({ shop_id: 1, shop_domain: SHOP, customer: { id: 5100, email: "ada@example.com", phone: null }, orders_to_redact: [4052] });
      expect(await send({ topic: "customers/redact", body })).toBe(200);
      await processJobs();
      const rows = Object.fromEntries((await browserRows()).map((r) => [r.eventId, r]));
      for (const id of ["sh-ada", "sh-ada2", "sh-guest"]) expect(rows[id]).toMatchObject({ email: null, redactedAt: expect.any(Date) });
      expect(rows["sh-bob"]).toMatchObject({ email: "bob@example.com", redactedAt: null });
      expect(await fieldsOf("4050")).toEqual([{ field: "email", server: "[redacted]", browser: "[redacted]" }]);
      const [event] = await db().outboundEvent.findMany({ where: { shop: SHOP, type: "purchase.mismatch" } });
      expect(event.payload).not.toMatch(/ada(\.typo)?@example\.com/i);
      expect(JSON.parse(event.payload).data).toMatchObject({ server: { email: "[redacted]" }, browser: { email: "[redacted]" } });
    });

    it("customers/data_request includes the customer's browser reports", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4060", customerId: "5300", email: "cy@example.com" });
      expect(await pixel({ eventId: "sh-cy", orderId: "4060", email: "cy@example.com" })).toBe(202);
      expect(await pixel({ eventId: "sh-other", orderId: "4061", email: "dan@example.com" })).toBe(202);
      const body = JSON.stringify({
        shop_id: 1,
        shop_domain: SHOP,
        customer: { id: 5300, email: "cy@example.com", phone: null },
        orders_requested: [4060],
        data_request: { id: 1 },
      });
      expect(await send({ topic: "customers/data_request", body })).toBe(200);
      await processJobs();
      const saved = await db().customerDataExport.findFirstOrThrow({ where: { shop: SHOP, customerId: "5300" } });
      const content = JSON.parse(saved.content) as { data: Record<string, unknown[]> };
      expect(content.data["browser purchase reports"]).toEqual([
        expect.objectContaining({ eventId: "sh-cy", orderId: "4060", email: "cy@example.com", totalPrice: "25.00", matchedOrderId: "4060" }),
      ]);
    });

    // ------------------------------------------------------------------------------------------------ read API

    it("the page's read API: counts by kind, and unmatched reports newest first a page at a time", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4070" });
      await pixel({ orderId: "4070", total: 1 }); // differs
      await sendOrder("orders/create", { id: "4071" }); // browser missing after grace
      for (const id of ["4072", "4073", "4074"]) await pixel({ eventId: `sh-${id}`, orderId: id }); // server missing after grace
      await reconcileAt(61);
      await pixel({ eventId: "sh-4075", orderId: "4075" }); // waiting
      expect(await app.reconcile.mismatchCounts(db(), SHOP)).toEqual({ differs: 1, browserMissing: 1, serverMissing: 3, total: 5 });
      const first = await app.reconcile.listUnmatchedBrowserReports(db(), SHOP, { limit: 3 });
      expect(first.reports.map((r) => [r.eventId, r.status])).toEqual([
        ["sh-4075", "waiting"],
        ["sh-4074", "server_missing"],
        ["sh-4073", "server_missing"],
      ]);
      const second = await app.reconcile.listUnmatchedBrowserReports(db(), SHOP, { limit: 3, cursor: first.nextCursor });
      expect(second.reports.map((r) => r.eventId)).toEqual(["sh-4072"]);
      expect(second.nextCursor).toBeNull();
    });
  });
});
