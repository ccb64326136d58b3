import { responsePathAsArray, type GraphQLResolveInfo } from "graphql";
import { gid, gqlTime, money } from "../store/format";
import type { ImageRecord, OrderRecord } from "../store/types";
import { paginate, type Connection, type PageArgs, type SortKey } from "./connection";
import type { Ctx } from "./context";
import { compileSearch, type SearchSpec } from "./search";

/** Small builders shared by the resolvers. */

/** Decimal scalar as graphql-ruby prints BigDecimal: "10.0", "10.5", "10.55". */
export function decimal(cents: number): string {
  const s = money(cents);
  return s.endsWith("0") ? s.slice(0, -1) : s;
}

export const moneyV2 = (cents: number, currencyCode: string) => ({ amount: decimal(cents), currencyCode });

export function moneyBag(ctx: Ctx, cents: number, order?: OrderRecord) {
  const presentment = order ? Math.round(cents * order.presentmentRate) : cents;
  return {
    shopMoney: moneyV2(cents, ctx.shop.currency),
    presentmentMoney: moneyV2(presentment, order ? order.presentmentCurrency : ctx.shop.currency),
  };
}

/** Count objects: Shopify caps at `limit` (default 10,000) and reports AT_LEAST beyond it. */
export function count(n: number, limit: number | null | undefined = 10_000) {
  if (limit !== null && limit !== undefined && n > limit) return { count: limit, precision: "AT_LEAST" };
  return { count: n, precision: "EXACT" };
}

export const time = (ms: number | null): string | null => (ms === null ? null : gqlTime(ms));

export function imageView(img: ImageRecord) {
  return {
    id: gid("ProductImage", img.imageId),
    altText: img.altText,
    width: img.width,
    height: img.height,
    url: () => img.url,
    originalSrc: img.url,
    src: img.url,
    transformedSrc: () => img.url,
    thumbhash: null,
  };
}

export function mediaImageView(img: ImageRecord) {
  const image = imageView(img);
  return {
    __typename: "MediaImage",
    id: gid("MediaImage", img.mediaId),
    alt: img.altText,
    image,
    mediaContentType: "IMAGE",
    status: "READY",
    fileStatus: "READY",
    mimeType: "image/svg+xml",
    createdAt: time(img.createdAt),
    updatedAt: time(img.createdAt),
    preview: { image, status: "READY" },
    originalSource: { url: img.url, fileSize: 1024 },
    mediaErrors: [],
    mediaWarnings: [],
    fileErrors: [],
  };
}

export function connect<T>(
  ctx: Ctx,
  info: GraphQLResolveInfo,
  items: T[],
  args: PageArgs,
  key: (t: T) => SortKey,
  numeric = false,
): Connection<T> {
  const page = ctx.bulkPage;
  if (page && info.path.prev === undefined) {
    const c = paginate(items, { ...args, after: page.after, before: null }, { key, numeric, unbounded: true, pageSize: page.first, fieldName: info.fieldName });
    page.next = { endCursor: c.pageInfo.endCursor, hasNextPage: c.pageInfo.hasNextPage };
    return c;
  }
  return paginate(items, args, { key, numeric, unbounded: ctx.bulk, fieldName: info.fieldName });
}

export function filter<T>(ctx: Ctx, info: GraphQLResolveInfo, items: T[], query: string | null | undefined, spec: SearchSpec<T>): T[] {
  const c = compileSearch(query, spec);
  if (c.warnings.length) ctx.searchWarnings.push({ path: responsePathAsArray(info.path), query: query ?? "", warnings: c.warnings });
  return items.filter(c.test);
}

export function stripHtml(html: string, truncateAt?: number | null): string {
  const text = html.replace(/<[^>]*>/g, "").replace(/\s+/g, " ").trim();
  return truncateAt && text.length > truncateAt ? `${text.slice(0, truncateAt - 3)}...` : text;
}

export const emptyConnection = () => ({
  edges: [],
  nodes: [],
  pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
});

/** Fields every resource has that the demo data leaves empty: metafields, events. */
export const noExtras = {
  metafields: () => emptyConnection(),
  metafield: () => null,
  events: () => emptyConnection(),
};
