/**
 * Catalog test helpers: the catalog as the simulator holds it (computed from its store, not through the app's
 * mapping), and the feed parsed back from its XML or JSON text by an independent parser (fast-xml-parser).
 */
import { gunzipSync } from "node:zlib";

import { XMLParser, XMLValidator } from "fast-xml-parser";

import type { Simulator } from "../simulator";

export interface ExpectedOffer {
  id: string;
  productId: string;
  name: string;
  productName: string;
  url: string;
  active: boolean;
  vendor: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  quantity: number;
  categories: string[];
  options: { name: string; value: string }[];
  picture: string | null;
  weightKg: string;
}

const money = (cents: number) => (Math.round(cents) / 100).toFixed(2);

/** Every variant of the shop as the feed must offer it, read straight from the simulator's records. */
export function expectedCatalog(sim: Simulator, domain: string): { offers: Map<string, ExpectedOffer>; categories: Map<string, string>; currency: string } {
  const shop = sim.store.shop(domain);
  const offers = new Map<string, ExpectedOffer>();
  const collections = [...shop.collections.values()];
  for (const v of shop.variants.values()) {
    const p = shop.products.get(v.productId)!;
    const options = v.selectedOptions.filter((o) => !(o.name === "Title" && o.value === "Default Title"));
    const published = p.status === "ACTIVE" && p.publishedAt !== null;
    const image = p.images.find((i) => i.imageId === v.imageId) ?? p.images[0] ?? null;
    offers.set(v.id, {
      id: v.id,
      productId: p.id,
      name: options.length ? `${p.title} - ${options.map((o) => o.value).join(" / ")}` : p.title,
      productName: p.title,
      url: `https://${domain}/products/${p.handle}`,
      active: published,
      vendor: p.vendor,
      sku: v.sku || null,
      barcode: v.barcode || null,
      price: money(v.priceCents),
      quantity: sim.store.available(shop, v.inventoryItemId),
      categories: collections.filter((c) => c.productIds.includes(p.id)).map((c) => c.id).sort(),
      options,
      picture: image?.url ?? null,
      weightKg: String(Number((v.grams * 0.001).toFixed(6))),
    });
  }
  const categories = new Map(collections.filter((c) => [...shop.products.keys()].some((id) => c.productIds.includes(id))).map((c) => [c.id, c.title]));
  return { offers, categories, currency: shop.currency };
}

export interface ParsedOffer {
  id: string;
  productId: string;
  quantity: number | null;
  url: string | null;
  price: string;
  categories: string[];
  picture: string | null;
  name: string;
  productName: string;
  sku: string | null;
  options: { name: string; value: string; code: string }[];
  vendor: string | null;
  barcode: string | null;
  weightKg: string | null;
  active: boolean;
}

const ARRAYS = new Set(["yml_catalog.shop.offers.offer", "yml_catalog.shop.categories.category", "yml_catalog.shop.offers.offer.categoryId", "yml_catalog.shop.offers.offer.param"]);

/** Parses the ICML text back (after checking it is well-formed XML) into offers and categories. */
export function parseXmlFeed(xml: string): { date: string; shopName: string; currency: string | null; categories: Map<string, string>; offers: Map<string, ParsedOffer> } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid)}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    textNodeName: "#text",
    isArray: (_name, jpath) => ARRAYS.has(String(jpath)),
  });
  type Node = Record<string, unknown>;
  const doc = parser.parse(xml) as { yml_catalog: Node };
  const shop = doc.yml_catalog.shop as Node;
  const text = (v: unknown): string | null => (v === undefined ? null : typeof v === "string" ? v : String((v as Node)["#text"] ?? ""));
  const categories = new Map<string, string>();
  const categoryList = typeof shop.categories === "object" && shop.categories ? (((shop.categories as Node).category as Node[] | undefined) ?? []) : [];
  for (const c of categoryList) categories.set(String(c["@id"]), text(c)!);
  const offers = new Map<string, ParsedOffer>();
  const offerList = typeof shop.offers === "object" && shop.offers ? (((shop.offers as Node).offer as Node[] | undefined) ?? []) : [];
  for (const o of offerList) {
    const params = ((o.param as Node[] | undefined) ?? []).map((p) => ({ name: String(p["@name"]), code: String(p["@code"]), value: text(p)! }));
    const id = String(o["@id"]);
    offers.set(id, {
      id,
      productId: String(o["@productId"]),
      quantity: o["@quantity"] === undefined ? null : Number(o["@quantity"]),
      url: text(o.url),
      price: text(o.price)!,
      categories: ((o.categoryId as unknown[] | undefined) ?? []).map((c) => text(c)!).sort(),
      picture: text(o.picture),
      name: text(o.name)!,
      productName: text(o.productName)!,
      sku: params.find((p) => p.code === "article")?.value ?? null,
      options: params.filter((p) => p.code !== "article"),
      vendor: text(o.vendor),
      barcode: text(o.barcode),
      weightKg: text(o.weight),
      active: text(o.productActivity) === "Y",
    });
  }
  const currencies = shop.currencies as Node | undefined;
  return {
    date: String(doc.yml_catalog["@date"]),
    shopName: text(shop.name)!,
    currency: currencies ? String((currencies.currency as Node)["@id"]) : null,
    categories,
    offers,
  };
}

/** Asserts, field by field, that the parsed XML offers are exactly the simulator's variants. */
export function compareWithSimulator(parsed: ReturnType<typeof parseXmlFeed>, expected: ReturnType<typeof expectedCatalog>): string[] {
  const problems: string[] = [];
  if (parsed.offers.size !== expected.offers.size) problems.push(`offers: ${parsed.offers.size}, expected ${expected.offers.size}`);
  for (const [id, want] of expected.offers) {
    const got = parsed.offers.get(id);
    if (!got) {
      problems.push(`offer ${id} missing`);
      continue;
    }
    const pairs: [string, unknown, unknown][] = [
      ["productId", got.productId, want.productId],
      ["name", got.name, want.name],
      ["productName", got.productName, want.productName],
      ["url", got.url, want.url],
      ["active", got.active, want.active],
      ["vendor", got.vendor, want.vendor || null],
      ["sku", got.sku, want.sku],
      ["barcode", got.barcode, want.barcode],
      ["price", got.price, want.price],
      ["quantity", got.quantity, want.quantity],
      ["categories", got.categories.join(","), want.categories.join(",")],
      ["options", got.options.map((o) => `${o.name}=${o.value}`).join(";"), want.options.map((o) => `${o.name}=${o.value}`).join(";")],
      ["picture", got.picture, want.picture],
      ["weight", got.weightKg, want.weightKg],
    ];
    for (const [field, a, b] of pairs) if (a !== b) problems.push(`offer ${id} ${field}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  }
  for (const [id, title] of expected.categories) if (parsed.categories.get(id) !== title) problems.push(`category ${id}: ${parsed.categories.get(id)} ≠ ${title}`);
  if (parsed.currency !== expected.currency) problems.push(`currency ${parsed.currency} ≠ ${expected.currency}`);
  return problems;
}

export async function bodyText(response: Response): Promise<string> {
  const bytes = Buffer.from(await response.arrayBuffer());
  return response.headers.get("Content-Encoding") === "gzip" ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
}
