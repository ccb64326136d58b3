/** The purchase sync's pure rules: payload mapping, options, exclusions, full refunds, money. */
import { describe, expect, it } from "vitest";

import { fromMinor, sumAmounts, toMinor } from "~/purchases/money";
import { DEFAULT_PURCHASE_OPTIONS, parsePurchaseOptions } from "~/purchases/options";
import { isFullyRefunded, mapOrder, mapRefund, orderPayloadSchema, refundPayloadSchema } from "~/purchases/payloads";
import { exclusionReason, purchaseStatus } from "~/purchases/rules";
import { parseShopifyJson } from "~/webhooks/json";

import { orderBody, refundBody } from "./fixtures";

describe("purchase options", () => {
  it("defaults to a 10-minute window, no exclusions, test orders skipped", () => {
    expect(parsePurchaseOptions("{}")).toEqual({
      upsellDelayMinutes: 10,
      excludedSources: [],
      excludedTags: [],
      skipTestOrders: true,
      matchByOrderName: false,
      mismatchGraceMinutes: 60,
    });
    expect(parsePurchaseOptions(null)).toEqual(DEFAULT_PURCHASE_OPTIONS);
    expect(parsePurchaseOptions("not json")).toEqual(DEFAULT_PURCHASE_OPTIONS);
  });

  it("keeps valid fields when another one is invalid", () => {
    expect(parsePurchaseOptions(JSON.stringify({ upsellDelayMinutes: 90, excludedTags: ["b2b"], skipTestOrders: false }))).toEqual({
      upsellDelayMinutes: 10,
      excludedSources: [],
      excludedTags: ["b2b"],
      skipTestOrders: false,
      matchByOrderName: false,
      mismatchGraceMinutes: 60,
    });
    expect(parsePurchaseOptions(JSON.stringify({ upsellDelayMinutes: 0 })).upsellDelayMinutes).toBe(0);
  });
});

describe("exclusionReason", () => {
  const options = { ...DEFAULT_PURCHASE_OPTIONS, excludedSources: ["POS", "580111"], excludedTags: ["Wholesale"] };
  it.each([
    [{ sourceName: "web", tags: "", test: true }, "test_order"],
    [{ sourceName: "pos", tags: "", test: false }, "source:pos"],
    [{ sourceName: "580111", tags: "", test: false }, "source:580111"],
    [{ sourceName: "web", tags: "vip,  wholesale ", test: false }, "tag:Wholesale"],
    [{ sourceName: "web", tags: "wholesaler", test: false }, null],
    [{ sourceName: null, tags: "", test: false }, null],
  ])("%o → %s", (order, reason) => {
    expect(exclusionReason(order, options)).toBe(reason);
  });
});

describe("purchaseStatus", () => {
  it("puts exclusion first, then a full refund, then forwarding", () => {
    const at = new Date();
    expect(purchaseStatus({ excludedReason: "test_order", refundedAt: at, forwardedAt: null })).toBe("excluded");
    expect(purchaseStatus({ excludedReason: null, refundedAt: at, forwardedAt: at })).toBe("refunded");
    expect(purchaseStatus({ excludedReason: null, refundedAt: null, forwardedAt: at })).toBe("registered");
    expect(purchaseStatus({ excludedReason: null, refundedAt: null, forwardedAt: null })).toBe("pending_delay");
  });
});

describe("mapOrder", () => {
  it("maps the REST order payload, ids above 2^53 as exact strings", () => {
    const body = orderBody({ id: "9007199254740993", customerId: "9007199254740995", presentment: { amount: "27.10", currency: "USD" } });
    const order = mapOrder(orderPayloadSchema.parse(parseShopifyJson(body)));
    expect(order).toMatchObject({
      orderId: "9007199254740993",
      customerId: "9007199254740995",
      orderNumber: "1001",
      currency: "EUR",
      totalPrice: "25.00",
      presentmentCurrency: "USD",
      presentmentTotal: "27.10",
      sourceName: "web",
      test: false,
    });
    expect(order.lineItems[0]).toEqual({ lineItemId: "11001", productId: "7001", variantId: "8001", sku: "TEE-M", title: "T-shirt", quantity: 1, price: "25.00" });
  });

  it("rejects an order without line items or timestamps", () => {
    expect(orderPayloadSchema.safeParse({ id: 1, currency: "EUR", total_price: "1.00" }).success).toBe(false);
  });
});

describe("mapRefund and isFullyRefunded", () => {
  const order = { currency: "EUR", totalPrice: "25.00", presentmentCurrency: "USD", presentmentTotal: "27.10", lineItems: [{ lineItemId: "1", quantity: 2 }] };
  const refund = (body: Parameters<typeof refundBody>[0]) => mapRefund(refundPayloadSchema.parse(parseShopifyJson(refundBody(body))));

  it("takes the amount from successful refund transactions, else from the line items in the shop currency", () => {
    expect(refund({ id: "1", orderId: "9", amount: "5.50", currency: "USD" })).toMatchObject({ amount: "5.50", currency: "USD" });
    expect(refund({ id: "1", orderId: "9", lineItems: [{ lineItemId: "1", quantity: 1, subtotal: "12.50" }] })).toMatchObject({
      amount: "12.50",
      currency: null,
    });
  });

  it("is full when the refunds reach the total in either currency, or every item is refunded", () => {
    const r = (amount: string, currency: string | null, quantity = 0) => ({ amount, currency, lineItems: quantity ? [{ lineItemId: "1", quantity, subtotal: null }] : [] });
    expect(isFullyRefunded(order, [])).toBe(false);
    expect(isFullyRefunded(order, [r("24.99", "EUR")])).toBe(false);
    expect(isFullyRefunded(order, [r("20.00", "EUR"), r("5.00", null)])).toBe(true);
    expect(isFullyRefunded(order, [r("27.10", "USD")])).toBe(true);
    expect(isFullyRefunded(order, [r("25.00", "USD")])).toBe(false);
    expect(isFullyRefunded(order, [r("0.00", null, 1)])).toBe(false);
    expect(isFullyRefunded(order, [r("0.00", null, 1), r("0.00", null, 1)])).toBe(true);
    expect(isFullyRefunded({ ...order, totalPrice: "0.00", presentmentTotal: null }, [r("0.00", "EUR")])).toBe(false);
  });
});

describe("money", () => {
  it("adds decimal strings without floating point", () => {
    expect(sumAmounts(["0.10", "0.20"])).toBe("0.30");
    expect(sumAmounts(["19.999", "0.001"])).toBe("20.00");
    expect(fromMinor(toMinor("-3.5"))).toBe("-3.50");
    expect(() => toMinor("abc")).toThrow();
  });
});
