/**
 * The purchase sync end to end inside the app: Shopify-shaped, signed orders/create, orders/updated and
 * refunds/create deliveries into receiveWebhook, the jobs run by the worker (with a fake clock for the upsell
 * window), and the resulting purchases and platform events, on SQLite and PostgreSQL.
 */
import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { loadAppFor, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { shopifyWebhookRequest, type SignedWebhook } from "../support/webhooks";

import { orderBody, refundBody, type OrderFixture, type RefundFixture } from "./fixtures";

const pgUp = await postgresAvailable();
const SHOP = "test-shop.myshopify.com";
// Above 2^53: JSON.parse would read it as ...992.
const BIG_ORDER_ID = "9007199254740993";
const BIG_PRODUCT_ID = "18014398509481985";
const MINUTE = 60_000;

describe.each(["sqlite", "postgresql"] as const)("purchase sync on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let app: {
      receiveWebhook: (request: Request) => Promise<Response>;
      runUntilIdle: typeof import("~/jobs/worker.server").runUntilIdle;
    };

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "purchases" });
      await loadAppFor(database);
      app = {
        receiveWebhook: (await import("~/webhooks/receive.server")).receiveWebhook,
        runUntilIdle: (await import("~/jobs/worker.server")).runUntilIdle,
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
        db.activityLog,
        db.shop,
        db.syncSetting,
        db.customerDataExport,
        db.outboundEvent,
        db.purchase,
        db.purchaseRefund,
      ]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
    });

    const db = () => database.prisma;
    const enable = (options: Record<string, unknown> = {}, enabled = true) =>
      db().syncSetting.create({
        data: { shop: SHOP, sync: "purchases", enabled, status: enabled ? "on" : "off", options: JSON.stringify(options) },
      });
    const send = async (webhook: SignedWebhook) => {
      const response = await app.receiveWebhook(shopifyWebhookRequest(webhook));
      return response.status;
    };
    const sendOrder = (topic: "orders/create" | "orders/updated", order: OrderFixture, webhookId?: string) =>
      send({ topic, body: orderBody(order), webhookId });
    const sendRefund = (refund: RefundFixture) => send({ topic: "refunds/create", body: refundBody(refund) });
    /** Runs every due job now; `minutesLater` moves the worker's clock past upsell windows. */
    const processJobs = (minutesLater = 0) =>
      app.runUntilIdle({ db: db(), concurrency: 2, leaseMs: 30_000, clock: () => new Date(Date.now() + minutesLater * MINUTE) });
    const events = async (type: string) =>
      (await db().outboundEvent.findMany({ where: { shop: SHOP, type }, orderBy: { createdAt: "asc" } })).map(
        (e) => (JSON.parse(e.payload) as { data: Record<string, unknown> }).data,
      );
    const purchase = (orderId: string) => db().purchase.findUniqueOrThrow({ where: { shop_orderId: { shop: SHOP, orderId } } });
    const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

    it("registers one purchase however often the order arrives, and forwards it once", async () => {
      // GIVEN the sync on with the default 10-minute window
      await enable();
      const webhookId = randomUUID();
      const order = { id: "4001", createdAt: iso(0) };
      // WHEN the same delivery arrives twice (same webhook id), and the order again under another webhook id
      expect(await sendOrder("orders/create", order, webhookId)).toBe(200);
      expect(await sendOrder("orders/create", order, webhookId)).toBe(200);
      expect(await sendOrder("orders/create", order)).toBe(200);
      await processJobs();
      // THEN one purchase, held in its window, one forwarding job
      expect(await db().purchase.count()).toBe(1);
      expect((await purchase("4001")).status).toBe("pending_delay");
      expect(await db().job.count({ where: { type: "purchases.forward" } })).toBe(1);
      expect(await events("purchase.registered")).toHaveLength(0);
      // AND the control plane saw the switch's events, filed under the purchases sync
      const setting = await db().syncSetting.findUniqueOrThrow({ where: { shop_sync: { shop: SHOP, sync: "purchases" } } });
      expect(setting.lastEventAt).not.toBeNull();
      expect(await db().activityLog.count({ where: { shop: SHOP, sync: "purchases", name: "ORDERS_CREATE", status: "processed" } })).toBe(2);
      // AND once the window has closed, exactly one purchase.registered, even if the order arrives once more
      await processJobs(11);
      await sendOrder("orders/create", order);
      await processJobs(11);
      expect(await events("purchase.registered")).toHaveLength(1);
      expect((await purchase("4001")).status).toBe("registered");
      expect(await db().purchase.count()).toBe(1);
    });

    it("keeps the newest order state whatever order the deliveries arrive in", async () => {
      await enable();
      const created = iso(5 * MINUTE);
      // GIVEN an update (newer) delivered before the creation (older)
      const newest = iso(2 * MINUTE);
      await sendOrder("orders/updated", { id: "4002", createdAt: created, updatedAt: newest, totalPrice: "30.00" });
      await sendOrder("orders/create", { id: "4002", createdAt: created, totalPrice: "25.00" });
      await processJobs();
      expect((await purchase("4002")).totalPrice).toBe("30.00");
      // WHEN an older update arrives after the newer one
      await sendOrder("orders/updated", { id: "4002", createdAt: created, updatedAt: iso(4 * MINUTE), totalPrice: "27.00" });
      await processJobs();
      // THEN the newest state stands
      const row = await purchase("4002");
      expect(row.totalPrice).toBe("30.00");
      // (The newest update's own timestamp: iso() reads the clock at each call, so created + 3 min is off by a ms at times.)
      expect(row.sourceUpdatedAt.toISOString()).toBe(newest);
      expect(await db().purchase.count()).toBe(1);
    });

    it("keeps order, customer and product ids above 2^53 digit for digit, in the row and the event", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", {
        id: BIG_ORDER_ID,
        customerId: "9007199254740995",
        lineItems: [{ id: "9007199254740997", productId: BIG_PRODUCT_ID, variantId: "18014398509481987", sku: "X", quantity: 2, price: "5.00" }],
        totalPrice: "10.00",
      });
      await processJobs();
      const row = await purchase(BIG_ORDER_ID);
      expect(row.customerId).toBe("9007199254740995");
      expect(JSON.parse(row.lineItems)).toEqual([
        { lineItemId: "9007199254740997", productId: BIG_PRODUCT_ID, variantId: "18014398509481987", sku: "X", title: "T-shirt", quantity: 2, price: "5.00" },
      ]);
      const [event] = await events("purchase.registered");
      expect(event).toMatchObject({ orderId: BIG_ORDER_ID, customerId: "9007199254740995", totalPrice: "10.00" });
    });

    it("lets no concurrent delivery regress the order or create it twice", async () => {
      // GIVEN eight deliveries of one order with different updated_at, registered all at once
      await enable();
      const { registerOrder } = await import("~/purchases/service.server");
      const { mapOrder, orderPayloadSchema } = await import("~/purchases/payloads");
      const { parseShopifyJson } = await import("~/webhooks/json");
      const created = Date.now() - 10 * MINUTE;
      const versions = [3, 7, 1, 5, 8, 2, 6, 4].map((minute) =>
        mapOrder(
          orderPayloadSchema.parse(
            parseShopifyJson(
              orderBody({
                id: "4030",
                createdAt: new Date(created).toISOString(),
                updatedAt: new Date(created + minute * MINUTE).toISOString(),
                totalPrice: `${minute}0.00`,
              }),
            ),
          ),
        ),
      );
      // WHEN they race (retrying a transaction that lost a race, as the webhook job would)
      const settle = async (order: (typeof versions)[number]) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await registerOrder(db(), SHOP, order);
          } catch (error) {
            if (attempt >= 5) throw error;
          }
        }
      };
      await Promise.all(versions.map(settle));
      // THEN one purchase holding the newest state, and one forwarding job
      expect(await db().purchase.count()).toBe(1);
      expect((await purchase("4030")).totalPrice).toBe("80.00");
      expect(await db().job.count({ where: { type: "purchases.forward" } })).toBe(1);
    });

    it("stores the order's fields: name, number, email, shop and presentment totals, discounts, source, tags", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", {
        id: "4003",
        name: "#1042",
        orderNumber: 1042,
        email: "ada@example.com",
        currency: "EUR",
        totalPrice: "20.00",
        presentment: { amount: "21.80", currency: "USD" },
        discountCodes: [{ code: "WELCOME", amount: "2.00", type: "fixed_amount" }],
        sourceName: "web",
        tags: "vip, summer",
      });
      await processJobs();
      expect(await purchase("4003")).toMatchObject({
        orderName: "#1042",
        orderNumber: "1042",
        email: "ada@example.com",
        customerId: "5001",
        currency: "EUR",
        totalPrice: "20.00",
        presentmentCurrency: "USD",
        presentmentTotal: "21.80",
        sourceName: "web",
        tags: "vip, summer",
        test: false,
        status: "registered",
      });
      expect(JSON.parse((await purchase("4003")).discountCodes)).toEqual([{ code: "WELCOME", amount: "2.00", type: "fixed_amount" }]);
    });

    it("records a test order as excluded by default and never forwards it", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4004", test: true });
      await processJobs(61);
      expect(await purchase("4004")).toMatchObject({ status: "excluded", excludedReason: "test_order" });
      expect(await events("purchase.registered")).toHaveLength(0);
    });

    it("forwards a test order when the merchant chose to include them", async () => {
      await enable({ upsellDelayMinutes: 0, skipTestOrders: false });
      await sendOrder("orders/create", { id: "4005", test: true });
      await processJobs();
      expect((await purchase("4005")).status).toBe("registered");
      expect(await events("purchase.registered")).toHaveLength(1);
    });

    it("excludes an order by sales channel (source_name)", async () => {
      await enable({ upsellDelayMinutes: 0, excludedSources: ["pos", "shopify_draft_order"] });
      await sendOrder("orders/create", { id: "4006", sourceName: "pos" });
      await sendOrder("orders/create", { id: "4007", sourceName: "web" });
      await processJobs(61);
      expect(await purchase("4006")).toMatchObject({ status: "excluded", excludedReason: "source:pos" });
      expect((await purchase("4007")).status).toBe("registered");
      expect((await events("purchase.registered")).map((e) => e.orderId)).toEqual(["4007"]);
      // AND a refund of the excluded order is kept but not forwarded either
      await sendRefund({ id: "6010", orderId: "4006", amount: "25.00" });
      await processJobs();
      expect(await db().purchaseRefund.count({ where: { orderId: "4006" } })).toBe(1);
      expect(await events("refund.created")).toHaveLength(0);
      expect(await purchase("4006")).toMatchObject({ status: "excluded", excludedReason: "source:pos" });
    });

    it("excludes by tag case-insensitively, including a tag added by an update inside the window", async () => {
      await enable({ excludedTags: ["Wholesale"] });
      // GIVEN one order tagged at creation, one tagged by a later update inside the window
      await sendOrder("orders/create", { id: "4008", tags: "vip, WHOLESALE" });
      const created = iso(MINUTE);
      await sendOrder("orders/create", { id: "4009", tags: "vip", createdAt: created });
      await processJobs();
      expect((await purchase("4009")).status).toBe("pending_delay");
      await sendOrder("orders/updated", { id: "4009", tags: "vip, wholesale", createdAt: created, updatedAt: iso(0) });
      await processJobs();
      // WHEN the windows close
      await processJobs(11);
      // THEN both are excluded, neither forwarded
      expect(await purchase("4008")).toMatchObject({ status: "excluded", excludedReason: "tag:Wholesale" });
      expect(await purchase("4009")).toMatchObject({ status: "excluded", excludedReason: "tag:Wholesale" });
      expect(await events("purchase.registered")).toHaveLength(0);
    });

    it("forwards the order as it stands when the upsell window closes", async () => {
      await enable({ upsellDelayMinutes: 10 });
      const created = iso(0);
      // GIVEN a purchase, then an upsell raising its total 3 minutes later
      await sendOrder("orders/create", { id: "4010", createdAt: created, totalPrice: "25.00" });
      await processJobs();
      await sendOrder("orders/updated", {
        id: "4010",
        createdAt: created,
        updatedAt: new Date(Date.parse(created) + 3 * MINUTE).toISOString(),
        totalPrice: "40.00",
        lineItems: [
          { id: "11001", productId: "7001", variantId: "8001", sku: "TEE-M", quantity: 1, price: "25.00" },
          { id: "11002", productId: "7002", variantId: "8002", sku: "CAP", quantity: 1, price: "15.00" },
        ],
      });
      // WHEN the worker runs before the window closes, nothing is forwarded
      await processJobs(9);
      expect(await events("purchase.registered")).toHaveLength(0);
      // THEN after it closes: one event, with the upsold total and both items
      await processJobs(11);
      const forwarded = await events("purchase.registered");
      expect(forwarded).toHaveLength(1);
      expect(forwarded[0]).toMatchObject({ orderId: "4010", totalPrice: "40.00" });
      expect(forwarded[0].lineItems).toHaveLength(2);
      expect(await db().purchase.count()).toBe(1);
    });

    it("forwards at once when the delay is off, still through the forwarding job", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4011" });
      await processJobs();
      expect(await db().job.count({ where: { type: "purchases.forward", status: "done" } })).toBe(1);
      expect(await events("purchase.registered")).toHaveLength(1);
    });

    it("registers a late delivery while the switch is off, but does not forward it", async () => {
      await enable({ upsellDelayMinutes: 0 }, false);
      await sendOrder("orders/create", { id: "4012" });
      await processJobs();
      expect(await purchase("4012")).toMatchObject({ status: "excluded", excludedReason: "sync_off" });
      expect(await events("purchase.registered")).toHaveLength(0);
    });

    it("forwards refunds; a partial one leaves the purchase registered, reaching the total marks it refunded", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4013", totalPrice: "25.00" });
      await processJobs();
      // WHEN a partial refund arrives (twice)
      const partial = { id: "6001", orderId: "4013", amount: "10.00" };
      await sendRefund(partial);
      await sendRefund(partial);
      await processJobs();
      // THEN it is forwarded once, and the purchase is still registered
      expect(await events("refund.created")).toEqual([expect.objectContaining({ refundId: "6001", orderId: "4013", amount: "10.00", currency: "EUR", fullyRefunded: false })]);
      expect((await purchase("4013")).status).toBe("registered");
      // WHEN the rest is refunded
      await sendRefund({ id: "6002", orderId: "4013", amount: "15.00" });
      await processJobs();
      // THEN the purchase is refunded
      expect((await purchase("4013")).status).toBe("refunded");
      expect((await events("refund.created")).map((e) => [e.refundId, e.fullyRefunded])).toEqual([["6001", false], ["6002", true]]);
      expect(await db().purchaseRefund.count()).toBe(2);
    });

    it("counts a refund of every line item as full even without a refund transaction", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4014", totalPrice: "25.00" });
      await processJobs();
      await sendRefund({ id: "6003", orderId: "4014", lineItems: [{ lineItemId: "11001", quantity: 1, subtotal: "25.00" }] });
      await processJobs();
      expect((await purchase("4014")).status).toBe("refunded");
    });

    it("keeps a refund that arrives before its order and attaches it when the order arrives", async () => {
      await enable({ upsellDelayMinutes: 0 });
      // GIVEN a full refund delivered before its order
      await sendRefund({ id: "6004", orderId: BIG_ORDER_ID, amount: "25.00" });
      await processJobs();
      expect(await db().purchaseRefund.count({ where: { orderId: BIG_ORDER_ID } })).toBe(1);
      expect(await events("refund.created")).toHaveLength(0);
      // WHEN the order arrives
      await sendOrder("orders/create", { id: BIG_ORDER_ID, totalPrice: "25.00" });
      await processJobs();
      // THEN the purchase is forwarded, then its refund, and it is refunded
      expect((await purchase(BIG_ORDER_ID)).status).toBe("refunded");
      expect(await events("purchase.registered")).toHaveLength(1);
      expect(await events("refund.created")).toEqual([expect.objectContaining({ refundId: "6004", orderId: BIG_ORDER_ID })]);
    });

    it("answers 422 to an order payload of the wrong shape and registers nothing", async () => {
      await enable();
      const status = await send({ topic: "orders/create", body: JSON.stringify({ id: 4015, line_items: "none" }) });
      expect(status).toBe(422);
      expect((await db().webhookDelivery.findFirstOrThrow()).status).toBe("failed");
      expect(await db().purchase.count()).toBe(0);
    });

    it("customers/redact anonymises the customer's purchases and the listed orders, and a late update cannot restore it", async () => {
      await enable({ upsellDelayMinutes: 0 });
      const created = iso(MINUTE);
      await sendOrder("orders/create", { id: "4016", customerId: "5100", email: "ada@example.com", createdAt: created });
      await sendOrder("orders/create", { id: "4017", customerId: null, email: "guest@example.com" });
      await sendOrder("orders/create", { id: "4018", customerId: "5200", email: "bob@example.com" });
      await processJobs();
      // WHEN Shopify asks to redact customer 5100 and lists the guest order 4017
      const body = JSON.stringify({
        shop_id: 1,
        shop_domain: SHOP,
        customer: { id: 5100, email: "ada@example.com", phone: null },
        orders_to_redact: [4017],
      });
      expect(await send({ topic: "customers/redact", body })).toBe(200);
      await processJobs();
      // THEN their purchases keep the order but lose who bought it
      expect(await purchase("4016")).toMatchObject({ customerId: null, email: null, totalPrice: "25.00" });
      expect(await purchase("4017")).toMatchObject({ customerId: null, email: null });
      expect(await purchase("4018")).toMatchObject({ customerId: "5200", email: "bob@example.com" });
      // AND a late orders/updated for the redacted order does not bring the email back
      await sendOrder("orders/updated", { id: "4016", customerId: "5100", email: "ada@example.com", createdAt: created, updatedAt: iso(0), totalPrice: "26.00" });
      await processJobs();
      expect(await purchase("4016")).toMatchObject({ customerId: null, email: null, totalPrice: "26.00" });
    });

    it("customers/data_request exports the customer's purchases", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4019", customerId: "5300", email: "cy@example.com" });
      await processJobs();
      const body = JSON.stringify({
        shop_id: 1,
        shop_domain: SHOP,
        customer: { id: 5300, email: "cy@example.com", phone: null },
        orders_requested: [4019],
        data_request: { id: 1 },
      });
      expect(await send({ topic: "customers/data_request", body })).toBe(200);
      await processJobs();
      const saved = await db().customerDataExport.findFirstOrThrow({ where: { shop: SHOP, customerId: "5300" } });
      const content = JSON.parse(saved.content) as { data: { purchases?: unknown[] } };
      expect(content.data.purchases).toEqual([expect.objectContaining({ orderId: "4019", email: "cy@example.com", status: "registered" })]);
    });

    it("shop/redact removes the shop's purchases and refunds", async () => {
      await enable({ upsellDelayMinutes: 0 });
      await sendOrder("orders/create", { id: "4020" });
      await sendRefund({ id: "6005", orderId: "4020", amount: "1.00" });
      await processJobs();
      expect(await db().purchase.count({ where: { shop: SHOP } })).toBe(1);
      expect(await send({ topic: "shop/redact", body: JSON.stringify({ shop_id: 1, shop_domain: SHOP }) })).toBe(200);
      await processJobs();
      expect(await db().purchase.count({ where: { shop: SHOP } })).toBe(0);
      expect(await db().purchaseRefund.count({ where: { shop: SHOP } })).toBe(0);
    });
  });
});
