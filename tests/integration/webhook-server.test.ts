/**
 * The sync webhooks as the production server takes them (scripts/serve.ts): straight from node:http into
 * serveSyncWebhook, grouped commits (app/webhooks/delivery-writer.server.ts), on SQLite and PostgreSQL. Real HTTP
 * over a real socket; everything that is not a sync topic's POST goes on to the next handler (Remix in production).
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { loadAppFor, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { shopifyWebhookHeaders, type SignedWebhook } from "../support/webhooks";
import { orderBody } from "../purchases/fixtures";

const pgUp = await postgresAvailable();
const SHOP = "server-shop.myshopify.com";
// Above 2^53: JSON.parse would turn it into ...992.
const BIG_ORDER_ID = "9007199254740993";

describe.each(["sqlite", "postgresql"] as const)("the sync webhook server on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let server: http.Server;
    let origin: string;
    let passedOn: string[];
    let writer: typeof import("~/webhooks/delivery-writer.server");

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "webhook_server" });
      await loadAppFor(database);
      const { isSyncWebhookRequest, serveSyncWebhook } = await import("~/webhooks/receive.server");
      writer = await import("~/webhooks/delivery-writer.server");
      server = http.createServer((req, res) => {
        if (isSyncWebhookRequest(req)) return serveSyncWebhook(req, res);
        passedOn.push(`${req.method} ${req.url}`);
        res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
      await unloadApp(database);
    });

    beforeEach(async () => {
      passedOn = [];
      const db = database.prisma;
      for (const model of [db.webhookDelivery, db.job, db.activityLog]) await (model as { deleteMany(): Promise<unknown> }).deleteMany();
    });

    const post = async (path: string, webhook: SignedWebhook, body: string | Uint8Array = webhook.body) => {
      const response = await fetch(`${origin}${path}`, { method: "POST", headers: shopifyWebhookHeaders(webhook), body: body as BodyInit });
      return { status: response.status, text: await response.text() };
    };
    const order = (id: string): SignedWebhook => ({ topic: "orders/create", shop: SHOP, webhookId: `wh-${id}`, body: orderBody({ id }) });
    const counts = async () => ({
      deliveries: await database.prisma.webhookDelivery.count(),
      jobs: await database.prisma.job.count(),
      activity: await database.prisma.activityLog.count(),
    });

    it("GIVEN a burst with every delivery sent twice at once THEN each is stored once with one job, and each copy is answered 200", async () => {
      const ids = Array.from({ length: 60 }, (_, i) => String(5_000_000_000 + i));
      ids.push(BIG_ORDER_ID);
      const sent = new Map(ids.map((id) => [id, order(id)]));
      const answers = await Promise.all(ids.flatMap((id) => [post("/webhooks/orders/create", sent.get(id)!), post("/webhooks/orders/create", sent.get(id)!)]));
      expect(answers.every((a) => a.status === 200)).toBe(true);

      expect(await counts()).toEqual({ deliveries: ids.length, jobs: ids.length, activity: ids.length });
      const rows = await database.prisma.webhookDelivery.findMany({ where: { shop: SHOP } });
      expect(new Set(rows.map((r) => r.webhookId))).toEqual(new Set(ids.map((id) => `wh-${id}`)));
      expect(rows.every((r) => r.status === "received" && r.topic === "ORDERS_CREATE" && r.apiVersion === "2026-07")).toBe(true);
      // The body is stored exactly as sent: the id above 2^53 digit for digit.
      expect(rows.find((r) => r.webhookId === `wh-${BIG_ORDER_ID}`)?.payload).toBe(sent.get(BIG_ORDER_ID)!.body);
      const jobs = await database.prisma.job.findMany();
      expect(jobs.every((j) => j.status === "queued" && j.shop === SHOP && j.type === "webhook.process")).toBe(true);
      expect(new Set(jobs.map((j) => (JSON.parse(j.payload) as { deliveryId: string }).deliveryId))).toEqual(new Set(rows.map((r) => r.id)));
      // The second copy of each: one "duplicate" activity entry, written with nothing else.
      const activity = await database.prisma.activityLog.findMany();
      expect(activity.every((a) => a.status === "duplicate" && a.kind === "webhook" && a.sync === "purchases")).toBe(true);
    });

    it("GIVEN a redelivery long after THEN it is answered 200 and adds only its activity entry", async () => {
      expect((await post("/webhooks/orders/create", order("6000000001"))).status).toBe(200);
      expect((await post("/webhooks/orders/create", order("6000000001"))).status).toBe(200);
      expect(await counts()).toEqual({ deliveries: 1, jobs: 1, activity: 1 });
    });

    it("GIVEN a wrong signature, a missing header or an oversized body THEN 401 / 400 / 413 and nothing stored", async () => {
      expect((await post("/webhooks/orders/create", { ...order("6000000002"), secret: "not-the-secret" })).status).toBe(401);
      expect((await post("/webhooks/orders/create", { ...order("6000000003"), headers: { "X-Shopify-Shop-Domain": undefined } })).status).toBe(400);
      const huge = `{"id":1,"note":"${"x".repeat(5 * 1024 * 1024)}"}`;
      expect((await post("/webhooks/orders/create", { ...order("6000000004"), body: huge })).status).toBe(413);
      expect(await counts()).toEqual({ deliveries: 0, jobs: 0, activity: 0 });
    });

    it("GIVEN the signature over the bytes sent THEN a body that is not valid UTF-8 is not accepted under a signature of its text", async () => {
      // The HMAC is over the raw bytes, as Shopify computes it: a body whose bytes differ from its decoded text's
      // encoding must not verify against the text's signature.
      const bytes = Buffer.concat([Buffer.from('{"id":1,"note":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
      const webhook = { ...order("6000000005"), body: bytes.toString("utf8") };
      expect((await post("/webhooks/orders/create", webhook, bytes)).status).toBe(401);
      expect(await counts()).toEqual({ deliveries: 0, jobs: 0, activity: 0 });
    });

    it("GIVEN an authentic malformed or mis-shaped body THEN 400 / 422, recorded as failed with its reason, and no job", async () => {
      const malformed = await post("/webhooks/orders/create", { ...order("x"), webhookId: "wh-malformed", body: "{not json" });
      expect(malformed).toEqual({ status: 400, text: "malformed JSON" });
      const misShaped = await post("/webhooks/orders/create", { ...order("x"), webhookId: "wh-shape", body: '{"id":"not-a-number"}' });
      expect(misShaped.status).toBe(422);
      expect(misShaped.text).toMatch(/^unexpected payload shape: /);
      // Shopify retries the 4xx: the retry is a duplicate that changes nothing.
      expect((await post("/webhooks/orders/create", { ...order("x"), webhookId: "wh-malformed", body: "{not json" })).status).toBe(200);

      const deliveries = await database.prisma.webhookDelivery.findMany({ orderBy: { webhookId: "asc" } });
      expect(deliveries.map((d) => [d.webhookId, d.status])).toEqual([
        ["wh-malformed", "failed"],
        ["wh-shape", "failed"],
      ]);
      expect(deliveries[0].error).toBe("malformed JSON");
      expect(await database.prisma.job.count()).toBe(0);
      const activity = await database.prisma.activityLog.findMany({ orderBy: { createdAt: "asc" } });
      expect(activity.map((a) => a.status).sort()).toEqual(["duplicate", "failed", "failed"]);
      expect(JSON.parse(activity.find((a) => a.reference === "wh-malformed" && a.status === "failed")!.detail)).toEqual({ error: "malformed JSON" });
    });

    it("GIVEN a mis-shaped body whose bad value is a lone UTF-16 surrogate THEN 422 and the failure is recorded, the surrogate replaced", async () => {
      // "\ud800" in the JSON text is a lone surrogate once parsed; it reaches the recorded reason through zod's
      // message. Text columns hold UTF-8, which has no such character: it is stored as U+FFFD, not refused.
      const webhook: SignedWebhook = {
        topic: "customers/email_marketing_consent/update",
        shop: SHOP,
        webhookId: "wh-surrogate",
        body: '{"customer_id":1,"email_address":"a@example.com","email_marketing_consent":{"state":"x\\ud800","opt_in_level":null,"consent_updated_at":null}}',
      };
      const answer = await post("/webhooks/customers/email_marketing_consent_update", webhook);
      expect(answer.status).toBe(422);
      const delivery = await database.prisma.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-surrogate" } });
      expect(delivery.status).toBe("failed");
      expect(delivery.error).toContain("unknown marketing state x\ufffd");
      expect(delivery.payload).toBe(webhook.body);
    });

    it("GIVEN an authentic body with NUL characters THEN it is recorded as failed (PostgreSQL text holds no NUL), not refused with a 500", async () => {
      const raw: SignedWebhook = { ...order("nul"), webhookId: "wh-nul-raw", body: '{"id":1\u0000}' };
      expect((await post("/webhooks/orders/create", raw)).status).toBe(400);
      const quoted: SignedWebhook = {
        topic: "customers/email_marketing_consent/update",
        shop: SHOP,
        webhookId: "wh-nul-quoted",
        body: '{"customer_id":1,"email_marketing_consent":{"state":"x\\u0000","opt_in_level":null,"consent_updated_at":null}}',
      };
      expect((await post("/webhooks/customers/email_marketing_consent_update", quoted)).status).toBe(422);
      const deliveries = await database.prisma.webhookDelivery.findMany({ orderBy: { webhookId: "asc" } });
      expect(deliveries.map((d) => [d.webhookId, d.status])).toEqual([
        ["wh-nul-quoted", "failed"],
        ["wh-nul-raw", "failed"],
      ]);
    });

    it("GIVEN anything but a sync topic's POST THEN it goes on to the next handler untouched", async () => {
      await fetch(`${origin}/webhooks/orders/create`);
      await post("/webhooks/app/uninstalled", { topic: "app/uninstalled", shop: SHOP, body: "{}" });
      await post("/webhooks/not/a-topic", { topic: "not/a-topic", shop: SHOP, body: "{}" });
      await fetch(`${origin}/app`);
      expect(passedOn).toEqual(["GET /webhooks/orders/create", "POST /webhooks/app/uninstalled", "POST /webhooks/not/a-topic", "GET /app"]);
      expect(await counts()).toEqual({ deliveries: 0, jobs: 0, activity: 0 });
    });

    it("GIVEN a group with a row the database refuses THEN the other rows of the group are still written", async () => {
      const { DeliveryWriter } = writer;
      const direct = new DeliveryWriter(database.prisma);
      const row = (webhookId: string, shop: string | null) => ({
        id: randomUUID(),
        shop: shop as string,
        webhookId,
        topic: "ORDERS_CREATE",
        apiVersion: "2026-07",
        eventId: null,
        triggeredAt: new Date(),
        payload: "{}",
        status: "received" as const,
        error: null,
        receivedAt: new Date(),
      });
      const results = await Promise.allSettled([
        direct.write({ delivery: row("wh-a", SHOP) }),
        direct.write({ delivery: row("wh-bad", null) }), // NOT NULL shop
        direct.write({ delivery: row("wh-b", SHOP) }),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      const stored = await database.prisma.webhookDelivery.findMany({ orderBy: { webhookId: "asc" } });
      expect(stored.map((d) => d.webhookId)).toEqual(["wh-a", "wh-b"]);
      // Timestamps written by the driver read back through Prisma as the same instants.
      expect(stored.every((d) => d.receivedAt instanceof Date && Math.abs(d.receivedAt.getTime() - Date.now()) < 60_000)).toBe(true);
    });
  });
});
