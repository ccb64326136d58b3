import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import { describe, expect, it } from "vitest";

import { TENANT_MODELS } from "~/compliance/shop-data.server";

describe("TENANT_MODELS", () => {
  it("lists exactly the models that carry a shop column, so shop/redact deletes from all of them", () => {
    // GIVEN the models file
    const source = readFileSync(resolve(import.meta.dirname, "../../prisma/models.prisma"), "utf8");
    // WHEN every model with a `shop` field is collected
    const withShop = [...source.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)]
      .filter(([, , body]) => /^\s+shop\s+String/m.test(body))
      .map(([, name]) => name)
      .sort();
    // THEN shop/redact covers each of them
    expect(withShop.length).toBeGreaterThan(5);
    expect([...TENANT_MODELS].sort()).toEqual(withShop);
  });
});
