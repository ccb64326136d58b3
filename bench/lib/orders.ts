import { randomUUID } from "node:crypto";
import path from "node:path";

import { webhookPath, type WebhookTopic } from "../../app/syncs/definitions";
import { loadAppConfig } from "../../tests/simulator/config";
import { toJsonText, type JsonValue } from "../../tests/simulator/json";
import { Prng } from "../../tests/simulator/store/prng";
import { seedShop } from "../../tests/simulator/store/seed";
import { SimStore, type PlaceOrderInput, type StoreWebhookEvent } from "../../tests/simulator/store/store";
import type { ShopState } from "../../tests/simulator/store/types";
import { deliveryHeaders, topicEnum } from "../../tests/simulator/webhooks";
import { ROOT } from "./harness";
import { API_SECRET, type BenchRequest } from "./payloads";

/**
 * Order bursts built with the Shopify simulator's own store (tests/simulator/store): orders placed in seeded shops,
 * whose orders/create and orders/updated webhooks carry Shopify's REST shapes (line items, money bags, customer,
 * addresses, ids above 2^53 in half the shops) as the simulator's dispatcher would send them, signed with the app
 * secret by the dispatcher's header code (`deliveryHeaders`). Only the sending is the benchmark's: the requests are
 * replayed by the load generator so that every target gets the same bytes and the answer times are measured
 * without coordinated omission.
 */

export interface BurstSpec {
  name: string;
  /** Shops the orders spread over; every other one has all its ids above 2^53. */
  shops: number;
  /** Distinct orders, each with one orders/create delivery: the purchases that must exist afterwards. */
  orders: number;
  /** Extra orders/create deliveries that repeat an earlier one byte for byte, same X-Shopify-Webhook-Id. */
  duplicates: number;
  /** Of those, how many go out together with their original (Shopify's concurrent copies); the rest come later. */
  duplicatesWithOriginal: number;
  /** Orders that get an orders/updated (post-purchase upsell or a tag change) sent BEFORE their orders/create. */
  updatesBeforeCreate: number;
  /** Orders that get an orders/updated sent after their orders/create (close behind it, often concurrently). */
  updatesAfterCreate: number;
  /** orders/create deliveries are shuffled within consecutive windows of this many (Shopify keeps no order). */
  shuffleWindow: number;
  seed: number;
}

/** What the database must hold for one order once the burst has been processed. */
export interface ExpectedOrder {
  shop: string;
  orderId: string;
  /** The newest `updated_at` among its deliveries: the state the purchase must end with, whatever the arrival order. */
  newestUpdatedAtMs: number;
  webhookIds: string[];
}

export interface OrderBurst {
  spec: BurstSpec;
  requests: BenchRequest[];
  shops: { domain: string; id: string; name: string; bigIds: boolean }[];
  orders: Map<string, ExpectedOrder>;
  /** Webhook id → the order it is about (shop|orderId). */
  orderOfWebhook: Map<string, string>;
  /** Webhook id → the payload's `updated_at`: which state of its order the delivery carries. */
  updatedAtOfWebhook: Map<string, number>;
  facts: BurstFacts;
}

export interface BurstFacts {
  requests: number;
  creates: number;
  distinctCreates: number;
  duplicates: number;
  duplicatesWithOriginal: number;
  updates: number;
  updatesBeforeCreate: number;
  bigIdShops: number;
  ordersWithIdsAbove2p53: number;
  lineItems: { min: number; max: number; total: number };
  withCustomer: number;
  guests: number;
  noEmail: number;
  discounted: number;
  foreignPresentment: number;
  testOrders: number;
  sources: Record<string, number>;
  bodyBytes: { min: number; median: number; max: number };
}

export const orderKey = (shop: string, orderId: string) => `${shop}|${orderId}`;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const DISCOUNTS = [
  { code: "WELCOME10", amountCents: 1000 },
  { code: "FLASH20", amountCents: 2000 },
  { code: "FREESHIP", amountCents: 495 },
];
// source_name values seen in the wild (see the platform notes); "580111" is the Shop app's numeric id.
const SOURCES: [string, number][] = [
  ["web", 0.78],
  ["shopify_draft_order", 0.05],
  ["580111", 0.06],
  ["subscription_contract", 0.03],
];

interface Captured {
  topic: "orders/create" | "orders/updated";
  shop: string;
  orderId: string;
  updatedAtMs: number;
  request: BenchRequest;
}

/** One simulator store per burst, its clock set to the last minutes so that every order is fresh. */
export function simulatedBurst(spec: BurstSpec): OrderBurst {
  const config = loadAppConfig(path.join(ROOT, "shopify.app.toml"));
  const store = new SimStore(config);
  // The orders are placed in the minute or two before the burst is sent, as in a flash sale.
  let clock = Date.now() - spec.orders * 16 - 10_000;
  store.now = () => clock;
  const rnd = new Prng(spec.seed);

  const shops: ShopState[] = [];
  for (let i = 0; i < spec.shops; i++) {
    const domain = `bench-${spec.name}-${String(i + 1).padStart(2, "0")}.myshopify.com`;
    shops.push(
      seedShop(store, {
        domain,
        name: `Bench ${spec.name} ${i + 1}`,
        currency: ["EUR", "USD", "GBP"][i % 3],
        products: 30,
        customers: 80,
        orders: 0,
        bigIds: i % 2 === 1,
        seed: spec.seed * 100 + i,
        now: clock,
      }),
    );
  }

  const captured: Captured[] = [];
  const onWebhook = (e: StoreWebhookEvent) => {
    if (e.topic !== "orders/create" && e.topic !== "orders/updated") return;
    const payload = e.payload as Record<string, JsonValue>;
    const body = toJsonText(e.payload);
    const webhookId = randomUUID();
    const headers = deliveryHeaders(
      {
        topic: e.topic,
        shop: e.shop,
        body,
        apiVersion: config.webhookApiVersion,
        webhookId,
        eventId: randomUUID(),
        triggeredAt: new Date(e.triggeredAt).toISOString(),
      },
      API_SECRET,
    );
    captured.push({
      topic: e.topic,
      shop: e.shop,
      orderId: toJsonText(payload.id),
      updatedAtMs: Date.parse(String(payload.updated_at)),
      request: { webhookId, duplicate: false, body, headers, path: webhookPath(topicEnum(e.topic) as WebhookTopic) },
    });
  };
  store.on("webhook", onWebhook);

  const facts: BurstFacts = {
    requests: 0,
    creates: 0,
    distinctCreates: 0,
    duplicates: 0,
    duplicatesWithOriginal: 0,
    updates: 0,
    updatesBeforeCreate: 0,
    bigIdShops: shops.filter((s) => BigInt(s.id) > MAX_SAFE).length,
    ordersWithIdsAbove2p53: 0,
    lineItems: { min: Infinity, max: 0, total: 0 },
    withCustomer: 0,
    guests: 0,
    noEmail: 0,
    discounted: 0,
    foreignPresentment: 0,
    testOrders: 0,
    sources: {},
    bodyBytes: { min: 0, median: 0, max: 0 },
  };

  // The orders, as a flash sale places them: a few to a few dozen milliseconds apart, over all the shops.
  for (let i = 0; i < spec.orders; i++) {
    clock += rnd.int(2, 30);
    const shop = rnd.pick(shops);
    const input = orderInput(shop, rnd, i);
    const order = store.placeOrder(shop.domain, input);
    facts.lineItems.min = Math.min(facts.lineItems.min, order.lineItems.length);
    facts.lineItems.max = Math.max(facts.lineItems.max, order.lineItems.length);
    facts.lineItems.total += order.lineItems.length;
    if (order.customerId) facts.withCustomer++;
    else if (order.email) facts.guests++;
    if (!order.email) facts.noEmail++;
    if (order.discountCodes.length) facts.discounted++;
    if (order.presentmentCurrency !== order.currency) facts.foreignPresentment++;
    if (order.test) facts.testOrders++;
    if (BigInt(order.id) > MAX_SAFE) facts.ordersWithIdsAbove2p53++;
    facts.sources[order.sourceName] = (facts.sources[order.sourceName] ?? 0) + 1;
  }

  // Later changes to some of them: a post-purchase upsell (an order edit adding a line) or a tag, a few seconds on.
  clock += 5_000;
  const creates = captured.filter((c) => c.topic === "orders/create");
  const updatedOrders = rnd.sample(creates, spec.updatesBeforeCreate + spec.updatesAfterCreate);
  for (const c of updatedOrders) {
    clock += rnd.int(2, 30);
    const shop = store.shop(c.shop);
    const order = store.order(c.shop, c.orderId);
    if (rnd.chance(0.5)) store.updateOrder(c.shop, c.orderId, { addLines: [{ variantId: rnd.pick(activeVariants(shop)), quantity: 1 }] });
    else store.updateOrder(c.shop, c.orderId, { tags: [...order.tags, "vip"], note: "Gift wrap, please" });
  }
  store.off("webhook", onWebhook);
  const updates = captured.filter((c) => c.topic === "orders/updated");

  // The send order. Positions are fractional keys: creates at their (shuffled) index, updates half a step off,
  // late duplicates a quarter step after their target, concurrent duplicates right behind their original.
  const windowed = shuffleInWindows(creates, spec.shuffleWindow, rnd);
  const keyed: { key: number; request: BenchRequest }[] = windowed.map((c, index) => ({ key: index, request: c.request }));
  const positionOf = new Map(windowed.map((c, index) => [orderKey(c.shop, c.orderId), index]));
  updates.forEach((u, i) => {
    const createdAt = positionOf.get(orderKey(u.shop, u.orderId))!;
    const before = i < spec.updatesBeforeCreate;
    const distance = rnd.int(1, 40) - 0.5;
    keyed.push({ key: before ? createdAt - distance : createdAt + distance, request: u.request });
  });
  const duplicated = rnd.sample(windowed, spec.duplicates);
  duplicated.forEach((c, i) => {
    const at = positionOf.get(orderKey(c.shop, c.orderId))!;
    const together = i < spec.duplicatesWithOriginal;
    keyed.push({
      key: together ? at + 0.001 : at + rnd.int(2, 300) + 0.25,
      request: { ...c.request, duplicate: true, withPrevious: together || undefined },
    });
  });
  keyed.sort((a, b) => a.key - b.key);
  const requests = keyed.map((k) => k.request);

  // What must come out of it.
  const orders = new Map<string, ExpectedOrder>();
  const orderOfWebhook = new Map<string, string>();
  const updatedAtOfWebhook = new Map<string, number>();
  for (const c of captured) {
    updatedAtOfWebhook.set(c.request.webhookId, c.updatedAtMs);
    const key = orderKey(c.shop, c.orderId);
    const expected = orders.get(key) ?? { shop: c.shop, orderId: c.orderId, newestUpdatedAtMs: 0, webhookIds: [] };
    expected.newestUpdatedAtMs = Math.max(expected.newestUpdatedAtMs, c.updatedAtMs);
    expected.webhookIds.push(c.request.webhookId);
    orders.set(key, expected);
    orderOfWebhook.set(c.request.webhookId, key);
  }

  const sizes = requests.map((r) => Buffer.byteLength(r.body)).sort((a, b) => a - b);
  const sentBefore = new Set<string>();
  for (const r of requests) {
    const key = orderOfWebhook.get(r.webhookId)!;
    if (r.path === webhookPath("ORDERS_UPDATED") && !sentBefore.has(`${key}|create`)) facts.updatesBeforeCreate++;
    if (r.path === webhookPath("ORDERS_CREATE")) sentBefore.add(`${key}|create`);
  }
  Object.assign(facts, {
    requests: requests.length,
    creates: requests.filter((r) => r.path === webhookPath("ORDERS_CREATE")).length,
    distinctCreates: creates.length,
    duplicates: requests.filter((r) => r.duplicate).length,
    duplicatesWithOriginal: requests.filter((r) => r.withPrevious).length,
    updates: updates.length,
    bodyBytes: { min: sizes[0], median: sizes[Math.floor(sizes.length / 2)], max: sizes[sizes.length - 1] },
  });
  return {
    spec,
    requests,
    shops: shops.map((s) => ({ domain: s.domain, id: s.id, name: s.name, bigIds: BigInt(s.id) > MAX_SAFE })),
    orders,
    orderOfWebhook,
    updatedAtOfWebhook,
    facts,
  };
}

function activeVariants(shop: ShopState): string[] {
  return [...shop.variants.values()].filter((v) => shop.products.get(v.productId)?.status === "ACTIVE").map((v) => v.id);
}

/** A flash-sale order: 1–4 lines, mostly known customers, some guests and walk-ins, discounts, foreign currency. */
function orderInput(shop: ShopState, rnd: Prng, n: number): PlaceOrderInput {
  const variants = activeVariants(shop);
  const lines = rnd.sample(variants, rnd.int(1, 4)).map((variantId) => ({ variantId, quantity: rnd.int(1, 3) }));
  const who = rnd.next();
  const customers = [...shop.customers.values()];
  let sourceName = weighted(SOURCES, rnd) ?? "pos";
  let customerId: string | null = null;
  let email: string | null = null;
  if (who < 0.65) customerId = rnd.pick(customers).id;
  else if (who < 0.9) email = `guest-${n}@example.com`;
  else sourceName = "pos"; // a walk-in at the till: no customer, no email
  return {
    customerId,
    email,
    lines,
    sourceName,
    discountCode: rnd.chance(0.15) ? rnd.pick(DISCOUNTS) : null,
    presentmentCurrency: rnd.chance(0.1) ? (shop.currency === "USD" ? "EUR" : "USD") : undefined,
    test: rnd.chance(0.02),
    tags: rnd.chance(0.1) ? ["flash-sale"] : [],
  };
}

function weighted(choices: [string, number][], rnd: Prng): string | undefined {
  let x = rnd.next();
  for (const [value, p] of choices) {
    if (x < p) return value;
    x -= p;
  }
  return undefined;
}

function shuffleInWindows<T>(items: T[], window: number, rnd: Prng): T[] {
  const out: T[] = [];
  for (let i = 0; i < items.length; i += Math.max(1, window)) out.push(...rnd.shuffle(items.slice(i, i + Math.max(1, window))));
  return out;
}

/** The burst in words, for the report. */
export function describeBurst(b: OrderBurst): string {
  const f = b.facts;
  const sources = Object.entries(f.sources)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return [
    `${f.requests} requests: ${f.creates} orders/create (${f.distinctCreates} orders, each one delivery, + ${f.duplicates} duplicates: same webhook id and bytes,`,
    `  ${f.duplicatesWithOriginal} sent at the same moment as the original, the others 2–300 deliveries later) and ${f.updates} orders/updated (upsell or tag),`,
    `  ${f.updatesBeforeCreate} of them sent before their order's orders/create; creates shuffled in windows of ${b.spec.shuffleWindow}.`,
    `  ${b.shops.length} shops (${f.bigIdShops} with every id above 2^53: ${f.ordersWithIdsAbove2p53} orders); ${f.lineItems.min}–${f.lineItems.max} line items per order (${f.lineItems.total} in all);`,
    `  ${f.withCustomer} with a customer, ${f.guests} guests, ${f.noEmail} without email; ${f.discounted} discounted, ${f.foreignPresentment} in a foreign presentment currency, ${f.testOrders} test orders;`,
    `  source_name: ${sources}; bodies ${f.bodyBytes.min}–${f.bodyBytes.max} bytes (median ${f.bodyBytes.median}).`,
  ].join("\n");
}
