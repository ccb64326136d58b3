/**
 * Shopify's product data → the rows the feed is served from (pure functions, no database). The bulk lines, the
 * paginated pages and the per-product refresh all select the same fields (app/graphql/Catalog*.ts), so one mapping
 * serves the three: an export and a webhook delta can never disagree on what a field means.
 *
 * Objects arrive untyped (a bulk line is parsed JSON), so each accessor checks what it reads; a node without its id
 * is a broken result and throws `CatalogDataError`.
 */

export const CATALOG_SYNC = "catalog";

export interface ProductRow {
  productId: string;
  title: string;
  handle: string;
  vendor: string;
  /** The storefront URL when published; null otherwise (the feed then builds one from the shop's domain). */
  url: string | null;
  active: boolean;
  imageUrl: string | null;
}

export interface VariantRow {
  variantId: string;
  productId: string;
  inventoryItemId: string | null;
  title: string;
  position: number;
  sku: string | null;
  barcode: string | null;
  price: string;
  stock: number | null;
  weight: string | null;
  weightUnit: string | null;
  imageUrl: string | null;
  /** JSON [{name, value}] */
  options: string;
}

export interface CollectionRow {
  collectionId: string;
  title: string;
}

export interface MembershipRow {
  collectionId: string;
  productId: string;
}

/** Rows to write into one generation; any part may be empty. */
export interface CatalogRows {
  products: ProductRow[];
  variants: VariantRow[];
  collections: CollectionRow[];
  memberships: MembershipRow[];
}

export function emptyRows(): CatalogRows {
  return { products: [], variants: [], collections: [], memberships: [] };
}

export class CatalogDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CatalogDataError";
  }
}

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : null;
}

function str(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return null;
}

/** `gid://shopify/Product/123` → "123" (ids stay strings: they may exceed 2^53). */
export function idFromGid(gid: unknown): string {
  const value = str(gid);
  const match = value ? /^gid:\/\/shopify\/\w+\/(\d+)(?:\?.*)?$/.exec(value) : null;
  if (match) return match[1];
  if (value && /^\d+$/.test(value)) return value;
  throw new CatalogDataError(`not a Shopify id: ${JSON.stringify(gid)}`);
}

export function productGid(id: string): string {
  return `gid://shopify/Product/${id}`;
}

/** featuredMedia { preview { image { url } } } or image { url }. */
function imageUrlOf(node: Obj): string | null {
  const media = obj(node.featuredMedia);
  const fromMedia = str(obj(obj(media?.preview)?.image)?.url);
  if (fromMedia) return fromMedia;
  return str(obj(node.image)?.url);
}

/** Active in the feed: ACTIVE and published to the online store. Drafts, archived and unpublished are offered inactive. */
export function productActive(status: unknown, publishedAt: unknown): boolean {
  return status === "ACTIVE" && typeof publishedAt === "string" && publishedAt.length > 0;
}

export function mapProduct(node: unknown): ProductRow {
  const p = obj(node);
  if (!p) throw new CatalogDataError("a product node is not an object");
  return {
    productId: idFromGid(p.id),
    title: str(p.title) ?? "",
    handle: str(p.handle) ?? "",
    vendor: str(p.vendor) ?? "",
    url: str(p.onlineStoreUrl),
    active: productActive(p.status, p.publishedAt),
    imageUrl: imageUrlOf(p),
  };
}

export function mapVariant(node: unknown, productId: string): VariantRow {
  const v = obj(node);
  if (!v) throw new CatalogDataError("a variant node is not an object");
  const item = obj(v.inventoryItem);
  const weight = obj(obj(item?.measurement)?.weight);
  const weightValue = weight && (typeof weight.value === "number" || typeof weight.value === "string") ? String(weight.value) : null;
  const options = Array.isArray(v.selectedOptions)
    ? v.selectedOptions
        .map((o) => obj(o))
        .filter((o): o is Obj => o !== null)
        .map((o) => ({ name: str(o.name) ?? "", value: str(o.value) ?? "" }))
    : [];
  const quantity = v.inventoryQuantity;
  return {
    variantId: idFromGid(v.id),
    productId,
    inventoryItemId: item?.id ? idFromGid(item.id) : null,
    title: str(v.title) ?? "",
    position: typeof v.position === "number" ? v.position : 1,
    sku: str(v.sku) || null,
    barcode: str(v.barcode) || null,
    price: str(v.price) ?? "0.00",
    stock: typeof quantity === "number" ? quantity : null,
    weight: weightValue,
    weightUnit: weightValue === null ? null : (str(weight?.unit) ?? null),
    imageUrl: imageUrlOf(v),
    options: JSON.stringify(options),
  };
}

export function mapCollection(node: unknown): CollectionRow {
  const c = obj(node);
  if (!c) throw new CatalogDataError("a collection node is not an object");
  return { collectionId: idFromGid(c.id), title: str(c.title) ?? "" };
}

/**
 * One batch of bulk lines (CatalogExportBulk, no groupObjects): products are root lines; variants and collections
 * are child lines naming their product in `__parentId`, anywhere after it, possibly in a later batch. Each line maps
 * on its own, so no batch needs another.
 */
export function rowsFromBulkLines(lines: readonly Obj[]): CatalogRows {
  const rows = emptyRows();
  const collections = new Map<string, CollectionRow>();
  for (const line of lines) {
    const parent = line.__parentId;
    if (parent === undefined) {
      rows.products.push(mapProduct(line));
      continue;
    }
    const productId = idFromGid(parent);
    if (line.__typename === "ProductVariant") rows.variants.push(mapVariant(line, productId));
    else if (line.__typename === "Collection") {
      const collection = mapCollection(line);
      collections.set(collection.collectionId, collection);
      rows.memberships.push({ collectionId: collection.collectionId, productId });
    } else throw new CatalogDataError(`unexpected bulk line of type ${String(line.__typename)}`);
  }
  rows.collections = [...collections.values()];
  return rows;
}

// ------------------------------------------------------------------------------------------------ feed values

export interface OptionValue {
  name: string;
  value: string;
}

export function parseOptions(json: string): OptionValue[] {
  try {
    const parsed = JSON.parse(json) as unknown;
    return Array.isArray(parsed) ? (parsed as OptionValue[]) : [];
  } catch {
    return [];
  }
}

/** Shopify's placeholder option of a product without options: not a real option, so not shown. */
export function isDefaultOption(option: OptionValue): boolean {
  return option.name === "Title" && option.value === "Default Title";
}

/** The offer's name: the product title followed by its option values ("Hoodie - M / Red"; "Mug" without options). */
export function variantName(productTitle: string, options: readonly OptionValue[]): string {
  const values = options.filter((o) => !isDefaultOption(o)).map((o) => o.value);
  return values.length ? `${productTitle} - ${values.join(" / ")}` : productTitle;
}

const KG_PER_UNIT: Record<string, number> = { GRAMS: 0.001, KILOGRAMS: 1, OUNCES: 0.028349523125, POUNDS: 0.45359237 };

/** ICML's <weight> is in kilograms; Shopify's weight is in the unit the merchant chose. Null when unknown. */
export function weightInKg(value: string | null, unit: string | null): string | null {
  if (value === null || unit === null) return null;
  const factor = KG_PER_UNIT[unit];
  const number = Number(value);
  if (factor === undefined || !Number.isFinite(number)) return null;
  return String(Number((number * factor).toFixed(6)));
}

/** An ICML param code: latin letters, digits, `_` and `-`; names in other scripts fall back to option1, option2... */
export function paramCode(name: string, index: number): string {
  const code = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return code || `option${index + 1}`;
}

/**
 * XML 1.0 cannot carry some characters at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF), escaped or not.
 * Shopify accepts them in titles, so they are dropped here rather than breaking the whole feed.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlSafe(text: string): string {
  return text.replace(NOT_XML, "");
}
