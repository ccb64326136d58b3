/** The pure parts of the catalog: GraphQL nodes and bulk lines → rows, and the values the feed derives from them. */
import { describe, expect, it } from "vitest";

import {
  CatalogDataError,
  idFromGid,
  mapProduct,
  mapVariant,
  paramCode,
  rowsFromBulkLines,
  variantName,
  weightInKg,
  xmlSafe,
} from "~/catalog/mapping";

describe("catalog mapping", () => {
  it("GIVEN GIDs above 2^53 WHEN mapped THEN the ids survive digit for digit", () => {
    expect(idFromGid("gid://shopify/Product/9007199254740993")).toBe("9007199254740993");
    expect(idFromGid("gid://shopify/InventoryLevel/12?inventory_item_id=34")).toBe("12");
    expect(() => idFromGid(undefined)).toThrow(CatalogDataError);
  });

  it.each([
    ["ACTIVE", "2026-01-01T00:00:00Z", true],
    ["ACTIVE", null, false],
    ["DRAFT", "2026-01-01T00:00:00Z", false],
    ["ARCHIVED", null, false],
  ])("GIVEN status %s and publishedAt %s WHEN mapped THEN active is %s", (status, publishedAt, active) => {
    const row = mapProduct({ id: "gid://shopify/Product/1", title: "T", handle: "t", vendor: "V", status, publishedAt, onlineStoreUrl: null, featuredMedia: null });
    expect(row.active).toBe(active);
  });

  it("GIVEN a variant node WHEN mapped THEN every feed field is kept", () => {
    const row = mapVariant(
      {
        id: "gid://shopify/ProductVariant/5",
        title: "M / Red",
        position: 2,
        sku: "",
        barcode: "4006",
        price: "19.90",
        inventoryQuantity: -2,
        selectedOptions: [{ name: "Size", value: "M" }, { name: "Color", value: "Red" }],
        image: { url: "https://cdn/x.png" },
        inventoryItem: { id: "gid://shopify/InventoryItem/77", measurement: { weight: { unit: "GRAMS", value: 350 } } },
      },
      "1",
    );
    expect(row).toEqual({
      variantId: "5",
      productId: "1",
      inventoryItemId: "77",
      title: "M / Red",
      position: 2,
      sku: null,
      barcode: "4006",
      price: "19.90",
      stock: -2,
      weight: "350",
      weightUnit: "GRAMS",
      imageUrl: "https://cdn/x.png",
      options: JSON.stringify([{ name: "Size", value: "M" }, { name: "Color", value: "Red" }]),
    });
  });

  it("GIVEN ungrouped bulk lines WHEN mapped THEN products, variants, collections and memberships come out, collections once", () => {
    const rows = rowsFromBulkLines([
      { id: "gid://shopify/Product/1", title: "A", handle: "a", vendor: "", status: "ACTIVE", publishedAt: "x" },
      { id: "gid://shopify/Product/2", title: "B", handle: "b", vendor: "", status: "DRAFT", publishedAt: null },
      { __typename: "Collection", id: "gid://shopify/Collection/9", title: "Sale", __parentId: "gid://shopify/Product/1" },
      { __typename: "Collection", id: "gid://shopify/Collection/9", title: "Sale", __parentId: "gid://shopify/Product/2" },
      { __typename: "ProductVariant", id: "gid://shopify/ProductVariant/3", title: "Default Title", price: "1.00", __parentId: "gid://shopify/Product/2" },
    ]);
    expect(rows.products.map((p) => [p.productId, p.active])).toEqual([["1", true], ["2", false]]);
    expect(rows.variants.map((v) => [v.variantId, v.productId])).toEqual([["3", "2"]]);
    expect(rows.collections).toEqual([{ collectionId: "9", title: "Sale" }]);
    expect(rows.memberships).toEqual([{ collectionId: "9", productId: "1" }, { collectionId: "9", productId: "2" }]);
    expect(() => rowsFromBulkLines([{ __typename: "Metafield", id: "gid://shopify/Metafield/1", __parentId: "gid://shopify/Product/1" }])).toThrow(CatalogDataError);
  });

  it("GIVEN options WHEN the offer is named THEN it is the product title and the option values, without Shopify's default option", () => {
    expect(variantName("Hoodie", [{ name: "Size", value: "M" }, { name: "Color", value: "Red" }])).toBe("Hoodie - M / Red");
    expect(variantName("Mug", [{ name: "Title", value: "Default Title" }])).toBe("Mug");
  });

  it("GIVEN weights in every Shopify unit WHEN converted for ICML THEN they are kilograms", () => {
    expect(weightInKg("350", "GRAMS")).toBe("0.35");
    expect(weightInKg("1.5", "KILOGRAMS")).toBe("1.5");
    expect(weightInKg("16", "OUNCES")).toBe("0.453592");
    expect(weightInKg("1", "POUNDS")).toBe("0.453592");
    expect(weightInKg(null, "GRAMS")).toBeNull();
  });

  it("GIVEN option names in any script WHEN turned into param codes THEN they are ASCII, and a fallback names the rest", () => {
    expect(paramCode("Size", 0)).toBe("size");
    expect(paramCode("Farbe / Grösse", 1)).toBe("farbe_grosse");
    expect(paramCode("Размер", 2)).toBe("option3");
  });

  it("GIVEN characters XML cannot carry WHEN made safe THEN only they are dropped", () => {
    expect(xmlSafe("a\u0000b\u0008c\u000Bd\uFFFEe\uD800f 😀 שלום & <")).toBe("abcdef 😀 שלום & <");
    expect(xmlSafe("tab\tnew\nline")).toBe("tab\tnew\nline");
  });
});
