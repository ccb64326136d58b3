/**
 * The feed, written while it is read: offers are read from the live generation 500 at a time (keyset pages on
 * (productId, variantId), through the database driver: see offerPage) and each page is turned into XML or JSON text and handed on before the next is read, so
 * memory stays flat whatever the catalog's size. The XML of each page is written by fast-xml-parser's XMLBuilder,
 * which escapes text and attributes; characters XML cannot carry at all are dropped first (mapping.ts xmlSafe).
 * (xmlbuilder2's streaming createCB was measured first: 0.7 ms an offer, 70 s for 100,000; see ADR 009.)
 *
 * XML shape: ICML, the YML extension CRMs import (https://docs.simla.com/Developers/modules/ICML):
 *
 *   <yml_catalog date="2026-11-22 08:00:00">
 *     <shop><name/><company/><url/><currencies><currency id="EUR" rate="1"/></currencies>
 *       <categories><category id="{collection id}">{title}</category>…</categories>
 *       <offers>
 *         <offer id="{variant id}" productId="{product id}" quantity="{stock}">
 *           <url/> <price/> <categoryId/>* <picture/> <name>{product title - option values}</name>
 *           <productName/> <param name="Article" code="article">{sku}</param> <param name="{option}" code="…"/>*
 *           <vendor/> <barcode/> <weight>{kg}</weight> <productActivity>Y|N</productActivity>
 *         </offer>…
 */
import { XMLBuilder } from "fast-xml-parser";

import { driverOf, preparedOn, type Db, type PrismaClient } from "~/db.server";
import type { CatalogFeed } from "~/generated/sqlite/client";

import { parseOptions, paramCode, variantName, weightInKg, xmlSafe, type OptionValue, type ProductRow, type VariantRow } from "./mapping";

/**
 * Offers a page. Small on purpose: a page's rows, offers and built pieces are alive while the next page is built,
 * and V8 promotes whatever survives two scavenges into the old generation, which only a full collection frees. At
 * 500 a page the 100,000-variant feed read grew the old generation by ~50 MB (bench:catalog, peak RSS 225–260 MB);
 * at 100 by a few MB, with no slower read on SQLite.
 */
export const PAGE_SIZE = 100;

export interface FeedOffer {
  id: string;
  productId: string;
  name: string;
  productName: string;
  variantTitle: string;
  url: string | null;
  active: boolean;
  vendor: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  currency: string | null;
  quantity: number | null;
  categories: string[];
  options: OptionValue[];
  picture: string | null;
  weight: { value: string; unit: string } | null;
}

export interface FeedCategory {
  id: string;
  name: string;
}

/** Everything about the feed that is not an offer. */
export interface FeedHead {
  shopName: string;
  shopUrl: string | null;
  currency: string | null;
  generatedAt: Date;
}

export function feedHead(feed: CatalogFeed, now = new Date()): FeedHead {
  return { shopName: feed.shopName ?? feed.shop, shopUrl: feed.shopUrl, currency: feed.currency, generatedAt: now };
}

export async function* feedCategories(db: Db, shop: string, generation: number): AsyncGenerator<FeedCategory[]> {
  let after: string | null = null;
  for (;;) {
    const rows: { collectionId: string; title: string }[] = await db.catalogCollection.findMany({
      where: { shop, generation, ...(after === null ? {} : { collectionId: { gt: after } }) },
      orderBy: { collectionId: "asc" },
      take: PAGE_SIZE,
      select: { collectionId: true, title: true },
    });
    if (rows.length === 0) return;
    yield rows.map((r) => ({ id: r.collectionId, name: r.title }));
    if (rows.length < PAGE_SIZE) return;
    after = rows[rows.length - 1].collectionId;
  }
}

/** One variant of a feed page (VARIANT_PAGE_SQL): the stored row's own fields. */
type VariantPageRow = Pick<VariantRow, "variantId" | "productId" | "title" | "sku" | "barcode" | "price" | "stock" | "weight" | "weightUnit" | "imageUrl" | "options">;
/** The product columns an offer shows (PRODUCT_PAGE_SQL). */
type ProductPageRow = Pick<ProductRow, "productId" | "title" | "handle" | "vendor" | "url" | "imageUrl"> & {
  /** 0/1 on SQLite, a boolean on PostgreSQL. */
  active: boolean | number;
};

/**
 * A page is three single-table reads, each a range of one index, joined here: the variants after the keyset cursor,
 * then the products and the collection memberships whose product ids lie between the page's first and last
 * product. Not one joined statement: on PostgreSQL, a catalog table that has just been filled and not yet analyzed
 * is estimated at one row, and the planner then joined each variant to the generation's products by scanning them
 * from the first, so every page cost more than the one before (100,000 variants: 212 s to read the feed). Without
 * statistics the membership range was still read through the wrong index (the collection one, 40 ms a page), which
 * is why a bulk export also refreshes them (refreshCatalogStatistics) before its feed goes live.
 */
const VARIANT_PAGE_SQL = `
  SELECT "variantId", "productId", "title", "sku", "barcode", "price", "stock", "weight", "weightUnit", "imageUrl", "options"
  FROM "CatalogVariant"
  WHERE "shop" = ? AND "generation" = ? AND ("productId", "variantId") > (?, ?)
  ORDER BY "productId", "variantId"
  LIMIT ${PAGE_SIZE}`;

const PRODUCT_PAGE_SQL = `
  SELECT "productId", "title", "handle", "vendor", "url", "active", "imageUrl" FROM "CatalogProduct"
  WHERE "shop" = ? AND "generation" = ? AND "productId" >= ? AND "productId" <= ?`;

const MEMBERSHIP_PAGE_SQL = `
  SELECT "productId", "collectionId" FROM "CatalogMembership"
  WHERE "shop" = ? AND "generation" = ? AND "productId" >= ? AND "productId" <= ?
  ORDER BY "collectionId"`;

/** `?` placeholders numbered for PostgreSQL. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};
const VARIANT_PAGE_PG = numbered(VARIANT_PAGE_SQL);
const PRODUCT_PAGE_PG = numbered(PRODUCT_PAGE_SQL);
const MEMBERSHIP_PAGE_PG = numbered(MEMBERSHIP_PAGE_SQL);

interface OfferPage {
  variants: VariantPageRow[];
  products: ProductPageRow[];
  memberships: { productId: string; collectionId: string }[];
}

/**
 * The statements of a page through the client's driver (driverOf), not Prisma: a 100,000-variant feed is 1,000
 * pages, and through Prisma's query compiler its queries took most of the feed's time and grew the compiler's
 * WebAssembly memory by ~100 MB that is never given back (bench:catalog).
 */
async function offerPage(db: PrismaClient, shop: string, generation: number, after: { productId: string; variantId: string }): Promise<OfferPage> {
  const driver = driverOf(db);
  const params = [shop, generation, after.productId, after.variantId];
  if (driver.provider === "sqlite") {
    return driver.run((conn) => {
      // The adapter's connection reads integers as BigInt; stock and the 0/1 flag fit a number.
      const variants = preparedOn(conn, VARIANT_PAGE_SQL).safeIntegers(false).all(params) as VariantPageRow[];
      if (variants.length === 0) return { variants, products: [], memberships: [] };
      const range = [shop, generation, variants[0].productId, variants[variants.length - 1].productId];
      return {
        variants,
        products: preparedOn(conn, PRODUCT_PAGE_SQL).safeIntegers(false).all(range) as ProductPageRow[],
        memberships: preparedOn(conn, MEMBERSHIP_PAGE_SQL).all(range) as OfferPage["memberships"],
      };
    });
  }
  const pool = await driver.pool();
  const variants = (await pool.query<VariantPageRow>(VARIANT_PAGE_PG, params)).rows;
  if (variants.length === 0) return { variants, products: [], memberships: [] };
  const range = [shop, generation, variants[0].productId, variants[variants.length - 1].productId];
  const [products, memberships] = await Promise.all([
    pool.query<ProductPageRow>(PRODUCT_PAGE_PG, range),
    pool.query<OfferPage["memberships"][number]>(MEMBERSHIP_PAGE_PG, range),
  ]);
  return { variants, products: products.rows, memberships: memberships.rows };
}

/** The offers of one generation, a page at a time, grouped by product. */
export async function* feedOffers(db: PrismaClient, head: FeedHead, shop: string, generation: number): AsyncGenerator<FeedOffer[]> {
  // Every id sorts after the empty string.
  let cursor = { productId: "", variantId: "" };
  for (;;) {
    const { variants, products, memberships } = await offerPage(db, shop, generation, cursor);
    if (variants.length === 0) return;
    const productOf = new Map(products.map((p) => [p.productId, p]));
    const categoriesOf = new Map<string, string[]>();
    for (const m of memberships) {
      const list = categoriesOf.get(m.productId) ?? [];
      list.push(m.collectionId);
      categoriesOf.set(m.productId, list);
    }
    const offers: FeedOffer[] = [];
    for (const v of variants) {
      // A variant whose product row is missing was caught between two deltas: left out rather than half-shown.
      const p = productOf.get(v.productId);
      if (!p) continue;
      const options = parseOptions(v.options);
      offers.push({
        id: v.variantId,
        productId: v.productId,
        name: variantName(p.title, options),
        productName: p.title,
        variantTitle: v.title,
        url: p.url ?? (head.shopUrl && p.handle ? `${head.shopUrl.replace(/\/$/, "")}/products/${p.handle}` : null),
        active: p.active === true || p.active === 1,
        vendor: p.vendor,
        sku: v.sku,
        barcode: v.barcode,
        price: v.price,
        currency: head.currency,
        quantity: v.stock,
        categories: categoriesOf.get(v.productId) ?? [],
        options,
        picture: v.imageUrl ?? p.imageUrl,
        weight: v.weight !== null && v.weightUnit !== null ? { value: v.weight, unit: v.weightUnit } : null,
      });
    }
    yield offers;
    if (variants.length < PAGE_SIZE) return;
    const last = variants[variants.length - 1];
    cursor = { productId: last.productId, variantId: last.variantId };
  }
}

/** `2026-11-22 08:00:00` (UTC), the date format of yml_catalog. */
export function ymlDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

/**
 * fast-xml-parser's builder writes each page: it escapes `& < > " '` in text and attributes, and leaves empty
 * elements out. The wrapper tags around the pages are constants written here (the only value in them, the date, is
 * ours and ASCII).
 */
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  textNodeName: "#text",
  processEntities: true,
  suppressEmptyNode: true,
  format: false,
});

type XmlNode = Record<string, unknown>;

/** Optional text: absent (null/"") elements are left out, present ones made XML-safe. */
function put(node: XmlNode, name: string, value: string | null | undefined): void {
  if (value !== null && value !== undefined && value !== "") node[name] = xmlSafe(value);
}

export function offerNode(o: FeedOffer): XmlNode {
  const node: XmlNode = { "@id": o.id, "@productId": o.productId };
  if (o.quantity !== null) node["@quantity"] = String(o.quantity);
  put(node, "url", o.url);
  put(node, "price", o.price);
  if (o.categories.length) node.categoryId = o.categories;
  put(node, "picture", o.picture);
  put(node, "name", o.name);
  put(node, "productName", o.productName);
  const params: XmlNode[] = [];
  if (o.sku) params.push({ "@name": "Article", "@code": "article", "#text": xmlSafe(o.sku) });
  o.options.forEach((option, index) => {
    if (option.name === "Title" && option.value === "Default Title") return;
    params.push({ "@name": xmlSafe(option.name), "@code": paramCode(option.name, index), "#text": xmlSafe(option.value) });
  });
  if (params.length) node.param = params;
  put(node, "vendor", o.vendor);
  put(node, "barcode", o.barcode);
  put(node, "weight", o.weight ? weightInKg(o.weight.value, o.weight.unit) : null);
  node.productActivity = o.active ? "Y" : "N";
  return node;
}

/**
 * The ICML document as a sequence of pages of text pieces (one piece per category or offer, a few hundred bytes
 * each). Small pieces, not one string a page: a page's text is ~300 KB, and strings that large are allocated
 * straight into V8's old generation, where only a full collection frees them; 200 such pages a feed showed up as
 * tens of MB of RSS. The response packs the pieces into fixed-size byte chunks (feed-response.server.ts).
 */
export async function* xmlFeed(db: PrismaClient, feed: CatalogFeed, generation: number, now = new Date()): AsyncGenerator<string[]> {
  const head = feedHead(feed, now);
  const shop: XmlNode = {};
  put(shop, "name", head.shopName);
  put(shop, "company", head.shopName);
  put(shop, "url", head.shopUrl);
  if (head.currency) shop.currencies = { currency: { "@id": head.currency, "@rate": "1" } };
  yield [`<?xml version="1.0" encoding="UTF-8"?>\n<yml_catalog date="${ymlDate(head.generatedAt)}"><shop>${builder.build(shop) as string}<categories>`];
  for await (const page of feedCategories(db, feed.shop, generation)) {
    yield page.map((c) => builder.build({ category: { "@id": c.id, "#text": xmlSafe(c.name || c.id) } }) as string);
  }
  yield ["</categories><offers>"];
  for await (const page of feedOffers(db, head, feed.shop, generation)) {
    yield page.map((o) => builder.build({ offer: offerNode(o) }) as string);
  }
  yield ["</offers></shop></yml_catalog>\n"];
}

/** The separator before each element of a JSON array written piece by piece: "" the first time, "," after. */
function commas(): () => string {
  let first = true;
  return () => {
    if (!first) return ",";
    first = false;
    return "";
  };
}

/**
 * The same catalog as JSON: `{shop, categories, offers}`, offers in the order of the XML, with the raw weight and
 * unit (the XML gives kilograms, as ICML asks).
 */
export async function* jsonFeed(db: PrismaClient, feed: CatalogFeed, generation: number, now = new Date()): AsyncGenerator<string[]> {
  const head = feedHead(feed, now);
  yield [`{"shop":${JSON.stringify({ name: head.shopName, url: head.shopUrl, currency: head.currency, generatedAt: head.generatedAt.toISOString() })},"categories":[`];
  const categoryComma = commas();
  for await (const page of feedCategories(db, feed.shop, generation)) {
    yield page.map((c) => categoryComma() + JSON.stringify(c));
  }
  yield [`],"offers":[`];
  const offerComma = commas();
  for await (const page of feedOffers(db, head, feed.shop, generation)) {
    yield page.map((o) => offerComma() + JSON.stringify({ ...o, options: o.options.filter((x) => !(x.name === "Title" && x.value === "Default Title")) }));
  }
  yield ["]}"];
}
