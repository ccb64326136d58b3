/**
 * The webhook intake end to end inside the app: signed requests into receiveWebhook (what every webhook route
 * calls), the delivery and job rows it writes, then the job runner processing them, on SQLite and PostgreSQL.
 */
import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { loadAppFor, unloadApp } from "../support/app";
import {
  shopifyWebhookHeaders,
  shopifyWebhookRequest,
  type SignedWebhook,
} from "../support/webhooks";

const pgUp = await postgresAvailable();
const SHOP = "test-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
// Above 2^53: JSON.parse would turn it into ...992.
const BIG_CUSTOMER_ID = "9007199254740993";

describe.each(["sqlite", "postgresql"] as const)("webhook intake on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let app: {
      receiveWebhook: (request: Request) => Promise<Response>;
      receiveSyncWebhook: (request: Request) => Promise<Response>;
      runUntilIdle: typeof import("~/jobs/worker.server").runUntilIdle;
    };

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "webhooks" });
      await loadAppFor(database);
      app = {
        receiveWebhook: (await import("~/webhooks/receive.server")).receiveWebhook,
        receiveSyncWebhook: (await import("~/webhooks/receive.server")).receiveSyncWebhook,
        runUntilIdle: (await import("~/jobs/worker.server")).runUntilIdle,
      };
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      const db = database.prisma;
      for (const model of [db.webhookDelivery, db.job, db.activityLog, db.session, db.shop, db.syncSetting, db.schedule, db.customerDataExport, db.outboundEvent]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
    });

    const send = (webhook: SignedWebhook) => app.receiveWebhook(shopifyWebhookRequest(webhook));
    const processJobs = () => app.runUntilIdle({ db: database.prisma, concurrency: 2, leaseMs: 30_000 });
    const counts = async () => ({
      deliveries: await database.prisma.webhookDelivery.count(),
      jobs: await database.prisma.job.count(),
      activity: await database.prisma.activityLog.count(),
    });

    // Both ways in: the lifecycle/compliance routes (authenticate.webhook) and the sync topics' route (verify.server).
    describe.each([
      ["the lifecycle and compliance routes", "receiveWebhook"],
      ["the sync topics' route", "receiveSyncWebhook"],
    ] as const)("through %s", (_name, entry) => {
      const send = (webhook: SignedWebhook) => app[entry](shopifyWebhookRequest(webhook));

      it("answers 401 to a bad HMAC and stores nothing", async () => {
        const response = await send({ topic: "app/uninstalled", body: '{"id":1}', secret: "not-the-secret" });
        expect(response.status).toBe(401);
        expect(await counts()).toEqual({ deliveries: 0, jobs: 0, activity: 0 });
      });

      it.each(["X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id"])(
        "answers 4xx without %s and stores nothing",
        async (header) => {
          const response = await send({ topic: "app/uninstalled", body: '{"id":1}', headers: { [header]: undefined } });
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          expect(await counts()).toEqual({ deliveries: 0, jobs: 0, activity: 0 });
        },
      );

      it("records a delivery and its job in one go, and a redelivery changes nothing", async () => {
        // GIVEN one delivery, sent three times with the same webhook id
        const webhookId = randomUUID();
        const webhook = { topic: "app/scopes_update", body: '{"id":1,"current":["read_orders"],"previous":[]}', webhookId };
        // WHEN it arrives repeatedly, twice at the same moment
        const answers = await Promise.all([send(webhook), send(webhook)]);
        answers.push(await send(webhook));
        // THEN every answer is 200, and there is one delivery and one job
        expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
        expect(await database.prisma.webhookDelivery.count({ where: { webhookId } })).toBe(1);
        const delivery = await database.prisma.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
        expect(await database.prisma.job.count({ where: { type: "webhook.process", payload: { contains: delivery.id } } })).toBe(1);
        expect(await processJobs()).toBe(1);
        expect(await database.prisma.webhookDelivery.findUniqueOrThrow({ where: { webhookId } })).toMatchObject({ status: "processed" });
      });

      it("records an authentic but malformed body as failed, answers 400, and a retry is a no-op", async () => {
        const webhook = { topic: "app/scopes_update", body: '{"id": 1, "current": [', webhookId: randomUUID() };
        const first = await send(webhook);
        expect(first.status).toBe(400);
        const retry = await send(webhook);
        expect(retry.status).toBe(200);
        const rows = await database.prisma.webhookDelivery.findMany();
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ status: "failed", error: "malformed JSON" });
        expect(await database.prisma.job.count()).toBe(0);
      });

      it("answers 405 to a GET and stores nothing", async () => {
        const response = await app[entry](new Request("http://127.0.0.1:3999/webhooks/app/uninstalled"));
        expect(response.status).toBe(405);
        expect(await counts()).toEqual({ deliveries: 0, jobs: 0, activity: 0 });
      });

      it("accepts Shopify's newer Events headers (no X- prefix)", async () => {
        const body = '{"id":1,"current":["read_orders"],"previous":[]}';
        const signed = shopifyWebhookHeaders({ topic: "app/scopes_update", body });
        const headers = Object.fromEntries(
          Object.entries(signed)
            .filter(([name]) => !/^X-Shopify-(Webhook-Id|Event-Id)$/.test(name))
            .map(([name, value]) => [name.replace(/^X-Shopify-/, "Shopify-"), value]),
        );
        headers["Shopify-Webhook-Id"] = randomUUID();
        const response = await app[entry](new Request("http://127.0.0.1:3999/webhooks/app/scopes_update", { method: "POST", headers, body }));
        expect(response.status).toBe(200);
        expect(await database.prisma.webhookDelivery.count()).toBe(1);
      });
    });

    it("answers 422 to a payload of the wrong shape and records why", async () => {
      const response = await send({ topic: "customers/redact", body: '{"shop_domain":"x","orders_to_redact":[]}' });
      expect(response.status).toBe(422);
      const row = await database.prisma.webhookDelivery.findFirstOrThrow();
      expect(row.status).toBe("failed");
      expect(row.error).toMatch(/customer/);
      expect(await database.prisma.job.count()).toBe(0);
    });

    it("app/uninstalled deletes sessions, marks the shop uninstalled and every sync off, keeps data", async () => {
      // GIVEN an installed shop with a session, two syncs on and some history
      const db = database.prisma;
      await db.shop.create({ data: { shop: SHOP, scopes: "read_orders", installedAt: new Date(Date.now() - 60_000) } });
      await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", accessToken: "shpat_x" } });
      await db.syncSetting.createMany({
        data: [
          { shop: SHOP, sync: "purchases", enabled: true },
          { shop: SHOP, sync: "catalog", enabled: true },
        ],
      });
      // WHEN Shopify reports the uninstall
      expect((await send({ topic: "app/uninstalled", body: '{"id": 548380009, "domain": "test-shop.myshopify.com"}' })).status).toBe(200);
      await processJobs();
      // THEN
      expect(await db.session.count({ where: { shop: SHOP } })).toBe(0);
      const shop = await db.shop.findUniqueOrThrow({ where: { shop: SHOP } });
      expect(shop.uninstalledAt).not.toBeNull();
      expect(await db.syncSetting.count({ where: { shop: SHOP, enabled: true } })).toBe(0);
      expect(await db.syncSetting.count({ where: { shop: SHOP } })).toBe(2);
    });

    it("ignores an app/uninstalled that was triggered before the shop reinstalled", async () => {
      const db = database.prisma;
      // GIVEN a shop installed long ago, then reinstalled (a token exchange runs afterAuth) before the uninstall arrived
      await db.shop.create({ data: { shop: SHOP, installedAt: new Date(Date.now() - 30 * 86_400_000) } });
      const { recordInstall } = await import("~/shops/shops.server");
      await recordInstall(db, SHOP, "read_orders");
      await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", accessToken: "shpat_x" } });
      await send({ topic: "app/uninstalled", body: '{"id":1}', triggeredAt: new Date(Date.now() - 3_600_000).toISOString() });
      await processJobs();
      expect(await db.session.count({ where: { shop: SHOP } })).toBe(1);
      expect((await db.shop.findUniqueOrThrow({ where: { shop: SHOP } })).uninstalledAt).toBeNull();
    });

    it("app/scopes_update stores the new scopes, and an older update arriving late does not overwrite them", async () => {
      const db = database.prisma;
      await db.shop.create({ data: { shop: SHOP, scopes: "" } });
      await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", accessToken: "t", scope: "" } });
      const newer = '{"id":1,"previous":["read_orders"],"current":["read_orders","read_products"],"updated_at":"2026-11-21T10:00:00Z"}';
      const older = '{"id":1,"previous":[],"current":["read_orders"],"updated_at":"2026-11-21T09:00:00Z"}';
      await send({ topic: "app/scopes_update", body: newer });
      await processJobs();
      await send({ topic: "app/scopes_update", body: older });
      await processJobs();
      expect((await db.shop.findUniqueOrThrow({ where: { shop: SHOP } })).scopes).toBe("read_orders,read_products");
      expect((await db.session.findFirstOrThrow({ where: { shop: SHOP } })).scope).toBe("read_orders,read_products");
    });

    /** An orders/create delivery we hold for the customer, and one for somebody else. */
    async function holdOrders() {
      const db = database.prisma;
      const ours = `{"id": 820982911946154508, "email": "ada@example.com", "contact_email": "ada@example.com", "note_attributes": [{"name": "backup", "value": "Ada@Example.com"}], "customer": {"id": ${BIG_CUSTOMER_ID}, "email": "ada@example.com", "first_name": "Ada", "phone": "+4930123456"}, "total_price": "10.00"}`;
      const theirs = '{"id": 820982911946154509, "email": "bob@example.com", "customer": {"id": 9007199254740992, "email": "bob@example.com"}}';
      for (const [payload, id] of [[ours, "w-ours"], [theirs, "w-theirs"]]) {
        await db.webhookDelivery.create({ data: { shop: SHOP, webhookId: id, topic: "ORDERS_CREATE", payload, status: "processed" } });
      }
    }

    const customerPayload = (extra: string) =>
      `{"shop_id": 954889, "shop_domain": "${SHOP}", "customer": {"id": ${BIG_CUSTOMER_ID}, "email": "ada@example.com", "phone": "+4930123456"}, ${extra}}`;

    it("a sync's handler that keeps failing is filed under that sync, so its health banner rises", async () => {
      // GIVEN the catalog's products/update handler fails (a bug, a database outage)
      const { findWebhookHandler } = await import("~/webhooks/handlers.server");
      const handler = findWebhookHandler("PRODUCTS_UPDATE")!;
      const spy = vi.spyOn(handler, "handle").mockRejectedValue(new Error("boom"));
      try {
        // WHEN three product updates arrive and are processed
        for (const id of [1, 2, 3]) {
          expect((await send({ topic: "products/update", body: `{"id": ${id}, "title": "P", "updated_at": "2026-11-21T10:00:00Z"}` })).status).toBe(200);
        }
        await processJobs();
      } finally {
        spy.mockRestore();
      }
      // THEN each failure is a webhook entry of the catalog switch, and the banner's rule sees them
      const failures = await database.prisma.activityLog.findMany({ where: { shop: SHOP, kind: "webhook", status: "failed" } });
      expect(failures.map((f) => [f.name, f.sync])).toEqual(Array(3).fill(["PRODUCTS_UPDATE", "catalog"]));
      const { loadHealth } = await import("~/activity/query.server");
      const health = await loadHealth(database.prisma, SHOP);
      expect(health.failing.map((f) => f.sync)).toEqual(["catalog"]);
    });

    it("customers/data_request assembles everything held on the customer, ids exact, and records where it is", async () => {
      await holdOrders();
      const response = await send({ topic: "customers/data_request", body: customerPayload('"orders_requested": [820982911946154508], "data_request": {"id": 9999}') });
      expect(response.status).toBe(200);
      await processJobs();
      const saved = await database.prisma.customerDataExport.findFirstOrThrow({ where: { shop: SHOP } });
      expect(saved.customerId).toBe(BIG_CUSTOMER_ID);
      expect(saved.requestId).toBe("9999");
      const document = JSON.parse(saved.content) as { data: Record<string, { payload: { customer: { email: string } } }[]> };
      const held = document.data["webhook deliveries"];
      expect(held).toHaveLength(1);
      expect(held[0].payload.customer.email).toBe("ada@example.com");
      expect(saved.content).toContain(BIG_CUSTOMER_ID);
      expect(saved.content).not.toContain("bob@example.com");
      const activity = await database.prisma.activityLog.findFirstOrThrow({ where: { shop: SHOP, name: "customers/data_request export" } });
      expect(activity.reference).toBe(saved.id);
    });

    it("customers/data_request run again for the same delivery (a retried job) keeps one export", async () => {
      await holdOrders();
      await send({ topic: "customers/data_request", body: customerPayload('"orders_requested": []'), webhookId: "dr-1" });
      await processJobs();
      // The job is run again, as after a crash between the export and marking the delivery processed.
      const delivery = await database.prisma.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "dr-1" } });
      await database.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { status: "received" } });
      const { enqueue } = await import("~/jobs/queue.server");
      await enqueue(database.prisma, { type: "webhook.process", shop: SHOP, payload: { deliveryId: delivery.id } });
      await processJobs();
      expect(await database.prisma.customerDataExport.count({ where: { shop: SHOP } })).toBe(1);
    });

    it("customers/redact removes the customer's PII everywhere, including the request itself, and nobody else's", async () => {
      await holdOrders();
      await send({ topic: "customers/redact", body: customerPayload('"orders_to_redact": [820982911946154508]') });
      await processJobs();
      const rows = await database.prisma.webhookDelivery.findMany({ where: { shop: SHOP } });
      const all = rows.map((r) => r.payload).join("\n");
      expect(all.toLowerCase()).not.toContain("ada@example.com");
      expect(all).not.toContain("+4930123456");
      expect(all).not.toContain('"Ada"');
      expect(all).toContain("bob@example.com");
      // The order id itself is not PII and stays exact.
      expect(all).toContain("820982911946154508");
    });

    it("customers/redact also redacts the customer's data in events for the platform, sent or waiting", async () => {
      const db = database.prisma;
      const event = (id: string, data: string) =>
        db.outboundEvent.create({ data: { id, shop: SHOP, type: "purchase.registered", payload: `{"type":"purchase.registered","timestamp":"2026-11-21T10:00:00Z","data":${data}}` } });
      await event("msg_ours", `{"orderId":"gid://shopify/Order/820982911946154508","customerId":"gid://shopify/Customer/${BIG_CUSTOMER_ID}","email":"ada@example.com"}`);
      await event("msg_theirs", '{"orderId":"gid://shopify/Order/1","customerId":"gid://shopify/Customer/2","email":"bob@example.com"}');
      await send({ topic: "customers/redact", body: customerPayload('"orders_to_redact": []') });
      await processJobs();
      const ours = await db.outboundEvent.findUniqueOrThrow({ where: { id: "msg_ours" } });
      const theirs = await db.outboundEvent.findUniqueOrThrow({ where: { id: "msg_theirs" } });
      expect(ours.payload).not.toContain("ada@example.com");
      expect(ours.payload).toContain("purchase.registered");
      expect(theirs.payload).toContain("bob@example.com");
    });

    it("shop/redact deletes every row the shop owns and leaves other shops alone", async () => {
      const db = database.prisma;
      for (const shop of [SHOP, OTHER_SHOP]) {
        await db.shop.create({ data: { shop, uninstalledAt: new Date(Date.now() - 48 * 3_600_000) } });
        await db.syncSetting.create({ data: { shop, sync: "purchases" } });
        await db.activityLog.create({ data: { shop, direction: "in", kind: "webhook", name: "X", status: "ok" } });
        await db.customerDataExport.create({ data: { shop, customerId: "1", content: "{}" } });
        await db.schedule.create({ data: { name: `s:${shop}`, shop, type: "t", intervalSeconds: 60, nextRunAt: new Date(Date.now() + 3_600_000) } });
      }
      await holdOrders();
      await send({ topic: "shop/redact", body: `{"shop_id": 954889, "shop_domain": "${SHOP}"}` });
      await processJobs();
      const left = {
        shop: await db.shop.count({ where: { shop: SHOP } }),
        settings: await db.syncSetting.count({ where: { shop: SHOP } }),
        activity: await db.activityLog.count({ where: { shop: SHOP } }),
        exports: await db.customerDataExport.count({ where: { shop: SHOP } }),
        schedules: await db.schedule.count({ where: { shop: SHOP } }),
        deliveries: await db.webhookDelivery.count({ where: { shop: SHOP } }),
        // The job that did the deleting is all that remains, and it finished.
        jobs: await db.job.findMany({ where: { shop: SHOP }, select: { status: true, type: true } }),
      };
      expect(left).toEqual({ shop: 0, settings: 0, activity: 0, exports: 0, schedules: 0, deliveries: 0, jobs: [{ status: "done", type: "webhook.process" }] });
      expect(await db.syncSetting.count({ where: { shop: OTHER_SHOP } })).toBe(1);
      expect(await db.activityLog.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    });
  });
});
