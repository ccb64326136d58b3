import { readFile } from "node:fs/promises";
import path from "node:path";

import { parseAppConfig } from "../config";

export interface ScopeConfig {
  required: string[];
  optional: string[];
}

export interface ScopesDetail {
  granted: string[];
  required: string[];
  optional: string[];
}

// What the merchant reads on the grant screen. Resources not listed fall back to their handle in words.
const RESOURCE_NAMES: Record<string, string> = {
  all_orders: "all orders",
  analytics: "analytics",
  assigned_fulfillment_orders: "fulfillment orders assigned to the app",
  checkouts: "checkouts",
  content: "blog posts and pages",
  customer_events: "customer events",
  customers: "customers",
  discounts: "discounts",
  draft_orders: "draft orders",
  files: "files",
  fulfillments: "fulfillments",
  gift_cards: "gift cards",
  inventory: "inventory",
  locales: "languages",
  locations: "locations",
  marketing_events: "marketing events",
  markets: "markets",
  merchant_managed_fulfillment_orders: "merchant-managed fulfillment orders",
  metaobject_definitions: "metaobject definitions",
  metaobjects: "metaobjects",
  order_edits: "order edits",
  orders: "orders",
  pixels: "web pixels",
  price_rules: "price rules",
  product_listings: "product listings",
  products: "products",
  publications: "sales channels",
  reports: "reports",
  returns: "returns",
  script_tags: "script tags",
  shipping: "shipping",
  themes: "themes",
  third_party_fulfillment_orders: "third-party fulfillment orders",
  translations: "translations",
};

export function scopeLabel(scope: string): string {
  const match = /^(read|write)_(.+)$/.exec(scope);
  if (!match) return scope;
  const resource = RESOURCE_NAMES[match[2]] ?? match[2].replace(/_/g, " ");
  return `${match[1] === "read" ? "View" : "Edit"} ${resource}`;
}

/** Comma-separated scope list as Shopify sends it (`read_orders,write_customers`), trimmed and de-duplicated. */
export function parseScopeList(value: string | null | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(",").map((s) => s.trim()).filter((s) => s.length > 0))];
}

/** Shopify treats write_X as including read_X. */
export function hasScope(granted: readonly string[], scope: string): boolean {
  if (granted.includes(scope)) return true;
  const read = /^read_(.+)$/.exec(scope);
  return read !== null && granted.includes(`write_${read[1]}`);
}

export function missingScopes(granted: readonly string[], requested: readonly string[]): string[] {
  return requested.filter((scope) => !hasScope(granted, scope));
}

/**
 * The app's declared scopes: from the context if given, else from [access_scopes] of shopify.app.toml in the
 * working directory (read on each call, so an edited toml takes effect without a restart).
 */
export async function loadScopeConfig(explicit: ScopeConfig | undefined, cwd = process.cwd()): Promise<ScopeConfig | undefined> {
  if (explicit) return explicit;
  let text: string;
  try {
    text = await readFile(path.join(cwd, "shopify.app.toml"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const config = parseAppConfig(text);
  return { required: config.requiredScopes, optional: config.optionalScopes };
}

/**
 * Scopes an app may ask for: the declared ones. When the app's declaration is unknown (no toml and none given),
 * nothing is rejected, because the simulator then cannot tell.
 */
export function undeclaredScopes(config: ScopeConfig | undefined, requested: readonly string[]): string[] {
  if (!config) return [];
  const declared = [...config.required, ...config.optional];
  return requested.filter((scope) => !hasScope(declared, scope));
}
