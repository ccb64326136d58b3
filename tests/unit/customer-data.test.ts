import { describe, expect, it } from "vitest";

import { references } from "~/compliance/customer-data.server";
import { safeReturnTo } from "~/events/replay-result";
import { parseShopifyJson } from "~/webhooks/json";

const customer = { id: "9007199254740993", email: "Ada@Example.com", phone: "+4930123456" };

describe("references", () => {
  it("finds the customer by id above 2^53 in an order's customer object", () => {
    const order = parseShopifyJson('{"id": 1, "customer": {"id": 9007199254740993}, "email": null}');
    expect(references(order, "ORDERS_CREATE", customer, [])).toBe(true);
  });

  it("does not confuse a neighbouring id that JSON.parse would round to the same number", () => {
    const order = parseShopifyJson('{"id": 1, "customer": {"id": 9007199254740992}}');
    expect(references(order, "ORDERS_CREATE", customer, [])).toBe(false);
  });

  it("finds consent payloads by customer_id and by email, case-insensitively", () => {
    expect(references(parseShopifyJson('{"customer_id": 9007199254740993}'), "X", customer, [])).toBe(true);
    expect(references({ email_address: "ada@example.com" }, "X", customer, [])).toBe(true);
    expect(references({ phone_number: "+4930123456" }, "X", customer, [])).toBe(true);
  });

  it("finds the orders to redact by order id, and only on order payloads for a bare id", () => {
    expect(references({ id: 555 }, "ORDERS_UPDATED", customer, ["555"])).toBe(true);
    expect(references({ id: 555 }, "PRODUCTS_UPDATE", customer, ["555"])).toBe(false);
    expect(references({ id: 9, order_id: 555 }, "REFUNDS_CREATE", customer, ["555"])).toBe(true);
  });

  it("reads the camelCase keys and GIDs that platform events carry", () => {
    const event = { type: "purchase.registered", data: { customerId: "gid://shopify/Customer/9007199254740993", orderId: "gid://shopify/Order/555" } };
    expect(references(event, "purchase.registered", customer, [])).toBe(true);
    expect(references({ type: "refund.created", data: { orderId: "gid://shopify/Order/555" } }, "refund.created", { id: "1" }, ["555"])).toBe(true);
    expect(references({ data: { customerId: "gid://shopify/Customer/9007199254740992" } }, "x", customer, [])).toBe(false);
  });

  it("ignores other customers", () => {
    expect(references({ customer: { id: 1, email: "bob@example.com" } }, "ORDERS_CREATE", customer, [])).toBe(false);
  });
});

describe("safeReturnTo (replay's redirect target)", () => {
  it.each([
    ["/app/activity/abc?x=1", "/app/activity/abc?x=1"],
    ["/app", "/app"],
    ["/app/..//evil.com", "/app/activity"],
    ["/app/../\\evil.com", "/app/activity"],
    ["/app/%2e%2e//evil.com", "/app/activity"],
    ["//evil.com/app", "/app/activity"],
    ["https://evil.com/app", "/app/activity"],
    ["/apps/other", "/app/activity"],
    [null, "/app/activity"],
  ])("%s → %s", (value, expected) => {
    expect(safeReturnTo(value)).toBe(expected);
  });
});
