/**
 * Browser/server reconciliation, the pure part: how a browser report is compared with the registered order, which
 * orders expect a report at all, how order names are matched, and what a purchase.mismatch carries. The database
 * side (matching, flags, the grace-period job, events) is reconcile.server.ts; the rules are in the README.
 */
import { fromMinor, toMinor } from "./money";

export type MismatchFieldName = "total" | "currency" | "email" | "itemCount" | "browser" | "server";

/** One entry of Purchase.mismatchFields: what the server registered and what the browser reported. */
export interface MismatchField {
  field: MismatchFieldName;
  server: string | number | null;
  browser: string | number | null;
}

export type MismatchKind = "differs" | "browser_missing" | "server_missing";

/** The one mismatch a purchase without a browser report gets once the grace period is over. */
export const BROWSER_MISSING: readonly MismatchField[] = [{ field: "browser", server: "present", browser: "missing" }];
/** Purchase.mismatchFields of a browser-missing flag, exactly as stored (mismatchCounts compares the text). */
export const BROWSER_MISSING_JSON = JSON.stringify(BROWSER_MISSING);

/** The registered order, as far as the comparison needs it (a Purchase row has these columns). */
export interface ServerSide {
  currency: string;
  totalPrice: string;
  presentmentCurrency: string | null;
  presentmentTotal: string | null;
  email: string | null;
  /** Purchase.lineItems (JSON) or the parsed lines. */
  lineItems: string | { quantity: number }[];
}

/** The browser report, as far as the comparison needs it (a BrowserPurchase row has these columns). */
export interface BrowserSide {
  totalPrice: string;
  currency: string;
  email: string | null;
  itemCount: number;
  /** BrowserPurchase.lineItems (JSON) or the parsed lines; only variantId and quantity are read. */
  lineItems?: string | { variantId?: string | null; quantity: number }[];
}

type Line = { variantId?: string | null; quantity: number };

function linesOf(lineItems: string | Line[] | undefined): Line[] {
  if (lineItems === undefined) return [];
  try {
    return typeof lineItems === "string" ? (JSON.parse(lineItems) as Line[]) : lineItems;
  } catch {
    return [];
  }
}

/**
 * Whether the order holds everything the checkout reported plus more: what a post-purchase upsell does. Shopify
 * fires checkout_completed before the post-purchase page, so an accepted offer adds lines (and money) to the order
 * after the browser reported it. True when each reported variant is in the order with at least the reported
 * quantity and the order has more items; a report without variant ids (or with a line the order lacks) proves
 * nothing and is compared as usual.
 */
export function isUpsellOf(server: ServerSide, browser: BrowserSide): boolean {
  const reported = linesOf(browser.lineItems);
  if (reported.length === 0 || reported.some((line) => !line.variantId)) return false;
  // A report capped at its first lines (the pixel sends at most 100) cannot prove the rest.
  if (reported.reduce((sum, line) => sum + line.quantity, 0) !== browser.itemCount) return false;
  const inOrder = new Map<string, number>();
  for (const line of linesOf(server.lineItems as string | Line[])) {
    if (line.variantId) inOrder.set(String(line.variantId), (inOrder.get(String(line.variantId)) ?? 0) + line.quantity);
  }
  const wanted = new Map<string, number>();
  for (const line of reported) wanted.set(String(line.variantId), (wanted.get(String(line.variantId)) ?? 0) + line.quantity);
  for (const [variantId, quantity] of wanted) if ((inOrder.get(variantId) ?? 0) < quantity) return false;
  return serverItemCount(server.lineItems) > browser.itemCount;
}

export function serverItemCount(lineItems: ServerSide["lineItems"]): number {
  const lines = typeof lineItems === "string" ? (JSON.parse(lineItems) as { quantity: number }[]) : lineItems;
  return lines.reduce((total, line) => total + line.quantity, 0);
}

const money = (amount: string) => fromMinor(toMinor(amount));
const normalEmail = (email: string | null) => {
  const trimmed = email?.trim().toLowerCase();
  return trimmed ? trimmed : null;
};

/**
 * The fields on which a browser report and the registered order disagree; empty when they agree.
 *
 * - **currency**: the browser reports the checkout's currency, which is the order's presentment currency (or its
 *   shop currency when the buyer paid in it). Either one agrees.
 * - **total**: compared as money ("10.0" = "10.00") in the currency the browser reported: the presentment total
 *   when that is the browser's currency, else the shop total; against the presentment total when the currency
 *   itself differs (that is what the checkout showed).
 * - **email**: trimmed and case-insensitive, and only when both sides have one. Shopify withholds customer PII from a
 *   pixel (and from webhooks) without protected-customer-data access or customer consent, and a phone-only checkout
 *   has none: a side without an email is missing data, not a different customer.
 * - **itemCount**: the sum of line quantities.
 * - **upsell**: a larger total and more items are no mismatch when the order holds every reported line
 *   (`isUpsellOf`): a post-purchase offer accepted after the checkout reported.
 */
export function compareReport(server: ServerSide, browser: BrowserSide): MismatchField[] {
  const fields: MismatchField[] = [];
  const browserCurrency = browser.currency.trim().toUpperCase();
  const shopCurrency = server.currency.trim().toUpperCase();
  const presentmentCurrency = server.presentmentCurrency?.trim().toUpperCase() || null;
  const inPresentment = presentmentCurrency === browserCurrency && server.presentmentTotal !== null;
  const inShop = shopCurrency === browserCurrency;
  if (!inPresentment && !inShop) {
    fields.push({ field: "currency", server: presentmentCurrency ?? shopCurrency, browser: browserCurrency });
  }
  const serverTotal = money(inPresentment || (!inShop && server.presentmentTotal !== null) ? server.presentmentTotal! : server.totalPrice);
  const browserTotal = money(browser.totalPrice);
  // An accepted upsell explains a larger total and more items; a smaller order total is still a mismatch.
  const upsell = isUpsellOf(server, browser) && toMinor(serverTotal) > toMinor(browserTotal);
  if (serverTotal !== browserTotal && !upsell) fields.push({ field: "total", server: serverTotal, browser: browserTotal });
  const serverEmail = normalEmail(server.email);
  const browserEmail = normalEmail(browser.email);
  if (serverEmail && browserEmail && serverEmail !== browserEmail) {
    fields.push({ field: "email", server: server.email!.trim(), browser: browser.email!.trim() });
  }
  const serverCount = serverItemCount(server.lineItems);
  if (serverCount !== browser.itemCount && !upsell) fields.push({ field: "itemCount", server: serverCount, browser: browser.itemCount });
  return fields;
}

/**
 * Whether a registered order should have a browser report, so that its absence after the grace period is a
 * mismatch. Only online-store checkouts (`source_name` "web") run the web pixel's checkout_completed; POS, draft
 * orders, subscription renewals and other channels (Shop app, marketplaces, apps) have no storefront checkout. Test
 * orders and excluded orders are never forwarded, and an order created before the pixel was installed
 * (`pixelSince`: when the purchase switch last turned on; a backfill or catch-up registers older orders) cannot
 * have been reported. A report that arrives for an order that did not expect one is still matched and compared.
 */
export function expectsBrowserReport(
  purchase: { sourceName: string | null; test: boolean; excludedReason: string | null; orderCreatedAt: Date },
  pixelSince: Date | null,
): boolean {
  if (!pixelSince) return false;
  if (purchase.sourceName?.trim().toLowerCase() !== "web") return false;
  if (purchase.test || purchase.excludedReason) return false;
  return purchase.orderCreatedAt.getTime() >= pixelSinceSecond(pixelSince).getTime();
}

/** Shopify's order timestamps have whole seconds: an order of the same second as the switch counts as after it. */
export function pixelSinceSecond(pixelSince: Date): Date {
  return new Date(Math.floor(pixelSince.getTime() / 1000) * 1000);
}

/** `#1001`, `1001`, ` # 1001 ` → "1001"; a name with any other text (a custom prefix or suffix) → null. */
export function orderNumberOf(name: string): string | null {
  const match = /^#?\s*0*(\d{1,20})$/.exec(name.trim());
  return match ? match[1] : null;
}

/**
 * The BrowserPurchase.orderName values that name this order: its name as Shopify formats it ("#1001", or
 * "SHOP-1001-X" with a custom prefix/suffix), and its bare number with and without "#", which is what older
 * storefront integrations send.
 */
export function orderNameCandidates(purchase: { orderName: string | null; orderNumber: string | null }): string[] {
  const names = new Set<string>();
  if (purchase.orderName?.trim()) names.add(purchase.orderName.trim());
  const number = purchase.orderNumber ?? (purchase.orderName ? orderNumberOf(purchase.orderName) : null);
  if (number) {
    names.add(number);
    names.add(`#${number}`);
  }
  return [...names];
}

/** What kind of mismatch a Purchase.mismatchFields value records. */
export function mismatchKindOf(fields: readonly MismatchField[]): Exclude<MismatchKind, "server_missing"> {
  return fields.length === 1 && fields[0].field === "browser" ? "browser_missing" : "differs";
}

/** Purchase.mismatchFields as stored (JSON text) → entries; anything unreadable → []. */
export function parseMismatchFields(json: string | null | undefined): MismatchField[] {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json) as unknown;
    return Array.isArray(parsed) ? (parsed as MismatchField[]) : [];
  } catch {
    return [];
  }
}

/** The registered side of a purchase.mismatch event. */
export interface MismatchServerSnapshot {
  totalPrice: string;
  currency: string;
  presentmentTotalPrice: string | null;
  presentmentCurrency: string | null;
  email: string | null;
  itemCount: number;
  sourceName: string | null;
}

/** The browser side of a purchase.mismatch event. */
export interface MismatchBrowserSnapshot {
  eventId: string;
  totalPrice: string;
  currency: string;
  email: string | null;
  itemCount: number;
  occurredAt: string;
  receivedAt: string;
}

/**
 * The `data` of purchase.mismatch. `fields` names what differs ("browser" / "server" when that side is missing);
 * the values of both sides are in `server` and `browser`, where each email sits under an `email` key, so the
 * activity log's redaction and customers/redact find it like any other email.
 */
export interface PurchaseMismatchEventData {
  kind: MismatchKind;
  orderId: string | null;
  orderName: string | null;
  fields: MismatchFieldName[];
  server: MismatchServerSnapshot | null;
  browser: MismatchBrowserSnapshot | null;
  detectedAt: string;
}
