/**
 * The same order read two ways must register the same purchase: its orders/create webhook payload (REST shape,
 * mapped by mapOrder) and the GraphQL read the catch-up makes (PurchasesOrder through fetchOrder, mapped by
 * graphql-mapping.ts). Every order of the simulator's demo shop and of its shop whose ids all exceed 2^53 is
 * compared field by field, plus an order with more line items than one GraphQL page holds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { fetchOrder, type OrderReadScopes } from "~/purchases/catchup.server";
import { restDecimal } from "~/purchases/graphql-mapping";
import { mapOrder, orderPayloadSchema, type MappedOrder } from "~/purchases/payloads";
import type { AdminClient } from "~/shopify/admin-client.server";
import { parseShopifyJson } from "~/webhooks/json";

import { BIG_ID_SHOP, DEMO_SHOP, toJsonText, type Simulator } from "../simulator";
import { gql, startTestSimulator } from "../simulator/test-support";

const ALL = ["read_orders", "read_all_orders", "read_customers", "read_products"];
const FULL: OrderReadScopes = { withCustomer: true, withProducts: true };

let sim: Simulator;

beforeAll(async () => {
  sim = await startTestSimulator();
});
afterAll(() => sim.close());

/** A client that sends the app's documents to the simulator the way the admin client would, failing on errors. */
function clientFor(shop: string, scopes: string[]): AdminClient {
  sim.store.shop(shop).installation.scopes = scopes;
  const token = sim.accessToken(shop);
  return {
    shop,
    request: (async (document: string, options?: { variables?: Record<string, unknown> }) => {
      for (;;) {
        const answer = await gql(sim, token, document, options?.variables, shop);
        // The admin client waits for the bucket on THROTTLED; so does this stand-in.
        if (answer.body.errors?.some((e) => e.extensions?.code === "THROTTLED")) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          continue;
        }
        if (answer.body.errors?.length) throw new Error(JSON.stringify(answer.body.errors));
        return answer.body.data;
      }
    }) as AdminClient["request"],
  };
}

function fromWebhook(shop: string, orderId: string): MappedOrder {
  const state = sim.store.shop(shop);
  const body = toJsonText(sim.store.orderWebhookBody(state, state.orders.get(orderId)!));
  return mapOrder(orderPayloadSchema.parse(parseShopifyJson(body)));
}

const FIELDS: (keyof MappedOrder)[] = [
  "orderId",
  "orderName",
  "orderNumber",
  "customerId",
  "email",
  "currency",
  "totalPrice",
  "presentmentCurrency",
  "presentmentTotal",
  "discountCodes",
  "lineItems",
  "sourceName",
  "tags",
  "test",
  "orderCreatedAt",
  "processedAt",
  "sourceUpdatedAt",
];

describe("GraphQL and webhook mappings of the same order", () => {
  it.each([DEMO_SHOP, BIG_ID_SHOP])("GIVEN every order of %s WHEN read via GraphQL and via its webhook THEN every field is equal", async (shop) => {
    const client = clientFor(shop, ALL);
    const ids = [...sim.store.shop(shop).orders.keys()];
    expect(ids.length).toBeGreaterThan(0);
    let withDiscount = 0;
    for (const id of ids) {
      const rest = fromWebhook(shop, id);
      const graphql = await fetchOrder(client, `gid://shopify/Order/${id}`, FULL);
      expect(graphql).not.toBeNull();
      for (const field of FIELDS) expect({ id, field, value: graphql![field] }).toEqual({ id, field, value: rest[field] });
      if (rest.discountCodes.length) withDiscount += 1;
    }
    if (shop === DEMO_SHOP) expect(withDiscount).toBeGreaterThan(0); // the discount mapping was exercised
  });

  it("GIVEN the shop whose ids exceed 2^53 THEN the ids survive digit for digit", async () => {
    const client = clientFor(BIG_ID_SHOP, ALL);
    const order = [...sim.store.shop(BIG_ID_SHOP).orders.values()].find((o) => o.customerId)!;
    const mapped = (await fetchOrder(client, `gid://shopify/Order/${order.id}`, FULL))!;
    expect(BigInt(mapped.orderId)).toBeGreaterThan(2n ** 53n);
    expect(mapped.orderId).toBe(order.id);
    expect(mapped.customerId).toBe(order.customerId);
    expect(mapped.lineItems.map((l) => l.lineItemId)).toEqual(order.lineItems.map((l) => l.id));
    expect(mapped.lineItems.map((l) => l.variantId)).toEqual(order.lineItems.map((l) => l.variantId));
  });

  it("GIVEN an order with more line items than one page WHEN read via GraphQL THEN every line item is there, in order", async () => {
    const shop = DEMO_SHOP;
    const variants = [...sim.store.shop(shop).variants.values()].slice(0, 120);
    const placed = sim.store.placeOrder(shop, { lines: variants.map((v) => ({ variantId: v.id, quantity: 1 })), discountCode: { code: "BIG", amountCents: 700 } });
    const client = clientFor(shop, ALL);
    const graphql = (await fetchOrder(client, `gid://shopify/Order/${placed.id}`, FULL))!;
    const rest = fromWebhook(shop, placed.id);
    expect(graphql.lineItems).toHaveLength(120);
    expect(graphql).toEqual(rest);
  });

  it("GIVEN only read_orders WHEN read via GraphQL THEN customer, product and variant ids are null and everything else matches", async () => {
    const shop = DEMO_SHOP;
    const client = clientFor(shop, ["read_orders"]);
    const order = [...sim.store.shop(shop).orders.values()].filter((o) => o.customerId).at(-1)!;
    const rest = fromWebhook(shop, order.id);
    const graphql = (await fetchOrder(client, `gid://shopify/Order/${order.id}`, { withCustomer: false, withProducts: false }))!;
    expect(graphql.customerId).toBeNull();
    expect(graphql.lineItems.every((l) => l.productId === null && l.variantId === null)).toBe(true);
    expect(graphql).toEqual({
      ...rest,
      customerId: null,
      // Without read_customers the order's own email is all there is (REST falls back to the customer's).
      email: order.email,
      lineItems: rest.lineItems.map((l) => ({ ...l, productId: null, variantId: null })),
    });
  });

  it.each([
    ["10.0", "10.00"],
    ["10", "10.00"],
    ["10.5", "10.50"],
    ["0.0", "0.00"],
    ["-3.2", "-3.20"],
    ["1.234", "1.234"],
    ["1.2300", "1.23"],
  ])("restDecimal(%s) = %s", (graphql, rest) => {
    expect(restDecimal(graphql)).toBe(rest);
  });
});
