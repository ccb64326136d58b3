/**
 * The pure parts of browser/server reconciliation: the comparison, which orders expect a browser report, order
 * name matching, the report schema (ids above 2^53, GIDs, field errors), the rate limiter and the CORS decision.
 */
import { describe, expect, it } from "vitest";

import { MAX_REPORT_LINES, normalizeOrderId, parseBrowserReport } from "~/purchases/browser-report";
import { allowedOrigin } from "~/purchases/pixel-endpoint.server";
import { TokenBuckets } from "~/purchases/rate-limit";
import {
  compareReport,
  expectsBrowserReport,
  isUpsellOf,
  mismatchKindOf,
  orderNameCandidates,
  orderNumberOf,
  parseMismatchFields,
  BROWSER_MISSING,
  type ServerSide,
} from "~/purchases/reconcile";
import { parseShopifyJson } from "~/webhooks/json";

const server = (over: Partial<ServerSide> = {}): ServerSide => ({
  currency: "EUR",
  totalPrice: "25.00",
  presentmentCurrency: "EUR",
  presentmentTotal: "25.00",
  email: "ada@example.com",
  lineItems: JSON.stringify([{ quantity: 1 }, { quantity: 2 }]),
  ...over,
});
const browser = (over: Partial<{ totalPrice: string; currency: string; email: string | null; itemCount: number }> = {}) => ({
  totalPrice: "25",
  currency: "EUR",
  email: "ada@example.com",
  itemCount: 3,
  ...over,
});

describe("compareReport", () => {
  it("GIVEN the same order THEN no difference, money compared as money and email case-insensitively", () => {
    expect(compareReport(server(), browser({ totalPrice: "25.0", email: "  ADA@Example.com " }))).toEqual([]);
  });

  it("GIVEN a buyer paying in the presentment currency THEN the presentment total is what must agree", () => {
    const order = server({ presentmentCurrency: "USD", presentmentTotal: "27.10" });
    expect(compareReport(order, browser({ currency: "USD", totalPrice: "27.1" }))).toEqual([]);
    expect(compareReport(order, browser({ currency: "usd", totalPrice: "27.50" }))).toEqual([{ field: "total", server: "27.10", browser: "27.50" }]);
    // the shop currency agrees too, compared with the shop total
    expect(compareReport(order, browser({ currency: "EUR", totalPrice: "25.00" }))).toEqual([]);
  });

  it("GIVEN another currency THEN currency differs, and the total is compared with what the checkout showed", () => {
    const order = server({ presentmentCurrency: "USD", presentmentTotal: "27.10" });
    expect(compareReport(order, browser({ currency: "GBP", totalPrice: "27.10" }))).toEqual([{ field: "currency", server: "USD", browser: "GBP" }]);
    expect(compareReport(server(), browser({ currency: "GBP", totalPrice: "21.00" }))).toEqual([
      { field: "currency", server: "EUR", browser: "GBP" },
      { field: "total", server: "25.00", browser: "21.00" },
    ]);
  });

  it("GIVEN a different email THEN email differs; a side without one is not a difference", () => {
    expect(compareReport(server(), browser({ email: "bob@example.com" }))).toEqual([{ field: "email", server: "ada@example.com", browser: "bob@example.com" }]);
    expect(compareReport(server(), browser({ email: null }))).toEqual([]);
    expect(compareReport(server({ email: null }), browser({ email: "bob@example.com" }))).toEqual([]);
  });

  it("GIVEN another number of items THEN itemCount differs (sum of quantities)", () => {
    expect(compareReport(server(), browser({ itemCount: 2 }))).toEqual([{ field: "itemCount", server: 3, browser: 2 }]);
    expect(compareReport(server({ lineItems: [{ quantity: 3 }] }), browser())).toEqual([]);
  });

  it("GIVEN everything different THEN every field, in a stable order", () => {
    const fields = compareReport(server(), browser({ totalPrice: "1", currency: "USD", email: "x@y.z", itemCount: 9 }));
    expect(fields.map((f) => f.field)).toEqual(["currency", "total", "email", "itemCount"]);
  });
});

describe("post-purchase upsells", () => {
  const order = server({
    totalPrice: "40.00",
    presentmentTotal: "40.00",
    lineItems: JSON.stringify([
      { variantId: "8001", quantity: 1 },
      { variantId: "8002", quantity: 2 },
    ]),
  });
  const checkout = (lineItems: { variantId: string | null; quantity: number }[], totalPrice = "25.00") => ({
    totalPrice,
    currency: "EUR",
    email: "ada@example.com",
    itemCount: lineItems.reduce((sum, line) => sum + line.quantity, 0),
    lineItems,
  });

  it("GIVEN an order holding every reported line plus more THEN it is an upsell and total/items are no mismatch", () => {
    expect(isUpsellOf(order, checkout([{ variantId: "8001", quantity: 1 }]))).toBe(true);
    expect(compareReport(order, checkout([{ variantId: "8001", quantity: 1 }]))).toEqual([]);
    expect(compareReport(order, checkout([{ variantId: "8002", quantity: 1 }]))).toEqual([]);
  });

  it("GIVEN a reported line the order lacks, or a larger reported quantity THEN it is compared as usual", () => {
    expect(isUpsellOf(order, checkout([{ variantId: "9999", quantity: 1 }]))).toBe(false);
    expect(isUpsellOf(order, checkout([{ variantId: "8001", quantity: 2 }]))).toBe(false);
    expect(compareReport(order, checkout([{ variantId: "9999", quantity: 1 }]))).toEqual([
      { field: "total", server: "40.00", browser: "25.00" },
      { field: "itemCount", server: 3, browser: 1 },
    ]);
  });

  it("GIVEN a report without variant ids, truncated, with the same items, or a smaller order total THEN no upsell excuse", () => {
    expect(isUpsellOf(order, checkout([{ variantId: null, quantity: 1 }]))).toBe(false);
    expect(isUpsellOf(order, { ...checkout([{ variantId: "8001", quantity: 1 }]), itemCount: 2 })).toBe(false);
    expect(isUpsellOf(order, checkout([{ variantId: "8001", quantity: 1 }, { variantId: "8002", quantity: 2 }]))).toBe(false);
    expect(isUpsellOf(order, { totalPrice: "25.00", currency: "EUR", email: null, itemCount: 1 })).toBe(false);
    expect(compareReport(order, checkout([{ variantId: "8001", quantity: 1 }], "45.00"))).toEqual([
      { field: "total", server: "40.00", browser: "45.00" },
      { field: "itemCount", server: 3, browser: 1 },
    ]);
  });
});

describe("which orders expect a browser report", () => {
  const since = new Date("2026-07-01T00:00:00Z");
  const order = (over: Partial<{ sourceName: string | null; test: boolean; excludedReason: string | null; orderCreatedAt: Date }> = {}) => ({
    sourceName: "web",
    test: false,
    excludedReason: null,
    orderCreatedAt: new Date("2026-07-02T00:00:00Z"),
    ...over,
  });

  it.each([
    ["an online store order", order(), true],
    ["a POS order", order({ sourceName: "pos" }), false],
    ["a draft order", order({ sourceName: "shopify_draft_order" }), false],
    ["a subscription renewal", order({ sourceName: "subscription_contract" }), false],
    ["an order from another channel (app id)", order({ sourceName: "580111" }), false],
    ["an order without a source", order({ sourceName: null }), false],
    ["a test order", order({ test: true }), false],
    ["an excluded order", order({ excludedReason: "tag:wholesale" }), false],
    ["an order from before the pixel was installed", order({ orderCreatedAt: new Date("2026-06-30T23:59:59Z") }), false],
    ["an order of the same second (Shopify's timestamps have whole seconds)", order({ orderCreatedAt: new Date("2026-07-01T00:00:00Z") }), true],
  ])("%s → %s", (_what, purchase, expected) => {
    expect(expectsBrowserReport(purchase, since)).toBe(expected);
  });

  it("GIVEN the switch turned on mid-second THEN an order stamped with that second is expected", () => {
    expect(expectsBrowserReport(order({ orderCreatedAt: new Date("2026-07-01T00:00:00Z") }), new Date("2026-07-01T00:00:00.900Z"))).toBe(true);
  });

  it("GIVEN no pixel installation time (switch never turned on) THEN nothing is expected", () => {
    expect(expectsBrowserReport(order(), null)).toBe(false);
  });
});

describe("order names", () => {
  it("normalises #1001, 1001 and spaces to the number; a custom prefix is not a bare number", () => {
    expect(["#1001", "1001", " # 1001 ", "#01001"].map(orderNumberOf)).toEqual(["1001", "1001", "1001", "1001"]);
    expect(orderNumberOf("SHOP-1001")).toBeNull();
    expect(orderNumberOf("#1001-A")).toBeNull();
  });

  it("a purchase is named by its name and by its number with and without #", () => {
    expect(orderNameCandidates({ orderName: "#1001", orderNumber: "1001" }).sort()).toEqual(["#1001", "1001"]);
    expect(orderNameCandidates({ orderName: "SHOP-1001", orderNumber: "1001" }).sort()).toEqual(["#1001", "1001", "SHOP-1001"]);
    expect(orderNameCandidates({ orderName: "#1002", orderNumber: null }).sort()).toEqual(["#1002", "1002"]);
  });
});

describe("mismatch fields", () => {
  it("reads what is stored and tells a missing browser report from a difference", () => {
    expect(mismatchKindOf(parseMismatchFields(JSON.stringify(BROWSER_MISSING)))).toBe("browser_missing");
    expect(mismatchKindOf([{ field: "total", server: "1.00", browser: "2.00" }])).toBe("differs");
    expect(parseMismatchFields("not json")).toEqual([]);
    expect(parseMismatchFields(null)).toEqual([]);
  });
});

describe("browser report schema", () => {
  const valid = {
    shop: "Example.myshopify.com",
    eventId: "sh-1",
    occurredAt: "2026-07-01T10:00:00.000Z",
    orderId: "9007199254740993",
    totalPrice: "25",
    currency: "eur",
    email: " Ada@Example.com ",
    lineItems: [{ variantId: "gid://shopify/ProductVariant/18014398509481987", quantity: 2, price: "12.5" }],
  };

  it("GIVEN a report THEN normalised: shop and email lower-cased, currency upper-cased, money with cents, ids as digits", () => {
    const parsed = parseBrowserReport(valid);
    expect(parsed).toEqual({
      ok: true,
      report: {
        shop: "example.myshopify.com",
        eventId: "sh-1",
        occurredAt: new Date("2026-07-01T10:00:00.000Z"),
        orderId: "9007199254740993",
        orderName: null,
        checkoutToken: null,
        totalPrice: "25.00",
        currency: "EUR",
        email: "ada@example.com",
        itemCount: 2,
        lineItems: [{ variantId: "18014398509481987", productId: null, sku: null, title: null, quantity: 2, price: "12.50" }],
      },
    });
  });

  it("GIVEN an order id above 2^53 as a bare JSON number THEN every digit survives the lossless parse", () => {
    const body = parseShopifyJson(JSON.stringify({ ...valid, orderId: "X" }).replace('"X"', "9007199254740993"));
    const parsed = parseBrowserReport(body);
    expect(parsed.ok && parsed.report.orderId).toBe("9007199254740993");
  });

  it.each([
    ["gid://shopify/OrderIdentity/9007199254740993", "9007199254740993"],
    ["gid://shopify/Order/9007199254740993", "9007199254740993"],
    [btoa("gid://shopify/OrderIdentity/9007199254740993"), "9007199254740993"],
    ["0042", "42"],
    ["gid://shopify/Product/1", null],
    ["abc", null],
    ["0", null],
  ])("order id %s → %s", (value, expected) => {
    expect(normalizeOrderId(value)).toBe(expected);
  });

  it("GIVEN a bad report THEN every field error with its path", () => {
    const parsed = parseBrowserReport({ ...valid, shop: "evil.com", currency: "EURO", totalPrice: "-1", orderId: "gid://shopify/Product/1", eventId: "" });
    expect(parsed.ok).toBe(false);
    const paths = !parsed.ok ? parsed.issues.map((i) => i.path).sort() : [];
    expect(paths).toEqual(["currency", "eventId", "orderId", "shop", "totalPrice"]);
  });

  it("GIVEN neither order id nor name THEN refused; a name alone is enough", () => {
    const { orderId: _omit, ...withoutId } = valid;
    expect(parseBrowserReport(withoutId)).toMatchObject({ ok: false, issues: [{ path: "orderId", message: "orderId or orderName is required" }] });
    expect(parseBrowserReport({ ...withoutId, orderName: "#1001" })).toMatchObject({ ok: true, report: { orderId: null, orderName: "#1001" } });
  });

  it("GIVEN more lines than allowed, or an itemCount below the lines sent THEN refused; a larger itemCount is kept", () => {
    const line = { quantity: 1 };
    expect(parseBrowserReport({ ...valid, lineItems: Array(MAX_REPORT_LINES + 1).fill(line) }).ok).toBe(false);
    expect(parseBrowserReport({ ...valid, itemCount: 1 }).ok).toBe(false);
    expect(parseBrowserReport({ ...valid, itemCount: 150 })).toMatchObject({ ok: true, report: { itemCount: 150 } });
  });
});

describe("TokenBuckets", () => {
  it("GIVEN a burst THEN capacity passes, the next waits for the refill, and keys are independent", () => {
    const buckets = new TokenBuckets({ capacity: 3, refillPerSecond: 2 });
    const t = 1_000_000;
    expect([1, 2, 3].map(() => buckets.take("a", t).ok)).toEqual([true, true, true]);
    expect(buckets.take("a", t)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(buckets.take("b", t).ok).toBe(true);
    expect(buckets.take("a", t + 500).ok).toBe(true); // half a second = one token at 2/s
    expect(buckets.take("a", t + 500).ok).toBe(false);
  });

  it("GIVEN more keys than allowed THEN the least recently used is forgotten", () => {
    const buckets = new TokenBuckets({ capacity: 1, refillPerSecond: 0.001, maxKeys: 2 });
    buckets.take("a", 0);
    buckets.take("b", 0);
    buckets.take("a", 0); // a is now the most recently used
    buckets.take("c", 0);
    expect(buckets.size).toBe(2);
    expect(buckets.take("a", 0).ok).toBe(false); // still remembered, still empty
    expect(buckets.take("b", 0).ok).toBe(true); // forgotten, starts full
  });
});

describe("allowedOrigin (CORS)", () => {
  it.each([
    ["null", true, "null"],
    ["https://shop.example", true, "https://shop.example"],
    ["https://example.myshopify.com", true, "https://example.myshopify.com"],
    ["http://127.0.0.1:3000", false, "http://127.0.0.1:3000"],
    ["http://127.0.0.1:3000", true, null],
    ["http://shop.example", false, null],
    ["chrome-extension://abc", false, null],
    ["https://shop.example/path", true, null],
    ["garbage", true, null],
  ])("Origin %s (production %s) → %s", (origin, production, expected) => {
    expect(allowedOrigin(origin, production)).toBe(expected);
  });
});
