/**
 * The simulator's web pixel operations: webPixel, webPixelCreate, webPixelUpdate, webPixelDelete, with the
 * settings validated against the app's extension (extensions/purchase-pixel/shopify.extension.toml), one pixel per
 * app and shop, Shopify's error codes, the scopes, and the pixel going with the installation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { parseWebPixelExtension } from "./config";
import { DEFAULT_TOML, type Simulator } from "./server";
import { gql, SHOP, startReceiver, startTestSimulator, tokenWithScopes, type Receiver } from "./test-support";

const PIXEL_SCOPES = ["read_orders", "write_pixels", "read_customer_events"];
const SETTINGS = JSON.stringify({ endpoint: "https://app.example/pixel/purchases" });

const CREATE = `mutation WebPixelCreate($webPixel: WebPixelInput!) {
  webPixelCreate(webPixel: $webPixel) { webPixel { id settings } userErrors { field message code } }
}`;
const UPDATE = `mutation WebPixelUpdate($id: ID!, $webPixel: WebPixelInput!) {
  webPixelUpdate(id: $id, webPixel: $webPixel) { webPixel { id settings } userErrors { field message code } }
}`;
const DELETE = `mutation WebPixelDelete($id: ID!) { webPixelDelete(id: $id) { deletedWebPixelId userErrors { field message code } } }`;
const READ = `query WebPixel { webPixel { id settings } }`;

type Payload = { webPixel: { id: string; settings: string } | null; userErrors: { field: string[] | null; message: string; code: string }[] };

describe("web pixels in the simulator (the repository's app, which has the purchase pixel)", () => {
  let sim: Simulator;
  let token: string;

  beforeAll(async () => {
    sim = await startTestSimulator({ appTomlPath: DEFAULT_TOML });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.reset();
    token = tokenWithScopes(sim, PIXEL_SCOPES);
  });

  const create = async (settings: unknown = SETTINGS) =>
    (await gql(sim, token, CREATE, { webPixel: { settings } })).body.data!.webPixelCreate as Payload;

  it("GIVEN no pixel WHEN reading it THEN Shopify's top-level error, and null data", async () => {
    const r = await gql(sim, token, READ);
    expect(r.body.data).toEqual({ webPixel: null });
    expect(r.body.errors?.map((e) => e.message)).toEqual(["No web pixel was found for this app."]);
  });

  it("GIVEN settings matching the extension WHEN created THEN the pixel exists with them, and reads back as a JSON string", async () => {
    const created = await create();
    expect(created.userErrors).toEqual([]);
    expect(created.webPixel).toEqual({ id: expect.stringMatching(/^gid:\/\/shopify\/WebPixel\/\d+$/), settings: SETTINGS });
    const read = await gql(sim, token, READ);
    expect(read.body).toMatchObject({ data: { webPixel: created.webPixel } });
    expect(read.body.errors).toBeUndefined();
    // the control API shows it too
    const state = (await (await fetch(`${sim.origin}/_simulator/shops/${SHOP}`)).json()) as { webPixel: { settings: unknown } };
    expect(state.webPixel.settings).toEqual({ endpoint: "https://app.example/pixel/purchases" });
  });

  it("GIVEN a pixel WHEN creating a second one THEN TAKEN: one web pixel per app and shop", async () => {
    await create();
    const again = await create();
    expect(again.webPixel).toBeNull();
    expect(again.userErrors).toEqual([{ field: ["webPixel"], message: expect.any(String), code: "TAKEN" }]);
  });

  it.each([
    ["not JSON", "{endpoint:", "INVALID_CONFIGURATION_JSON"],
    ["a JSON array", "[1]", "INVALID_CONFIGURATION_JSON"],
    ["an unknown key", JSON.stringify({ endpoint: "https://a", accountID: "1" }), "INVALID_SETTINGS"],
    ["the required field empty", JSON.stringify({ endpoint: "" }), "INVALID_SETTINGS"],
    ["the required field missing", "{}", "INVALID_SETTINGS"],
    ["a non-string value", JSON.stringify({ endpoint: 5 }), "INVALID_SETTINGS"],
  ])("GIVEN settings that are %s WHEN created THEN %s and no pixel", async (_what, settings, code) => {
    const result = await create(settings);
    expect(result).toEqual({ webPixel: null, userErrors: [{ field: ["webPixel", "settings"], message: expect.any(String), code }] });
    expect(sim.store.shop(SHOP).webPixel).toBeNull();
  });

  it("GIVEN settings as a JSON object instead of a string THEN they are accepted the same", async () => {
    const created = await create({ endpoint: "https://app.example/pixel/purchases" });
    expect(created.userErrors).toEqual([]);
    expect(created.webPixel?.settings).toBe(SETTINGS);
  });

  it("GIVEN a pixel WHEN updated and deleted THEN the settings change, then it is gone; an unknown id is NOT_FOUND", async () => {
    const { webPixel } = await create();
    const next = JSON.stringify({ endpoint: "https://moved.example/pixel/purchases" });
    const updated = (await gql(sim, token, UPDATE, { id: webPixel!.id, webPixel: { settings: next } })).body.data!.webPixelUpdate as Payload;
    expect(updated).toEqual({ webPixel: { id: webPixel!.id, settings: next }, userErrors: [] });
    const invalid = (await gql(sim, token, UPDATE, { id: webPixel!.id, webPixel: { settings: "{}" } })).body.data!.webPixelUpdate as Payload;
    expect(invalid.userErrors.map((e) => e.code)).toEqual(["INVALID_SETTINGS"]);

    const deleted = (await gql(sim, token, DELETE, { id: webPixel!.id })).body.data!.webPixelDelete;
    expect(deleted).toEqual({ deletedWebPixelId: webPixel!.id, userErrors: [] });
    const again = (await gql(sim, token, DELETE, { id: webPixel!.id })).body.data!.webPixelDelete;
    expect(again).toEqual({ deletedWebPixelId: null, userErrors: [{ field: ["id"], message: expect.any(String), code: "NOT_FOUND" }] });
    const missing = (await gql(sim, token, UPDATE, { id: webPixel!.id, webPixel: { settings: SETTINGS } })).body.data!.webPixelUpdate as Payload;
    expect(missing.userErrors.map((e) => e.code)).toEqual(["NOT_FOUND"]);
  });

  it("GIVEN write_pixels without read_customer_events WHEN creating THEN ACCESS_DENIED naming both", async () => {
    token = tokenWithScopes(sim, ["read_orders", "write_pixels"]);
    const r = await gql(sim, token, CREATE, { webPixel: { settings: SETTINGS } });
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "ACCESS_DENIED" } });
    expect(r.body.errors?.[0].message).toMatch(/read_customer_events/);
    expect(sim.store.shop(SHOP).webPixel).toBeNull();
  });

  it("GIVEN no write_pixels WHEN creating THEN ACCESS_DENIED", async () => {
    token = tokenWithScopes(sim, ["read_orders", "read_customer_events"]);
    const r = await gql(sim, token, CREATE, { webPixel: { settings: SETTINGS } });
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "ACCESS_DENIED" } });
    expect(r.body.errors?.[0].message).toMatch(/write_pixels/);
  });

  it("GIVEN a pixel WHEN the app is uninstalled THEN the pixel goes with the installation", async () => {
    await create();
    sim.store.uninstall(SHOP);
    expect(sim.store.shop(SHOP).webPixel).toBeNull();
  });
});

describe("web pixels for an app without a web pixel extension", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSimulator(); // the fixture toml has no extensions/ beside it
  });
  afterAll(() => sim.close());

  it("GIVEN no extension WHEN creating THEN NO_EXTENSION", async () => {
    const token = tokenWithScopes(sim, PIXEL_SCOPES);
    const r = await gql(sim, token, CREATE, { webPixel: { settings: SETTINGS } });
    expect((r.body.data!.webPixelCreate as Payload).userErrors.map((e) => e.code)).toEqual(["NO_EXTENSION"]);
  });
});

describe("reading a web pixel extension's toml", () => {
  it("GIVEN the repository's purchase pixel THEN its settings definition: one required text field", async () => {
    const { readFileSync } = await import("node:fs");
    const text = readFileSync(new URL("../../extensions/purchase-pixel/shopify.extension.toml", import.meta.url), "utf8");
    expect(parseWebPixelExtension(text)).toEqual({
      handle: "purchase-pixel",
      runtimeContext: "strict",
      fields: { endpoint: { type: "single_line_text_field", minLength: 1 } },
    });
    expect(parseWebPixelExtension('type = "ui_extension"\nname = "x"\n')).toBeNull();
  });
});

describe("the storefront runs the app's pixel on web checkouts", () => {
  let sim: Simulator;
  let receiver: Receiver;

  beforeAll(async () => {
    sim = await startTestSimulator({ appTomlPath: DEFAULT_TOML });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });
  beforeEach(() => {
    sim.reset();
    receiver.requests.length = 0;
    const shop = sim.store.shop(SHOP);
    shop.webPixel = { id: "2600001", settings: JSON.stringify({ endpoint: `${receiver.origin}/pixel/purchases` }), createdAt: 0, updatedAt: 0 };
  });

  const variantId = () => [...sim.store.shop(SHOP).variants.values()][0].id;
  const place = async (body: Record<string, unknown>) => {
    const res = await fetch(`${sim.origin}/_simulator/shops/${SHOP}/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ lines: [{ variantId: variantId(), quantity: 2 }], email: "ada@example.com", ...body }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; name: string; totalPrice: string; presentmentTotalPrice?: string };
  };
  const reports = async () => {
    await sim.storefront.idle();
    return receiver.requests.filter((r) => r.path === "/pixel/purchases");
  };

  it("GIVEN a web order THEN one report as the browser sends it: Origin null, text/plain, the extension's payload", async () => {
    const order = await place({ sourceName: "web" });
    const [request, ...more] = await reports();
    expect(more).toEqual([]);
    expect(request.headers.origin).toBe("null");
    expect(request.headers["content-type"]).toBe("text/plain;charset=UTF-8");
    const body = JSON.parse(request.raw.toString("utf8")) as Record<string, unknown>;
    const stored = sim.store.order(SHOP, order.id);
    expect(body).toMatchObject({
      v: 1,
      shop: SHOP,
      orderId: order.id,
      orderName: null,
      currency: stored.presentmentCurrency,
      email: "ada@example.com",
      itemCount: 2,
      eventId: expect.stringMatching(/^sh-/),
    });
    expect(sim.storefront.posts).toEqual([expect.objectContaining({ orderId: order.id, status: 200 })]);
  });

  it("GIVEN a POS order, a shop without the pixel, browser: false or the storefront switched off THEN no report", async () => {
    await place({ sourceName: "pos" });
    await place({ sourceName: "web", browser: false });
    sim.storefront.set({ enabled: false });
    await place({ sourceName: "web" });
    sim.storefront.set({ enabled: true });
    sim.store.shop(SHOP).webPixel = null;
    await place({ sourceName: "web" });
    expect(await reports()).toEqual([]);
  });

  it("GIVEN browser overrides THEN the report differs from the order as asked", async () => {
    const order = await place({ sourceName: "web", browser: { total: "1.50", currency: "GBP", email: "bob@example.com", extraQuantity: 1 } });
    const [request] = await reports();
    expect(JSON.parse(request.raw.toString("utf8"))).toMatchObject({ orderId: order.id, totalPrice: "1.5", currency: "GBP", email: "bob@example.com", itemCount: 3 });
    const bad = await fetch(`${sim.origin}/_simulator/shops/${SHOP}/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ lines: [{ variantId: variantId(), quantity: 1 }], browser: { total: 5 } }),
    });
    expect(bad.status).toBe(400);
  });
});
