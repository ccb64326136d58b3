/**
 * A simulator shop with exactly `variants` variants, built by the simulator's own seed (products with Size/Color
 * options, 0–3 images, 8 collections, stock at two locations) and trimmed to the exact count, so the bulk result
 * the app reads has the shape a real apparel store's has.
 */
import { seedShop, type SimStore } from "../../tests/simulator";

/** The seed averages about 5.5 variants a product; seeding a little more and trimming gives the exact count. */
const VARIANTS_PER_PRODUCT_LOW = 5;

export function seedCatalogShop(store: SimStore, domain: string, variants: number, seed = 2026): { products: number; variants: number; collections: number } {
  const shop = seedShop(store, {
    domain,
    name: `Catalog bench ${variants.toLocaleString("en")} & <more>`,
    products: Math.ceil(variants / VARIANTS_PER_PRODUCT_LOW) + 20,
    customers: 1,
    orders: 0,
    seed,
    scopes: ["read_products", "read_inventory"],
  });
  const products = [...shop.products.values()];
  let count = shop.variants.size;
  while (count > variants) {
    const last = products[products.length - 1];
    const excess = count - variants;
    if (last.variantIds.length <= excess) {
      for (const id of last.variantIds) dropVariant(id);
      shop.products.delete(last.id);
      products.pop();
      for (const c of shop.collections.values()) c.productIds = c.productIds.filter((x) => x !== last.id);
      count -= last.variantIds.length;
    } else {
      for (const id of last.variantIds.splice(last.variantIds.length - excess)) dropVariant(id);
      count -= excess;
    }
  }
  function dropVariant(id: string) {
    const v = shop.variants.get(id);
    if (v) shop.inventory.delete(v.inventoryItemId);
    shop.variants.delete(id);
  }
  return { products: shop.products.size, variants: shop.variants.size, collections: shop.collections.size };
}
