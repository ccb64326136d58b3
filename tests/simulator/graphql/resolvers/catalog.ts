import type { GraphQLResolveInfo } from "graphql";
import { gid, money, parseGid } from "../../store/format";
import type { CollectionRecord, LocationRecord, ProductRecord, ShopState, VariantRecord } from "../../store/types";
import type { SortKey } from "../connection";
import { type Args, type Ctx, type TypeResolvers, type as def } from "../context";
import type { SearchSpec } from "../search";
import { connect, count, emptyConnection, filter, imageView, mediaImageView, moneyV2, noExtras, stripHtml, time } from "../views";

// ------------------------------------------------------------------ sources for non-record types

export interface InventoryItemSource {
  __typename: "InventoryItem";
  variant: VariantRecord;
}
export interface InventoryLevelSource {
  __typename: "InventoryLevel";
  variant: VariantRecord;
  location: LocationRecord;
}

export const inventoryItem = (variant: VariantRecord): InventoryItemSource => ({ __typename: "InventoryItem", variant });

const levelsOf = (shop: ShopState, v: VariantRecord): InventoryLevelSource[] =>
  shop.locations
    .filter((loc) => shop.inventory.get(v.inventoryItemId)?.has(loc.id))
    .map((location) => ({ __typename: "InventoryLevel", variant: v, location }));

/**
 * The collections holding a product. `productIds` is a plain array (kept in the store's order), so a product's
 * collections were found by a scan of every collection's array: at 100,000 variants a bulk export spent most of
 * its time there. Each collection's ids are indexed in a Set, rebuilt when the array is replaced or changes length
 * (the store appends to it or assigns a filtered copy).
 */
const memberIndex = new WeakMap<CollectionRecord, { ids: string[]; length: number; set: Set<string> }>();
function holds(c: CollectionRecord, productId: string): boolean {
  let entry = memberIndex.get(c);
  if (!entry || entry.ids !== c.productIds || entry.length !== c.productIds.length) {
    entry = { ids: c.productIds, length: c.productIds.length, set: new Set(c.productIds) };
    memberIndex.set(c, entry);
  }
  return entry.set.has(productId);
}
export const collectionsOf = (ctx: Ctx, p: ProductRecord): CollectionRecord[] => [...ctx.shop.collections.values()].filter((c) => holds(c, p.id));

const available = (ctx: Ctx, v: VariantRecord) => ctx.store.available(ctx.shop, v.inventoryItemId);
const variantsOf = (ctx: Ctx, p: ProductRecord) => ctx.store.variantsOf(ctx.shop, p);
const totalInventory = (ctx: Ctx, p: ProductRecord) =>
  variantsOf(ctx, p).reduce((s, v) => s + (v.tracked ? available(ctx, v) : 0), 0);

// ------------------------------------------------------------------ search specs and sort keys

export function productSpec(ctx: Ctx): SearchSpec<ProductRecord> {
  const published = (p: ProductRecord) => (p.publishedAt !== null && p.status === "ACTIVE" ? "published" : "unpublished");
  return {
    defaults: (p) => [p.title, p.vendor, p.productType, ...p.tags],
    fields: {
      id: { kind: "id", get: (p) => p.id },
      title: { kind: "text", get: (p) => p.title },
      handle: { kind: "string", get: (p) => p.handle },
      vendor: { kind: "string", get: (p) => p.vendor },
      product_type: { kind: "string", get: (p) => p.productType },
      status: { kind: "string", get: (p) => p.status },
      tag: { kind: "list", get: (p) => p.tags },
      tag_not: { kind: "list", get: (p) => p.tags, negate: true },
      created_at: { kind: "date", get: (p) => p.createdAt },
      updated_at: { kind: "date", get: (p) => p.updatedAt },
      published_at: { kind: "date", get: (p) => p.publishedAt },
      published_status: { kind: "list", get: (p) => [published(p), "any"] },
      sku: { kind: "list", get: (p) => variantsOf(ctx, p).map((v) => v.sku ?? "") },
      barcode: { kind: "list", get: (p) => variantsOf(ctx, p).map((v) => v.barcode ?? "") },
      inventory_total: { kind: "number", get: (p) => totalInventory(ctx, p) },
      gift_card: { kind: "boolean", get: (p) => p.isGiftCard },
      collection_id: {
        kind: "list",
        get: (p) => collectionsOf(ctx, p).map((c) => c.id),
      },
    },
  };
}

export function productSortKey(sortKey: string | undefined, ctx: Ctx): { key: (p: ProductRecord) => SortKey; numeric: boolean } {
  switch (sortKey) {
    case "TITLE":
      return { key: (p) => ({ id: p.id, value: p.title.toLowerCase() }), numeric: false };
    case "CREATED_AT":
      return { key: (p) => ({ id: p.id, value: p.createdAt }), numeric: true };
    case "UPDATED_AT":
      return { key: (p) => ({ id: p.id, value: p.updatedAt }), numeric: true };
    case "PUBLISHED_AT":
      return { key: (p) => ({ id: p.id, value: p.publishedAt }), numeric: true };
    case "INVENTORY_TOTAL":
      return { key: (p) => ({ id: p.id, value: totalInventory(ctx, p) }), numeric: true };
    case "PRODUCT_TYPE":
      return { key: (p) => ({ id: p.id, value: p.productType.toLowerCase() }), numeric: false };
    case "VENDOR":
      return { key: (p) => ({ id: p.id, value: p.vendor.toLowerCase() }), numeric: false };
    default:
      return { key: (p) => ({ id: p.id, value: null }), numeric: false };
  }
}

export function variantSpec(ctx: Ctx): SearchSpec<VariantRecord> {
  const product = (v: VariantRecord) => ctx.shop.products.get(v.productId)!;
  return {
    defaults: (v) => [v.title, v.sku, product(v).title],
    fields: {
      id: { kind: "id", get: (v) => v.id },
      sku: { kind: "string", get: (v) => v.sku },
      barcode: { kind: "string", get: (v) => v.barcode },
      title: { kind: "text", get: (v) => v.title },
      product_id: { kind: "id", get: (v) => v.productId },
      product_status: { kind: "string", get: (v) => product(v).status },
      vendor: { kind: "string", get: (v) => product(v).vendor },
      tag: { kind: "list", get: (v) => product(v).tags },
      inventory_quantity: { kind: "number", get: (v) => available(ctx, v) },
      created_at: { kind: "date", get: (v) => v.createdAt },
      updated_at: { kind: "date", get: (v) => v.updatedAt },
      taxable: { kind: "boolean", get: (v) => v.taxable },
    },
  };
}

export function variantSortKey(sortKey: string | undefined, ctx: Ctx): { key: (v: VariantRecord) => SortKey; numeric: boolean } {
  switch (sortKey) {
    case "POSITION":
      return { key: (v) => ({ id: v.id, value: v.position }), numeric: true };
    case "SKU":
      return { key: (v) => ({ id: v.id, value: v.sku ?? "" }), numeric: false };
    case "TITLE":
    case "NAME":
      return { key: (v) => ({ id: v.id, value: v.title.toLowerCase() }), numeric: false };
    case "FULL_TITLE":
      return { key: (v) => ({ id: v.id, value: `${ctx.shop.products.get(v.productId)?.title ?? ""} ${v.title}`.toLowerCase() }), numeric: false };
    case "INVENTORY_QUANTITY":
    case "INVENTORY_LEVELS_AVAILABLE":
      return { key: (v) => ({ id: v.id, value: available(ctx, v) }), numeric: true };
    default:
      return { key: (v) => ({ id: v.id, value: null }), numeric: false };
  }
}

export function collectionSpec(): SearchSpec<CollectionRecord> {
  return {
    defaults: (c) => [c.title],
    fields: {
      id: { kind: "id", get: (c) => c.id },
      title: { kind: "text", get: (c) => c.title },
      handle: { kind: "string", get: (c) => c.handle },
      updated_at: { kind: "date", get: (c) => c.updatedAt },
      collection_type: { kind: "string", get: () => "custom" },
      product_id: { kind: "list", get: (c) => c.productIds },
      published_status: { kind: "list", get: (c) => [c.publishedAt !== null ? "published" : "unpublished", "any"] },
    },
  };
}

export function collectionSortKey(sortKey: string | undefined): { key: (c: CollectionRecord) => SortKey; numeric: boolean } {
  switch (sortKey) {
    case "TITLE":
      return { key: (c) => ({ id: c.id, value: c.title.toLowerCase() }), numeric: false };
    case "UPDATED_AT":
      return { key: (c) => ({ id: c.id, value: c.updatedAt }), numeric: true };
    default:
      return { key: (c) => ({ id: c.id, value: null }), numeric: false };
  }
}

// ------------------------------------------------------------------ lookups used by the root and node()

export function findProduct(ctx: Ctx, gidValue: string): ProductRecord | null {
  const g = parseGid(gidValue);
  return g?.type === "Product" ? (ctx.shop.products.get(g.id) ?? null) : null;
}

export function findVariant(ctx: Ctx, gidValue: string): VariantRecord | null {
  const g = parseGid(gidValue);
  return g?.type === "ProductVariant" ? (ctx.shop.variants.get(g.id) ?? null) : null;
}

export function findInventoryItem(ctx: Ctx, gidValue: string): InventoryItemSource | null {
  const g = parseGid(gidValue);
  if (g?.type !== "InventoryItem") return null;
  for (const v of ctx.shop.variants.values()) if (v.inventoryItemId === g.id) return inventoryItem(v);
  return null;
}

export function findLocation(ctx: Ctx, gidValue: string): LocationRecord | null {
  const g = parseGid(gidValue);
  return g?.type === "Location" ? (ctx.shop.locations.find((l) => l.id === g.id) ?? null) : null;
}

export function findInventoryLevel(ctx: Ctx, gidValue: string): InventoryLevelSource | null {
  const m = /^gid:\/\/shopify\/InventoryLevel\/(\d+)\?inventory_item_id=(\d+)$/.exec(gidValue);
  if (!m) return null;
  const item = findInventoryItem(ctx, gid("InventoryItem", m[2]));
  const location = ctx.shop.locations.find((l) => l.id === m[1]);
  if (!item || !location || !ctx.shop.inventory.get(item.variant.inventoryItemId)?.has(location.id)) return null;
  return { __typename: "InventoryLevel", variant: item.variant, location };
}

// ------------------------------------------------------------------ type resolvers

const productOptions = (p: ProductRecord, ctx: Ctx) =>
  p.options.map((o) => ({
    id: gid("ProductOption", o.id),
    name: o.name,
    position: o.position,
    values: o.values.map((v) => v.name),
    optionValues: o.values.map((v) => ({
      id: gid("ProductOptionValue", v.id),
      name: v.name,
      hasVariants: variantsOf(ctx, p).some((x) => x.selectedOptions.some((s) => s.name === o.name && s.value === v.name)),
      swatch: null,
      linkedMetafieldValue: null,
      translations: [],
    })),
    linkedMetafield: null,
    translations: [],
  }));

function priceRange(ctx: Ctx, p: ProductRecord) {
  const prices = variantsOf(ctx, p).map((v) => v.priceCents);
  const min = prices.length ? Math.min(...prices) : 0;
  const max = prices.length ? Math.max(...prices) : 0;
  return { minVariantPrice: moneyV2(min, ctx.shop.currency), maxVariantPrice: moneyV2(max, ctx.shop.currency) };
}

function variantConnection(ctx: Ctx, info: GraphQLResolveInfo, items: VariantRecord[], a: Args, defaultSort: string) {
  const s = variantSortKey(a.sortKey ?? defaultSort, ctx);
  return connect(ctx, info, items, a, s.key, s.numeric);
}

export const catalogResolvers: Record<string, TypeResolvers> = {
  Product: def<ProductRecord>({
    ...noExtras,
    sellingPlanGroups: () => emptyConnection(),
    sellingPlanGroupsCount: () => count(0),
    productComponents: () => emptyConnection(),
    productComponentsCount: () => count(0),
    productParents: () => emptyConnection(),
    bundleComponents: () => emptyConnection(),
    bundleConsolidatedOptions: () => null,
    feedback: () => null,
    giftCardSettings: () => null,
    id: (p) => gid("Product", p.id),
    legacyResourceId: (p) => p.id,
    title: (p) => p.title,
    handle: (p) => p.handle,
    descriptionHtml: (p) => p.descriptionHtml,
    bodyHtml: (p) => p.descriptionHtml,
    description: (p, a) => stripHtml(p.descriptionHtml, a.truncateAt),
    descriptionPlainSummary: (p) => stripHtml(p.descriptionHtml),
    vendor: (p) => p.vendor,
    productType: (p) => p.productType,
    customProductType: () => null,
    status: (p) => p.status,
    tags: (p) => p.tags,
    createdAt: (p) => time(p.createdAt),
    updatedAt: (p) => time(p.updatedAt),
    publishedAt: (p) => time(p.publishedAt),
    templateSuffix: (p) => p.templateSuffix,
    isGiftCard: (p) => p.isGiftCard,
    giftCardTemplateSuffix: () => null,
    requiresSellingPlan: () => false,
    hasVariantsThatRequiresComponents: () => false,
    category: () => null,
    combinedListingRole: () => null,
    combinedListing: () => null,
    defaultCursor: (p) => Buffer.from(`{"last_id":${p.id},"last_value":null}`).toString("base64"),
    hasOnlyDefaultVariant: (p) => p.options.length === 1 && p.options[0].name === "Title" && p.variantIds.length === 1,
    hasOutOfStockVariants: (p, _a, ctx) => variantsOf(ctx, p).some((v) => v.tracked && available(ctx, v) <= 0),
    totalInventory: (p, _a, ctx) => totalInventory(ctx, p),
    tracksInventory: (p, _a, ctx) => variantsOf(ctx, p).some((v) => v.tracked),
    totalVariants: (p) => p.variantIds.length,
    onlineStoreUrl: (p, _a, ctx) => (p.publishedAt !== null && p.status === "ACTIVE" ? `https://${ctx.shop.domain}/products/${p.handle}` : null),
    onlineStorePreviewUrl: (p, _a, ctx) => `https://${ctx.shop.domain}/products/${p.handle}`,
    seo: () => ({ title: null, description: null }),
    options: (p, a, ctx) => productOptions(p, ctx).slice(0, a.first ?? undefined),
    variants: (p, a, ctx, info) => variantConnection(ctx, info, variantsOf(ctx, p), a, "POSITION"),
    variantsCount: (p) => count(p.variantIds.length),
    priceRangeV2: (p, _a, ctx) => priceRange(ctx, p),
    priceRange: (p, _a, ctx) => priceRange(ctx, p),
    compareAtPriceRange: (p, _a, ctx) => {
      const prices = variantsOf(ctx, p).map((v) => v.compareAtPriceCents).filter((x): x is number => x !== null);
      if (!prices.length) return null;
      return {
        minVariantCompareAtPrice: moneyV2(Math.min(...prices), ctx.shop.currency),
        maxVariantCompareAtPrice: moneyV2(Math.max(...prices), ctx.shop.currency),
      };
    },
    featuredImage: (p) => (p.images[0] ? imageView(p.images[0]) : null),
    featuredMedia: (p) => (p.images[0] ? mediaImageView(p.images[0]) : null),
    images: (p, a, ctx, info) => {
      const c = connect(ctx, info, p.images.map((img, i) => ({ img, i })), a, (x) => ({ id: x.img.imageId, value: x.i }), true);
      return { ...c, edges: c.edges.map((e) => ({ cursor: e.cursor, node: imageView(e.node.img) })), nodes: c.nodes.map((n) => imageView(n.img)) };
    },
    media: (p, a, ctx, info) => {
      const c = connect(ctx, info, p.images.map((img, i) => ({ img, i })), a, (x) => ({ id: x.img.mediaId, value: x.i }), true);
      return { ...c, edges: c.edges.map((e) => ({ cursor: e.cursor, node: mediaImageView(e.node.img) })), nodes: c.nodes.map((n) => mediaImageView(n.img)) };
    },
    mediaCount: (p) => count(p.images.length),
    collections: (p, a, ctx, info) => {
      const items = collectionsOf(ctx, p);
      const s = collectionSortKey(a.sortKey);
      return connect(ctx, info, filter(ctx, info, items, a.query, collectionSpec()), a, s.key, s.numeric);
    },
    inCollection: (p, a, ctx) => {
      const g = parseGid(String(a.id));
      const c = g ? ctx.shop.collections.get(g.id) : undefined;
      return !!c && holds(c, p.id);
    },
  }),

  ProductVariant: def<VariantRecord>({
    ...noExtras,
    sellingPlanGroups: () => emptyConnection(),
    sellingPlanGroupsCount: () => count(0),
    productParents: () => emptyConnection(),
    productVariantComponents: () => emptyConnection(),
    deliveryProfile: () => null,
    id: (v) => gid("ProductVariant", v.id),
    legacyResourceId: (v) => v.id,
    title: (v) => v.title,
    displayName: (v, _a, ctx) => `${ctx.shop.products.get(v.productId)?.title ?? ""} - ${v.title}`,
    sku: (v) => v.sku,
    barcode: (v) => v.barcode,
    price: (v) => money(v.priceCents),
    compareAtPrice: (v) => (v.compareAtPriceCents === null ? null : money(v.compareAtPriceCents)),
    position: (v) => v.position,
    inventoryQuantity: (v, _a, ctx) => available(ctx, v),
    sellableOnlineQuantity: (v, _a, ctx) => Math.max(0, available(ctx, v)),
    inventoryPolicy: (v) => v.inventoryPolicy,
    availableForSale: (v, _a, ctx) => {
      const p = ctx.shop.products.get(v.productId);
      return p?.status === "ACTIVE" && (!v.tracked || v.inventoryPolicy === "CONTINUE" || available(ctx, v) > 0);
    },
    selectedOptions: (v, _a, ctx) => {
      const p = ctx.shop.products.get(v.productId)!;
      return v.selectedOptions.map((s) => {
        const value = p.options.find((o) => o.name === s.name)?.values.find((x) => x.name === s.value);
        return {
          name: s.name,
          value: s.value,
          optionValue: { id: gid("ProductOptionValue", value?.id ?? "0"), name: s.value, hasVariants: true, swatch: null, linkedMetafieldValue: null },
        };
      });
    },
    product: (v, _a, ctx) => ctx.shop.products.get(v.productId),
    image: (v, _a, ctx) => {
      const img = ctx.shop.products.get(v.productId)?.images.find((i) => i.imageId === v.imageId);
      return img ? imageView(img) : null;
    },
    media: (v, a, ctx, info) => {
      const imgs = ctx.shop.products.get(v.productId)?.images.filter((i) => i.imageId === v.imageId) ?? [];
      const c = connect(ctx, info, imgs, a, (img) => ({ id: img.mediaId, value: null }));
      return { ...c, edges: c.edges.map((e) => ({ cursor: e.cursor, node: mediaImageView(e.node) })), nodes: c.nodes.map(mediaImageView) };
    },
    inventoryItem: (v) => inventoryItem(v),
    taxable: (v) => v.taxable,
    taxCode: () => null,
    requiresComponents: () => false,
    showUnitPrice: () => false,
    unitPrice: () => null,
    unitPriceMeasurement: () => null,
    createdAt: (v) => time(v.createdAt),
    updatedAt: (v) => time(v.updatedAt),
    defaultCursor: (v) => Buffer.from(`{"last_id":${v.id},"last_value":null}`).toString("base64"),
  }),

  InventoryItem: def<InventoryItemSource>({
    id: (s) => gid("InventoryItem", s.variant.inventoryItemId),
    legacyResourceId: (s) => s.variant.inventoryItemId,
    sku: (s) => s.variant.sku,
    tracked: (s) => s.variant.tracked,
    requiresShipping: () => true,
    createdAt: (s) => time(s.variant.createdAt),
    updatedAt: (s) => time(s.variant.updatedAt),
    unitCost: (s, _a, ctx) => moneyV2(Math.round(s.variant.priceCents * 0.4), ctx.shop.currency),
    countryCodeOfOrigin: () => null,
    provinceCodeOfOrigin: () => null,
    harmonizedSystemCode: () => null,
    duplicateSkuCount: (s, _a, ctx) =>
      s.variant.sku ? [...ctx.shop.variants.values()].filter((v) => v.sku === s.variant.sku && v.id !== s.variant.id).length : 0,
    inventoryHistoryUrl: (s, _a, ctx) => `https://admin.shopify.com/store/${ctx.shop.domain.split(".")[0]}/products/inventory/${s.variant.inventoryItemId}/inventory_history`,
    measurement: (s) => ({ id: gid("InventoryItemMeasurement", s.variant.inventoryItemId), weight: { unit: "GRAMS", value: s.variant.grams } }),
    trackedEditable: () => ({ locked: false, reason: null }),
    locationsCount: (s, _a, ctx) => count(levelsOf(ctx.shop, s.variant).length),
    variant: (s) => s.variant,
    variants: (s, a, ctx, info) => connect(ctx, info, [s.variant], a, (v) => ({ id: v.id, value: null })),
    inventoryLevels: (s, a, ctx, info) => connect(ctx, info, levelsOf(ctx.shop, s.variant), a, (l) => ({ id: l.location.id, value: null })),
    inventoryLevel: (s, a, ctx) => levelsOf(ctx.shop, s.variant).find((l) => gid("Location", l.location.id) === a.locationId) ?? null,
  }),

  InventoryLevel: def<InventoryLevelSource>({
    id: (s) => `gid://shopify/InventoryLevel/${s.location.id}?inventory_item_id=${s.variant.inventoryItemId}`,
    item: (s) => inventoryItem(s.variant),
    location: (s) => s.location,
    isActive: () => true,
    canDeactivate: () => true,
    deactivationAlert: () => null,
    createdAt: (s) => time(s.variant.createdAt),
    updatedAt: (s, _a, ctx) => time(ctx.shop.inventory.get(s.variant.inventoryItemId)?.get(s.location.id)?.updatedAt ?? s.variant.updatedAt),
    quantities: (s, a, ctx) => {
      const lvl = ctx.shop.inventory.get(s.variant.inventoryItemId)?.get(s.location.id);
      const availableQty = lvl?.available ?? 0;
      const committed = 0;
      const values: Record<string, number> = {
        available: availableQty,
        on_hand: availableQty + committed,
        committed,
        incoming: 0,
        reserved: 0,
        damaged: 0,
        quality_control: 0,
        safety_stock: 0,
      };
      return (a.names as string[]).map((name) => ({
        id: `gid://shopify/InventoryQuantity/${s.location.id}?inventory_item_id=${s.variant.inventoryItemId}&name=${name}`,
        name,
        quantity: values[name] ?? 0,
        updatedAt: time(lvl?.updatedAt ?? null),
      }));
    },
  }),

  Location: def<LocationRecord>({
    ...noExtras,
    id: (l) => gid("Location", l.id),
    legacyResourceId: (l) => l.id,
    name: (l) => l.name,
    isActive: (l) => l.isActive,
    isPrimary: (l, _a, ctx) => ctx.shop.locations[0]?.id === l.id,
    createdAt: (l) => time(l.createdAt),
    updatedAt: (l) => time(l.updatedAt),
    address: (l) => ({
      ...l.address,
      formatted: [l.address.address1, `${l.address.zip ?? ""} ${l.address.city ?? ""}`.trim(), l.address.country].filter(Boolean),
      latitude: null,
      longitude: null,
    }),
    addressVerified: () => true,
    fulfillsOnlineOrders: () => true,
    hasActiveInventory: () => true,
    hasUnfulfilledOrders: () => false,
    shipsInventory: () => true,
    isFulfillmentService: () => false,
    fulfillmentService: () => null,
    deactivatedAt: () => null,
    activatable: () => false,
    deactivatable: (l, _a, ctx) => ctx.shop.locations[0]?.id !== l.id,
    deletable: () => false,
    localPickupSettingsV2: () => null,
    suggestedAddresses: () => [],
    inventoryLevels: (l, a, ctx, info) => {
      const levels = [...ctx.shop.variants.values()]
        .filter((v) => ctx.shop.inventory.get(v.inventoryItemId)?.has(l.id))
        .map((v): InventoryLevelSource => ({ __typename: "InventoryLevel", variant: v, location: l }));
      return connect(ctx, info, levels, a, (x) => ({ id: x.variant.inventoryItemId, value: null }));
    },
    inventoryLevel: (l, a, ctx) => {
      const item = findInventoryItem(ctx, String(a.inventoryItemId));
      return item && ctx.shop.inventory.get(item.variant.inventoryItemId)?.has(l.id)
        ? { __typename: "InventoryLevel", variant: item.variant, location: l }
        : null;
    },
  }),

  Collection: def<CollectionRecord>({
    ...noExtras,
    feedback: () => null,
    id: (c) => gid("Collection", c.id),
    legacyResourceId: (c) => c.id,
    title: (c) => c.title,
    handle: (c) => c.handle,
    description: (c, a) => stripHtml(c.descriptionHtml, a.truncateAt),
    descriptionHtml: (c) => c.descriptionHtml,
    updatedAt: (c) => time(c.updatedAt),
    sortOrder: (c) => c.sortOrder,
    templateSuffix: () => null,
    image: (c) => (c.image ? imageView(c.image) : null),
    ruleSet: () => null,
    seo: () => ({ title: null, description: null }),
    products: (c, a, ctx, info) => {
      const items = c.productIds.map((id) => ctx.shop.products.get(id)).filter((p): p is ProductRecord => !!p);
      if (!a.sortKey || a.sortKey === "MANUAL" || a.sortKey === "COLLECTION_DEFAULT") {
        const conn = connect(ctx, info, items.map((p, i) => ({ p, i })), a, (x) => ({ id: x.p.id, value: x.i }), true);
        return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: e.node.p })), nodes: conn.nodes.map((n) => n.p) };
      }
      const s = a.sortKey === "TITLE" ? productSortKey("TITLE", ctx) : a.sortKey === "CREATED" ? productSortKey("CREATED_AT", ctx) : productSortKey("ID", ctx);
      return connect(ctx, info, items, a, s.key, s.numeric);
    },
    productsCount: (c) => count(c.productIds.length),
    hasProduct: (c, a) => {
      const g = parseGid(String(a.id));
      return !!g && c.productIds.includes(g.id);
    },
  }),
};
