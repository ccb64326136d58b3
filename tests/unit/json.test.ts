import { isInteger, isSafeNumber, parse as losslessParse } from "lossless-json";
import { describe, expect, it } from "vitest";

import { numericId, parseShopifyJson, shopifyId } from "~/webhooks/json";

describe("parseShopifyJson", () => {
  it("keeps ids above 2^53 exact", () => {
    // GIVEN a body whose id JSON.parse would round (2^63 - 1)
    const body = '{"id": 9223372036854775807, "customer": {"id": 18014398509481985}, "total": 12.5}';
    // WHEN it is parsed
    const parsed = parseShopifyJson(body) as { id: bigint; customer: { id: bigint }; total: number };
    // THEN the big ids survive digit for digit, other numbers stay numbers
    expect(parsed.id).toBe(9223372036854775807n);
    expect(shopifyId.parse(parsed.customer.id)).toBe("18014398509481985");
    // eslint-disable-next-line no-restricted-syntax -- showing the rounding this module exists to avoid
    expect(String(JSON.parse(body).customer.id)).not.toBe("18014398509481985");
    expect(parsed.total).toBe(12.5);
  });

  it("rejects malformed JSON", () => {
    expect(() => parseShopifyJson('{"id": 1,')).toThrow();
    expect(() => parseShopifyJson('{"id": 9007199254740993,')).toThrow();
  });

  it.each([
    ["short ids only (the JSON.parse path)", '{"id":5900000000002,"line_items":[{"id":13456789012345,"price":"25.00","quantity":2}],"total":-0.5,"x":1e3}'],
    ["a 16-digit run inside a string (the lossless path)", '{"id":5900000000002,"token":"ab1234567890123456cd","total":12.5}'],
    ["exactly 2^53 - 1 and 2^53 + 1", '{"a":9007199254740991,"b":9007199254740993,"c":[1,2.25,null,true,"s"]}'],
  ])("gives what the lossless parser gives for %s", (_name, body) => {
    const lossless = losslessParse(body, null, (value) => (isInteger(value) && !isSafeNumber(value) ? BigInt(value) : Number(value)));
    expect(parseShopifyJson(body)).toEqual(lossless);
  });
});

describe("shopifyId", () => {
  it.each([
    [123, "123"],
    [123n, "123"],
    ["123", "123"],
  ])("normalises %s to a decimal string", (input, expected) => {
    expect(shopifyId.parse(input)).toBe(expected);
  });

  // 2^53 + 2 as a number has already lost its exact value (parseShopifyJson would have made it a bigint).
  it.each([[-1], [-1n], [1.5], ["12a"], [""], [null], [2 ** 53 + 2], [undefined]])("rejects %s", (input) => {
    expect(shopifyId.safeParse(input).success).toBe(false);
  });
});

describe("numericId", () => {
  it("reads the id out of a GID", () => {
    expect(numericId("gid://shopify/Customer/9007199254740993")).toBe("9007199254740993");
    expect(numericId("gid://shopify/Order/42?foo=bar")).toBe("42");
    expect(() => numericId("gid://shopify/Customer/")).toThrow();
  });
});
