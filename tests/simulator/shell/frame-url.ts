import { createHmac } from "node:crypto";

/** Query parameters Shopify adds when it loads an embedded app; the library strips the same list. */
export const EMBEDDED_PARAMS = [
  "embedded",
  "hmac",
  "host",
  "id_token",
  "locale",
  "session",
  "shop",
  "timestamp",
  "appLoadId",
] as const;

export function shopName(shop: string): string {
  return shop.replace(/\.myshopify\.com$/i, "");
}

/**
 * The `host` parameter: base64 of the admin location without scheme, unpadded as Shopify sends it.
 * @shopify/shopify-api's sanitizeHost accepts it when the decoded hostname ends in .shopify.com.
 */
export function hostParam(shop: string): string {
  return Buffer.from(`admin.shopify.com/store/${shopName(shop)}`, "utf8").toString("base64").replace(/=+$/, "");
}

/**
 * HMAC over the query the way Shopify signs admin loads (and @shopify/shopify-api's validateHmac checks it):
 * every parameter but `hmac`, keys sorted, URL-encoded with %20 for spaces, SHA-256 with the API secret, hex.
 */
export function signQuery(params: URLSearchParams, apiSecret: string): string {
  const sorted = new URLSearchParams();
  [...params.keys()]
    .filter((key, index, keys) => key !== "hmac" && key !== "signature" && keys.indexOf(key) === index)
    .sort((a, b) => a.localeCompare(b))
    .forEach((key) => sorted.append(key, params.get(key) ?? ""));
  const message = sorted.toString().replace(/\+/g, "%20");
  return createHmac("sha256", apiSecret).update(message).digest("hex");
}

export interface FrameUrlInput {
  appUrl: string;
  apiSecret: string;
  shop: string;
  /** The app path with its own query, e.g. `/app/settings?tab=2`. */
  appPath: string;
  idToken: string;
  now?: Date;
}

/**
 * The URL Shopify admin puts in the app iframe: the app path plus `embedded=1`, `host`, `id_token`, `locale`,
 * `shop`, `timestamp` and an `hmac` over them. Embedded parameters already in the path are replaced, so a copied
 * shell URL never carries a stale token into the app.
 */
export function buildFrameUrl(input: FrameUrlInput): string {
  const base = new URL(input.appUrl);
  const appPath = input.appPath.startsWith("/") ? input.appPath : `/${input.appPath}`;
  const prefix = base.pathname.replace(/\/+$/, "");
  const target = new URL(prefix + appPath, base.origin);
  for (const name of EMBEDDED_PARAMS) target.searchParams.delete(name);
  const timestamp = Math.floor((input.now ?? new Date()).getTime() / 1000).toString();
  target.searchParams.set("embedded", "1");
  target.searchParams.set("host", hostParam(input.shop));
  target.searchParams.set("id_token", input.idToken);
  target.searchParams.set("locale", "en");
  target.searchParams.set("shop", input.shop);
  target.searchParams.set("timestamp", timestamp);
  target.searchParams.set("hmac", signQuery(target.searchParams, input.apiSecret));
  return target.href;
}
