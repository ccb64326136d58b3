import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAppConfig, parseAppConfig } from "./config";
import { DEFAULT_TOML, type Simulator } from "./server";
import { seedStore, BIG_ID_SHOP, DEMO_SHOP } from "./store/seed";
import { SimStore } from "./store/store";
import { FIXTURE_TOML, NOW, startReceiver, startTestSimulator, type Receiver } from "./test-support";
import { TomlError } from "./toml";
import { verifyJwtHs256 } from "./jwt";
import { API_KEY, API_SECRET } from "./test-support";

describe("seed", () => {
  it("GIVEN the same seed and clock THEN two stores hold identical demo data", () => {
    const config = loadAppConfig(FIXTURE_TOML);
    const a = new SimStore(config);
    const b = new SimStore(config);
    seedStore(a, { now: NOW });
    seedStore(b, { now: NOW });
    const dump = (s: SimStore) =>
      JSON.stringify([...s.shops.values()].map((shop) => [shop.id, [...shop.products.values()], [...shop.customers.values()], [...shop.orders.values()]]));
    expect(dump(a)).toBe(dump(b));
  });

  it("GIVEN the default seed THEN the demo shop has the promised catalogue, customers and orders", () => {
    const s = new SimStore(loadAppConfig(FIXTURE_TOML));
    seedStore(s, { now: NOW });
    const shop = s.shop(DEMO_SHOP);
    expect(shop.name).toBe("Syncline Demo");
    expect(shop.products.size).toBe(200);
    expect(shop.variants.size).toBeGreaterThan(600);
    expect([...shop.products.values()].some((p) => p.status === "DRAFT")).toBe(true);
    expect([...shop.products.values()].some((p) => p.status === "ACTIVE" && p.publishedAt === null)).toBe(true);
    expect([...shop.products.values()].some((p) => p.options.map((o) => o.name).join() === "Size,Color")).toBe(true);
    expect(shop.collections.size).toBe(8);
    expect(shop.customers.size).toBe(100);
    const states = new Set([...shop.customers.values()].map((c) => c.emailConsent?.state));
    expect(states).toEqual(new Set(["SUBSCRIBED", "NOT_SUBSCRIBED", "UNSUBSCRIBED", "PENDING", "INVALID", undefined]));
    expect([...shop.customers.values()].some((c) => c.phone && c.smsConsent?.state === "SUBSCRIBED")).toBe(true);
    expect(shop.orders.size).toBe(50);
    expect([...shop.orders.values()].some((o) => o.refunds.length)).toBe(true);
    expect([...shop.orders.values()].some((o) => o.presentmentCurrency !== o.currency)).toBe(true);
    const big = s.shop(BIG_ID_SHOP);
    for (const id of [big.id, ...big.products.keys(), ...big.customers.keys(), ...big.orders.keys()]) {
      expect(BigInt(id) > 2n ** 53n).toBe(true);
      expect(String(Number(id))).not.toBe(id);
    }
  });
});

describe("shopify.app.toml", () => {
  it("GIVEN the repository's toml THEN scopes and lifecycle/compliance subscriptions are read", () => {
    const c = loadAppConfig(DEFAULT_TOML);
    expect(c.webhookApiVersion).toBe("2026-07");
    const topics = c.subscriptions.flatMap((s) => [...s.topics, ...s.complianceTopics]);
    expect(topics).toEqual(expect.arrayContaining(["app/uninstalled", "app/scopes_update", "customers/data_request", "customers/redact", "shop/redact"]));
  });

  it("GIVEN unsupported syntax THEN it fails with the line number rather than misreading", () => {
    expect(() => parseAppConfig(`name = "x"\nscopes = """multi"""\n`)).toThrow(TomlError);
    expect(() => parseAppConfig(`name = "x"\nname = "y"\n`)).toThrow(/line 2: duplicate key name/);
  });
});

describe("control API", () => {
  let sim: Simulator;
  let app: Receiver;
  beforeAll(async () => {
    app = await startReceiver();
    sim = await startTestSimulator({ appUrl: app.origin });
  });
  afterAll(async () => {
    await sim.close();
    await app.close();
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.origin}/_simulator${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: string } };
  };

  it("GIVEN an order placed, updated and refunded over HTTP THEN the store follows and the state endpoint shows it", async () => {
    const shop = (await call("GET", `/shops/${DEMO_SHOP}`)).body as { counts: { orders: number } };
    type Summary = { id: string; status: string; variants: { id: string; available: number; tracked: boolean }[] };
    const products = (await call("GET", `/shops/${DEMO_SHOP}/products?limit=50`)).body as unknown as Summary[];
    const product = products.find((p) => p.status === "ACTIVE" && p.variants.some((v) => v.tracked && v.available > 5))!;
    const variant = product.variants.find((v) => v.tracked && v.available > 5)!;
    const placed = await call("POST", `/shops/${DEMO_SHOP}/orders`, { lines: [{ variantId: variant.id, quantity: 2 }], tags: ["vip"] });
    expect(placed.status).toBe(201);
    const order = placed.body as { id: string; name: string; lineItems: { id: string }[]; financialStatus: string };
    expect(order.financialStatus).toBe("paid");
    const after = (await call("GET", `/shops/${DEMO_SHOP}`)).body as { counts: { orders: number } };
    expect(after.counts.orders).toBe(shop.counts.orders + 1);

    const updated = await call("POST", `/shops/${DEMO_SHOP}/orders/${order.id}/update`, { note: "upsell", addLines: [{ variantId: variant.id, quantity: 1 }] });
    expect((updated.body as { lineItems: unknown[] }).lineItems).toHaveLength(2);
    const refund = await call("POST", `/shops/${DEMO_SHOP}/orders/${order.id}/refund`, { lines: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] });
    expect(refund.status).toBe(201);
    expect((refund.body.order as { financialStatus: string }).financialStatus).toBe("partially_refunded");

    // Two sold plus one added by the edit; the refund did not restock.
    const stock = (await call("GET", `/shops/${DEMO_SHOP}/products/${product.id}`)).body as unknown as Summary;
    expect(stock.variants.find((v) => v.id === variant.id)!.available).toBe(variant.available - 3);
    await sim.webhooks.idle();
  });

  it("GIVEN a product created and repriced over HTTP THEN products/create and products/update carry the new price", async () => {
    await sim.webhooks.idle();
    sim.webhooks.clearLog();
    sim.store.shop(DEMO_SHOP).subscriptions.set("1", {
      __typename: "WebhookSubscription", id: "1", topic: "PRODUCTS_UPDATE", uri: `${app.origin}/webhooks/products`, filter: null, includeFields: [],
      metafieldNamespaces: [], format: "JSON", name: null, apiVersion: "2026-07", createdAt: 0, updatedAt: 0,
    });
    const created = await call("POST", `/shops/${DEMO_SHOP}/products`, { title: "Gift Card Holder", price: "9.90", sku: "GCH-1", available: 4 });
    expect(created.status).toBe(201);
    const product = created.body as unknown as { id: string; variants: { id: string; price: string; available: number }[] };
    expect(product.variants).toMatchObject([{ price: "9.90", available: 4 }]);
    await call("POST", `/shops/${DEMO_SHOP}/variants/${product.variants[0].id}/price`, { price: "12.50" });
    const delivery = await sim.webhooks.waitFor((d) => d.topic === "products/update");
    expect(JSON.parse(delivery.body)).toMatchObject({ title: "Gift Card Holder", variants: [{ price: "12.50", sku: "GCH-1" }] });
    expect(sim.webhooks.deliveries({ topic: "products/create" })).toHaveLength(0); // no subscription for it
    sim.store.shop(DEMO_SHOP).subscriptions.delete("1");
  });

  it("GIVEN unknown ids or endpoints THEN 404 with a message, bad input 400", async () => {
    expect((await call("POST", `/shops/${DEMO_SHOP}/orders/123/refund`, {})).status).toBe(404);
    expect((await call("GET", `/shops/nope.myshopify.com`)).status).toBe(404);
    expect((await call("POST", `/shops/${DEMO_SHOP}/nothing`)).status).toBe(404);
    expect((await call("POST", `/webhooks/switches`, { bogus: 1 })).status).toBe(400);
    const unsafe = await fetch(`${sim.origin}/_simulator/shops/${DEMO_SHOP}/orders`, { method: "POST", body: `{"lines":[{"variantId":9007199254740993,"quantity":1}]}` });
    expect(unsafe.status).toBe(400);
    expect((await unsafe.json()).error).toMatch(/as strings/);
  });

  it("GIVEN a reset THEN the seed is restored and switches cleared", async () => {
    await call("POST", `/webhooks/switches`, { duplicate: true, delayMs: 5 });
    const reset = await call("POST", `/reset`, {});
    expect(reset.body.shops).toEqual([DEMO_SHOP, BIG_ID_SHOP]);
    expect((await call("GET", `/webhooks/switches`)).body).toMatchObject({ duplicate: false, delayMs: 0 });
    expect(((await call("GET", `/shops/${DEMO_SHOP}`)).body as { counts: { orders: number } }).counts.orders).toBe(50);
  });
});

describe("admin shell mounted on the simulator", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ appUrl: "http://127.0.0.1:3999" });
  });
  afterAll(() => sim.close());

  it("GIVEN the app page THEN the iframe gets a session token the simulator's token exchange accepts", async () => {
    const res = await fetch(`${sim.origin}/store/syncline-demo/apps/syncline`, { headers: { "User-Agent": "Mozilla/5.0 Chrome/120" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const src = /<iframe[^>]+src="([^"]+)"/.exec(html)?.[1].replace(/&#38;|&amp;/g, "&");
    expect(src).toMatch(/^http:\/\/127\.0\.0\.1:3999\/app\?/);
    const idToken = new URL(src!).searchParams.get("id_token")!;
    expect(verifyJwtHs256(idToken, API_SECRET)).toMatchObject({ aud: API_KEY, dest: `https://${DEMO_SHOP}` });
    expect((await fetch(`${sim.origin}/app-bridge.js`)).status).toBe(200);
  });
});
