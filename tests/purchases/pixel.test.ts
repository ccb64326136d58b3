/**
 * The browser side of the purchase sync: the web pixel's report builder (extensions/purchase-pixel) run against
 * Shopify-shaped checkout_completed events, and the `/pixel/purchases` endpoint on SQLite and PostgreSQL: CORS,
 * size bound, validation, installed shops only, the per-shop rate limit, idempotent storage, ids above 2^53.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { buildPurchaseReport, PIXEL_MAX_LINES } from "../../extensions/purchase-pixel/src/payload";
import { MAX_REPORT_BYTES, parseBrowserReport } from "~/purchases/browser-report";
import { TokenBuckets } from "~/purchases/rate-limit";

import { loadAppFor, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { checkoutCompletedEvent, pixelReport } from "./pixel-fixtures";

const pgUp = await postgresAvailable();
const SHOP = "test-shop.myshopify.com";
const BIG_ORDER_ID = "9007199254740993"; // JSON.parse would read ...992
const ENDPOINT = "https://app.example/pixel/purchases";

describe("the pixel's report builder on Shopify's checkout_completed", () => {
  it("GIVEN a completed checkout THEN the order id from the OrderIdentity GID, the checkout's money as strings, the lines", () => {
    const event = checkoutCompletedEvent({
      eventId: "sh-abc",
      orderId: BIG_ORDER_ID,
      total: 59.97,
      currency: "USD",
      email: "Ada@Example.com",
      timestamp: "2026-07-01T10:00:00.000Z",
      lines: [
        { variantId: "18014398509481987", productId: "18014398509481985", sku: "TEE-M", title: "T-shirt", quantity: 2, price: 19.99 },
        { variantId: "gid://shopify/ProductVariant/44", productId: "gid://shopify/Product/45", title: "Socks", quantity: 1, price: 19.99 },
      ],
    });
    expect(buildPurchaseReport(event, SHOP)).toEqual({
      v: 1,
      shop: SHOP,
      eventId: "sh-abc",
      occurredAt: "2026-07-01T10:00:00.000Z",
      orderId: BIG_ORDER_ID,
      orderName: null,
      checkoutToken: "c1-7a7d8b1e5f0e4a7c",
      totalPrice: "59.97",
      currency: "USD",
      email: "Ada@Example.com",
      itemCount: 3,
      lineItems: [
        { variantId: "18014398509481987", productId: "18014398509481985", sku: "TEE-M", title: "T-shirt", quantity: 2, price: "19.99" },
        { variantId: "44", productId: "45", sku: null, title: "Socks", quantity: 1, price: "19.99" },
      ],
    });
  });

  it("GIVEN the builder's report THEN the app's schema accepts it as is", () => {
    const parsed = parseBrowserReport(JSON.parse(JSON.stringify(pixelReport({ orderId: BIG_ORDER_ID }))));
    expect(parsed).toMatchObject({ ok: true, report: { orderId: BIG_ORDER_ID, totalPrice: "25.00", currency: "EUR", email: "ada@example.com" } });
  });

  it("GIVEN the order id as an Order GID or bare digits (some shops) THEN the same digits", () => {
    for (const orderGid of [`gid://shopify/Order/${BIG_ORDER_ID}`, BIG_ORDER_ID]) {
      expect(buildPurchaseReport(checkoutCompletedEvent({ orderGid }), SHOP)?.orderId).toBe(BIG_ORDER_ID);
    }
  });

  it("GIVEN float noise in an amount THEN it is dropped; no order yet THEN nothing is sent", () => {
    expect(buildPurchaseReport(checkoutCompletedEvent({ total: 59.970000000000006 }), SHOP)?.totalPrice).toBe("59.97");
    expect(buildPurchaseReport(checkoutCompletedEvent({ orderGid: null }), SHOP)).toBeNull();
  });

  it("GIVEN a huge cart THEN at most 100 lines go out, the item count covers all, and the body fits a keepalive request", () => {
    const lines = Array.from({ length: 180 }, (_, i) => ({
      variantId: String(18014398509481987n + BigInt(i)),
      productId: String(18014398509481985n + BigInt(i)),
      sku: `SKU-${"X".repeat(40)}-${i}`,
      title: "A product with a long title ".repeat(12),
      quantity: 2,
      price: 1234.56,
    }));
    const report = buildPurchaseReport(checkoutCompletedEvent({ lines }), SHOP)!;
    expect(report.lineItems).toHaveLength(PIXEL_MAX_LINES);
    expect(report.itemCount).toBe(360);
    expect(new TextEncoder().encode(JSON.stringify(report)).byteLength).toBeLessThan(MAX_REPORT_BYTES);
    expect(parseBrowserReport(JSON.parse(JSON.stringify(report))).ok).toBe(true);
  });
});

describe.each(["sqlite", "postgresql"] as const)("the pixel endpoint on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let endpoint: typeof import("~/purchases/pixel-endpoint.server");
    let route: typeof import("~/routes/pixel.purchases");

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "pixel" });
      await loadAppFor(database);
      endpoint = await import("~/purchases/pixel-endpoint.server");
      route = await import("~/routes/pixel.purchases");
    });
    afterAll(async () => {
      await unloadApp(database);
    });

    const db = () => database.prisma;

    beforeEach(async () => {
      for (const model of [db().browserPurchase, db().purchase, db().outboundEvent, db().job, db().syncSetting, db().shop]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      await db().shop.create({ data: { shop: SHOP, scopes: "read_orders,write_pixels,read_customer_events" } });
      await db().syncSetting.create({ data: { shop: SHOP, sync: "purchases", enabled: true, status: "on", enabledAt: new Date() } });
    });

    const generous = () => new TokenBuckets({ capacity: 10_000, refillPerSecond: 10_000 });

    function request(body: BodyInit | null, init: { origin?: string | null; headers?: Record<string, string>; method?: string } = {}): Request {
      const headers: Record<string, string> = { "content-type": "text/plain;charset=UTF-8", ...init.headers };
      if (init.origin !== null) headers.origin = init.origin ?? "null";
      return new Request(ENDPOINT, { method: init.method ?? "POST", body, headers, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
    }

    const post = (report: unknown, init: Parameters<typeof request>[1] & { limiter?: TokenBuckets } = {}) =>
      endpoint.handlePixelPost(request(typeof report === "string" ? report : JSON.stringify(report), init), {
        db: db(),
        limiter: init.limiter ?? generous(),
        production: true,
      });

    const rows = () => db().browserPurchase.findMany({ where: { shop: SHOP }, orderBy: { receivedAt: "asc" } });

    it("GIVEN a report from the strict sandbox (Origin: null) THEN 202 with CORS headers, stored as sent", async () => {
      const response = await post(pixelReport({ eventId: "sh-1", orderId: "4001", email: "Ada@Example.com" }));
      expect(response.status).toBe(202);
      expect(response.headers.get("access-control-allow-origin")).toBe("null");
      expect(response.headers.get("access-control-allow-credentials")).toBeNull();
      expect(response.headers.get("vary")).toBe("Origin");
      expect(response.headers.get("cache-control")).toBe("no-store");
      const [row] = await rows();
      expect(row).toMatchObject({
        eventId: "sh-1",
        orderId: "4001",
        totalPrice: "25.00",
        currency: "EUR",
        email: "ada@example.com",
        itemCount: 1,
        checkoutToken: "c1-7a7d8b1e5f0e4a7c",
        matchedAt: null,
        purchaseOrderId: null,
      });
      expect(JSON.parse(row.lineItems)).toEqual([{ variantId: "8001", productId: "7001", sku: "TEE-M", title: "T-shirt", quantity: 1, price: "25.00" }]);
    });

    it("GIVEN the storefront's own https origin, or no Origin at all (a server) THEN accepted; the former echoed", async () => {
      const fromStore = await post(pixelReport({ eventId: "sh-a" }), { origin: "https://shop.example" });
      expect(fromStore.status).toBe(202);
      expect(fromStore.headers.get("access-control-allow-origin")).toBe("https://shop.example");
      const fromServer = await post(pixelReport({ eventId: "sh-b" }), { origin: null });
      expect(fromServer.status).toBe(202);
      expect(fromServer.headers.get("access-control-allow-origin")).toBeNull();
    });

    it("GIVEN the same event posted again (a retry) THEN 202 each time and one row", async () => {
      const report = pixelReport({ eventId: "sh-retry" });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await post(report)).status);
      statuses.push(...(await Promise.all([post(report), post(report)])).map((r) => r.status));
      expect(statuses).toEqual([202, 202, 202, 202, 202]);
      expect(await rows()).toHaveLength(1);
    });

    it("GIVEN a CORS preflight THEN 204 with methods and headers for allowed origins, 403 for others; GET is 405", async () => {
      const preflight = (origin: string) =>
        endpoint.handlePixelPreflight(
          new Request(ENDPOINT, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } }),
          { production: true },
        );
      const ok = await preflight("null");
      expect(ok.status).toBe(204);
      expect(Object.fromEntries(ok.headers)).toMatchObject({
        "access-control-allow-origin": "null",
        "access-control-allow-methods": "POST, OPTIONS",
        "access-control-allow-headers": "Content-Type",
        "access-control-max-age": "86400",
        vary: "Origin",
      });
      expect((await preflight("https://shop.example")).headers.get("access-control-allow-origin")).toBe("https://shop.example");
      const refused = await preflight("http://evil.example");
      expect(refused.status).toBe(403);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
      const get = endpoint.handlePixelPreflight(new Request(ENDPOINT));
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST, OPTIONS");
    });

    it("GIVEN a POST from a refused origin THEN 403 and nothing stored", async () => {
      const response = await post(pixelReport(), { origin: "http://evil.example" });
      expect(response.status).toBe(403);
      expect(await rows()).toHaveLength(0);
    });

    it("GIVEN a declared body above 64 KiB THEN 413 before reading it", async () => {
      const body = JSON.stringify({ ...pixelReport(), padding: "x".repeat(MAX_REPORT_BYTES) });
      const response = await post(body, { headers: { "content-length": String(new TextEncoder().encode(body).byteLength) } });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ error: "too_large", maxBytes: MAX_REPORT_BYTES });
      expect(await rows()).toHaveLength(0);
    });

    it("GIVEN a streamed body without a length that grows past 64 KiB THEN 413 as soon as it does, the rest unread", async () => {
      let pulled = 0;
      const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += 1;
          if (pulled > 100) controller.close();
          else controller.enqueue(chunk);
        },
      });
      const response = await endpoint.handlePixelPost(request(stream), { db: db(), limiter: generous(), production: true });
      expect(response.status).toBe(413);
      expect(pulled).toBeLessThan(10);
    });

    it("GIVEN a body that is not JSON, or a report with bad fields THEN 400 naming the fields", async () => {
      const notJson = await post("{not json");
      expect(notJson.status).toBe(400);
      expect(await notJson.json()).toMatchObject({ error: "invalid_json" });
      const bad = await post({ ...pixelReport(), currency: "euro", totalPrice: "lots", eventId: "" });
      expect(bad.status).toBe(400);
      const body = (await bad.json()) as { error: string; issues: { path: string; message: string }[] };
      expect(body.error).toBe("invalid_report");
      expect(body.issues.map((i) => i.path).sort()).toEqual(["currency", "eventId", "totalPrice"]);
      expect(bad.headers.get("access-control-allow-origin")).toBe("null");
      expect(await rows()).toHaveLength(0);
    });

    it("GIVEN a shop that never installed the app, one that uninstalled it, or the sync off THEN refused alike, nothing stored", async () => {
      const unknown = await post(pixelReport({}, "other-shop.myshopify.com"));
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ error: "not_accepting" });

      await db().shop.update({ where: { shop: SHOP }, data: { uninstalledAt: new Date() } });
      const uninstalled = await post(pixelReport({ eventId: "sh-u" }));
      expect(uninstalled.status).toBe(404);
      expect(await uninstalled.json()).toEqual({ error: "not_accepting" });

      await db().shop.update({ where: { shop: SHOP }, data: { uninstalledAt: null } });
      await db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "purchases" } }, data: { enabled: false, status: "off" } });
      const off = await post(pixelReport({ eventId: "sh-off" }));
      expect(off.status).toBe(403);
      expect(await off.json()).toEqual({ error: "not_accepting" });
      expect(await db().browserPurchase.count()).toBe(0);
    });

    it("GIVEN more reports for a shop than its bucket holds THEN 429 with Retry-After; another shop is not affected", async () => {
      const limiter = new TokenBuckets({ capacity: 2, refillPerSecond: 0.5 });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await post(pixelReport({ eventId: `sh-r${i}` }), { limiter })).status);
      expect(statuses).toEqual([202, 202, 429]);
      const limited = await post(pixelReport({ eventId: "sh-r3" }), { limiter });
      expect(limited.headers.get("retry-after")).toBe("2");
      expect(await limited.json()).toEqual({ error: "rate_limited", retryAfterSeconds: 2 });
      // another shop has its own bucket (and is refused for not being installed, not for the rate)
      expect((await post(pixelReport({ eventId: "sh-x" }, "other-shop.myshopify.com"), { limiter })).status).toBe(404);
      expect(await rows()).toHaveLength(2);
    });

    it("GIVEN an order id above 2^53 as a bare JSON number or a GID THEN stored digit for digit", async () => {
      const raw = JSON.stringify({ ...pixelReport({ eventId: "sh-n" }), orderId: "__ID__" }).replace('"__ID__"', BIG_ORDER_ID);
      expect((await post(raw)).status).toBe(202);
      expect((await post({ ...pixelReport({ eventId: "sh-g" }), orderId: `gid://shopify/OrderIdentity/${BIG_ORDER_ID}` })).status).toBe(202);
      expect((await rows()).map((r) => r.orderId)).toEqual([BIG_ORDER_ID, BIG_ORDER_ID]);
    });

    it("GIVEN the Remix route THEN OPTIONS reaches the preflight and POST stores the report", async () => {
      const options = await route.loader({ request: new Request(ENDPOINT, { method: "OPTIONS", headers: { origin: "null" } }), params: {}, context: {} });
      expect(options.status).toBe(204);
      const created = await route.action({ request: request(JSON.stringify(pixelReport({ eventId: "sh-route" }))), params: {}, context: {} });
      expect(created.status).toBe(202);
      expect((await rows()).map((r) => r.eventId)).toEqual(["sh-route"]);
    });
  });
});
