import "@shopify/shopify-api/adapters/node";
import { createHmac, timingSafeEqual } from "node:crypto";
import { ApiVersion, shopifyApi } from "@shopify/shopify-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "./server";
import { API_KEY, API_SECRET, BIG_SHOP, gql, type Receiver, type ReceivedRequest, SHOP, startReceiver, startTestSimulator, tokenWithScopes } from "./test-support";

let sim: Simulator;
let app: Receiver;
let token: string;
let bigToken: string;

beforeAll(async () => {
  app = await startReceiver();
  sim = await startTestSimulator({ appUrl: app.origin, webhookSwitches: { retryBaseMs: 10 } });
  token = tokenWithScopes(sim, ["read_orders", "read_customers", "write_customers", "read_products"]);
  bigToken = tokenWithScopes(sim, ["read_orders"], BIG_SHOP);
});
afterAll(async () => {
  await sim.close();
  await app.close();
});
afterEach(async () => {
  await sim.webhooks.idle();
  sim.webhooks.clearLog();
  sim.webhooks.resetSwitches();
  sim.webhooks.set({ retryBaseMs: 10 });
  app.requests.length = 0;
  app.respond = () => 200;
  for (const shop of [SHOP, BIG_SHOP]) sim.store.shop(shop).subscriptions.clear();
});

async function subscribe(topic: string, path: string, extra: Record<string, unknown> = {}, shop = SHOP, t = token): Promise<string> {
  const r = await gql(
    sim,
    t,
    `mutation S($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) { webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) { webhookSubscription { id } userErrors { message } } }`,
    { topic, sub: { uri: `${app.origin}${path}`, ...extra } },
    shop,
  );
  const payload = r.body.data!.webhookSubscriptionCreate as { webhookSubscription: { id: string } | null; userErrors: unknown[] };
  expect(payload.userErrors).toEqual([]);
  return payload.webhookSubscription!.id;
}

const hmacOk = (r: ReceivedRequest) => {
  const expected = createHmac("sha256", API_SECRET).update(r.raw).digest();
  const given = Buffer.from(String(r.headers["x-shopify-hmac-sha256"]), "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
};

const firstVariant = () => [...sim.store.shop(SHOP).variants.values()].find((v) => sim.store.shop(SHOP).products.get(v.productId)!.status === "ACTIVE")!;

describe("delivery", () => {
  it("GIVEN an orders/create subscription WHEN an order is placed THEN Shopify's headers arrive and the HMAC verifies", async () => {
    await subscribe("ORDERS_CREATE", "/webhooks/orders");
    const customer = [...sim.store.shop(SHOP).customers.values()].find((c) => c.email)!;
    const order = sim.store.placeOrder(SHOP, { customerId: customer.id, lines: [{ variantId: firstVariant().id, quantity: 2 }] });
    const [req] = await app.waitFor(1);
    expect(req.path).toBe("/webhooks/orders");
    expect(req.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "Shopify-Captain-Hook",
      "x-shopify-topic": "orders/create",
      "x-shopify-shop-domain": SHOP,
      "x-shopify-api-version": "2026-07",
      "x-shopify-webhook-id": expect.stringMatching(/^[0-9a-f-]{36}$/),
      "x-shopify-event-id": expect.stringMatching(/^[0-9a-f-]{36}$/),
      "x-shopify-triggered-at": expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(hmacOk(req)).toBe(true);
    const body = JSON.parse(req.raw.toString("utf8"));
    expect(body).toMatchObject({
      id: Number(order.id),
      admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
      name: order.name,
      order_number: order.number,
      email: customer.email,
      currency: "EUR",
      presentment_currency: "EUR",
      financial_status: "paid",
      source_name: "web",
      test: false,
      total_price_set: { shop_money: { currency_code: "EUR" }, presentment_money: { currency_code: "EUR" } },
      line_items: [{ variant_id: Number(firstVariant().id), quantity: 2, price: (firstVariant().priceCents / 100).toFixed(2) }],
      customer: { id: Number(customer.id), email: customer.email },
    });
    expect(Number(body.total_price)).toBeCloseTo((2 * firstVariant().priceCents + 495) / 100, 2);

    // The same request passes @shopify/shopify-api's own webhook validation.
    const shopify = shopifyApi({ apiKey: API_KEY, apiSecretKey: API_SECRET, apiVersion: ApiVersion.July26, hostName: "127.0.0.1", isEmbeddedApp: true, logger: { level: 0 } });
    const check = await shopify.webhooks.validate({ rawBody: req.raw.toString("utf8"), rawRequest: { headers: req.headers, method: "POST", url: req.path } as never });
    expect(check).toMatchObject({ valid: true, topic: "ORDERS_CREATE", domain: SHOP, apiVersion: "2026-07" });
  });

  it("GIVEN a shop whose ids exceed 2^53 THEN ids are written as exact digits in the body", async () => {
    await subscribe("ORDERS_CREATE", "/webhooks/big", {}, BIG_SHOP, bigToken);
    const shop = sim.store.shop(BIG_SHOP);
    const variant = [...shop.variants.values()][0];
    const order = sim.store.placeOrder(BIG_SHOP, { lines: [{ variantId: variant.id, quantity: 1 }] });
    expect(BigInt(order.id) > 2n ** 53n).toBe(true);
    const [req] = await app.waitFor(1);
    const text = req.raw.toString("utf8");
    expect(text).toContain(`"id":${order.id},`);
    expect(text).toContain(`"variant_id":${variant.id},`);
    // A JS number cannot hold it: parsing naively changes the id, which is what the app must avoid.
    expect(String(JSON.parse(text).id)).not.toBe(order.id);
  });

  it("GIVEN includeFields and a filter THEN only matching events arrive, trimmed to the fields", async () => {
    await subscribe("ORDERS_CREATE", "/webhooks/pos-only", { includeFields: ["id", "name", "line_items.sku"], filter: "source_name:pos" });
    sim.store.placeOrder(SHOP, { sourceName: "web", lines: [{ variantId: firstVariant().id, quantity: 1 }] });
    const pos = sim.store.placeOrder(SHOP, { sourceName: "pos", lines: [{ variantId: firstVariant().id, quantity: 1 }] });
    await sim.webhooks.idle();
    expect(app.requests).toHaveLength(1);
    expect(JSON.parse(app.requests[0].raw.toString())).toEqual({ id: Number(pos.id), name: pos.name, line_items: [{ sku: firstVariant().sku }] });
  });
});

describe("switches and retries", () => {
  it("GIVEN duplicate on THEN each delivery arrives twice with the same webhook id", async () => {
    await subscribe("ORDERS_CREATE", "/webhooks/orders");
    sim.webhooks.set({ duplicate: true });
    sim.store.placeOrder(SHOP, { lines: [{ variantId: firstVariant().id, quantity: 1 }] });
    const reqs = await app.waitFor(2);
    expect(reqs[0].headers["x-shopify-webhook-id"]).toBe(reqs[1].headers["x-shopify-webhook-id"]);
    expect(reqs[0].raw.equals(reqs[1].raw)).toBe(true);
  });

  it("GIVEN the app answers 500 twice THEN Shopify-style retries deliver the same webhook id until a 2xx", async () => {
    await subscribe("ORDERS_CREATE", "/webhooks/orders");
    let calls = 0;
    app.respond = () => (++calls <= 2 ? 500 : 200);
    sim.store.placeOrder(SHOP, { lines: [{ variantId: firstVariant().id, quantity: 1 }] });
    const delivery = await sim.webhooks.waitFor((d) => d.topic === "orders/create");
    expect(delivery.state).toBe("delivered");
    expect(delivery.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(new Set(app.requests.map((r) => r.headers["x-shopify-webhook-id"])).size).toBe(1);
  });

  it("GIVEN the app keeps failing THEN after the last retry the API subscription is deleted", async () => {
    const id = await subscribe("ORDERS_CREATE", "/webhooks/orders");
    sim.webhooks.set({ maxRetries: 2, retryBaseMs: 1 });
    app.respond = () => 503;
    sim.store.placeOrder(SHOP, { lines: [{ variantId: firstVariant().id, quantity: 1 }] });
    const delivery = await sim.webhooks.waitFor((d) => d.topic === "orders/create");
    expect(delivery.state).toBe("failed");
    expect(delivery.attempts).toHaveLength(3);
    expect(sim.store.shop(SHOP).subscriptions.has(id.split("/").pop()!)).toBe(false);
  });

  it("GIVEN a slow app THEN the attempt times out and is retried", async () => {
    await subscribe("ORDERS_CREATE", "/webhooks/orders");
    sim.webhooks.set({ timeoutMs: 500 });
    let calls = 0;
    app.respond = async () => {
      if (++calls === 1) await new Promise((r) => setTimeout(r, 1_500));
      return 200;
    };
    sim.store.placeOrder(SHOP, { lines: [{ variantId: firstVariant().id, quantity: 1 }] });
    const delivery = await sim.webhooks.waitFor((d) => d.topic === "orders/create");
    expect(delivery.attempts[0]).toMatchObject({ status: null, error: "timeout after 500 ms" });
    expect(delivery.attempts[1].status).toBe(200);
  });

  it("GIVEN reorder 3 THEN three events arrive newest first", async () => {
    await subscribe("ORDERS_CREATE", "/webhooks/orders");
    sim.webhooks.set({ reorder: 3 });
    const names = [1, 2, 3].map(() => sim.store.placeOrder(SHOP, { lines: [{ variantId: firstVariant().id, quantity: 1 }] }).name);
    await app.waitFor(3);
    expect(app.requests.map((r) => JSON.parse(r.raw.toString()).name)).toEqual([...names].reverse());
  });

  it("GIVEN dropNext 1 THEN the next delivery is never sent but logged as dropped", async () => {
    await subscribe("ORDERS_CREATE", "/webhooks/orders");
    sim.webhooks.set({ dropNext: 1 });
    const lost = sim.store.placeOrder(SHOP, { lines: [{ variantId: firstVariant().id, quantity: 1 }] });
    const kept = sim.store.placeOrder(SHOP, { lines: [{ variantId: firstVariant().id, quantity: 1 }] });
    await sim.webhooks.idle();
    expect(app.requests.map((r) => JSON.parse(r.raw.toString()).name)).toEqual([kept.name]);
    expect(sim.webhooks.deliveries({ topic: "orders/create", state: "dropped" }).map((d) => JSON.parse(d.body).name)).toEqual([lost.name]);
  });
});

describe("lifecycle, compliance and store events", () => {
  it("GIVEN an uninstall THEN app/uninstalled goes to the toml uri and API subscriptions are removed", async () => {
    await subscribe("ORDERS_CREATE", "/webhooks/orders");
    sim.store.uninstall(SHOP);
    try {
      const [req] = await app.waitFor(1, (r) => r.headers["x-shopify-topic"] === "app/uninstalled");
      expect(req.path).toBe("/webhooks/lifecycle");
      expect(JSON.parse(req.raw.toString())).toMatchObject({ myshopify_domain: SHOP, domain: SHOP, name: "Syncline Demo" });
      expect(sim.store.shop(SHOP).subscriptions.size).toBe(0);
    } finally {
      sim.store.install(SHOP);
      token = tokenWithScopes(sim, ["read_orders", "read_customers", "write_customers", "read_products"]);
    }
  });

  it("GIVEN a scope grant THEN app/scopes_update carries previous and current", async () => {
    const before = [...sim.store.shop(SHOP).installation.scopes];
    await sim.store.grantScopes(SHOP, ["read_inventory"]);
    const [req] = await app.waitFor(1, (r) => r.headers["x-shopify-topic"] === "app/scopes_update");
    expect(JSON.parse(req.raw.toString())).toMatchObject({ previous: before, current: [...before, "read_inventory"] });
    await expect(sim.store.grantScopes(SHOP, ["write_themes"])).rejects.toThrow(/not declared/);
  });

  it("GIVEN compliance requests over the control API THEN Shopify's payloads arrive at the compliance uri", async () => {
    const shop = sim.store.shop(BIG_SHOP);
    const customer = [...shop.customers.values()].find((c) => [...shop.orders.values()].some((o) => o.customerId === c.id))!;
    const orders = [...shop.orders.values()].filter((o) => o.customerId === customer.id).map((o) => o.id);
    for (const topic of ["customers/data_request", "customers/redact", "shop/redact"]) {
      const res = await fetch(`${sim.origin}/_simulator/shops/${BIG_SHOP}/compliance`, { method: "POST", body: JSON.stringify({ topic, customerId: customer.id }) });
      expect(res.status).toBe(200);
    }
    const reqs = await app.waitFor(3);
    expect(reqs.every((r) => r.path === "/webhooks/compliance" && hmacOk(r))).toBe(true);
    const byTopic = Object.fromEntries(reqs.map((r) => [r.headers["x-shopify-topic"], r.raw.toString()]));
    expect(byTopic["customers/redact"]).toBe(
      `{"shop_id":${shop.id},"shop_domain":"${BIG_SHOP}","customer":{"id":${customer.id},"email":${JSON.stringify(customer.email)},"phone":${JSON.stringify(customer.phone)}},"orders_to_redact":[${orders.join(",")}]}`,
    );
    expect(byTopic["shop/redact"]).toBe(`{"shop_id":${shop.id},"shop_domain":"${BIG_SHOP}"}`);
    expect(byTopic["customers/data_request"]).toContain(`"orders_requested":[${orders.join(",")}]`);
  });

  it("GIVEN a consent change over the control API THEN customers/email_marketing_consent/update is delivered", async () => {
    await subscribe("CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE", "/webhooks/consent");
    const c = [...sim.store.shop(SHOP).customers.values()].find((x) => x.email && x.emailConsent?.state !== "UNSUBSCRIBED")!;
    const at = new Date(Date.now() - 1000).toISOString();
    const res = await fetch(`${sim.origin}/_simulator/shops/${SHOP}/customers/${c.id}/consent`, { method: "POST", body: JSON.stringify({ email: { state: "UNSUBSCRIBED", consentUpdatedAt: at } }) });
    expect((await res.json()).changed).toEqual({ email: true, sms: false });
    const [req] = await app.waitFor(1);
    expect(JSON.parse(req.raw.toString())).toMatchObject({
      customer_id: Number(c.id),
      email_address: c.email,
      email_marketing_consent: { state: "unsubscribed", consent_updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/) },
    });
  });

  it("GIVEN /_simulator/webhooks/send THEN the given bytes are sent verbatim with a valid HMAC", async () => {
    await subscribe("ORDERS_CREATE", "/webhooks/orders");
    const payload = `{"id":9007199254740993123,"name":"#9999" , "note":"spacing kept"}`;
    const res = await fetch(`${sim.origin}/_simulator/webhooks/send`, { method: "POST", body: JSON.stringify({ shop: SHOP, topic: "orders/create", payload, wait: true }) });
    expect(res.status).toBe(200);
    expect((await res.json()).deliveries[0].state).toBe("delivered");
    expect(app.requests[0].raw.toString()).toBe(payload);
    expect(hmacOk(app.requests[0])).toBe(true);
  });
});
