/**
 * The report the pixel posts for one checkout_completed event: a pure function of the event, so the app's tests
 * run it against Shopify-shaped events (tests/purchases/pixel.test.ts) and check it against the endpoint's schema.
 *
 * No import from @shopify/web-pixels-extension here: the types below are the subset of Shopify's
 * `checkout_completed` event this file reads (https://shopify.dev/docs/api/web-pixels-api/standard-events/checkout_completed),
 * structurally compatible with the package's own.
 */

export interface MoneyV2 {
  amount: number;
  currencyCode: string;
}

export interface CheckoutLineItem {
  id?: string | null;
  quantity: number;
  title?: string | null;
  finalLinePrice?: MoneyV2 | null;
  variant?: {
    id?: string | null;
    sku?: string | null;
    title?: string | null;
    price?: MoneyV2 | null;
    product?: { id?: string | null; title?: string | null } | null;
  } | null;
}

export interface Checkout {
  currencyCode?: string | null;
  email?: string | null;
  lineItems?: CheckoutLineItem[] | null;
  /** `gid://shopify/OrderIdentity/<id>` on most shops, `gid://shopify/Order/<id>` or the bare id on some. */
  order?: { id?: string | null; customer?: { id?: string | null; isFirstOrder?: boolean | null } | null } | null;
  token?: string | null;
  totalPrice?: MoneyV2 | null;
}

export interface CheckoutCompletedEvent {
  id: string;
  name?: string;
  timestamp: string;
  data: { checkout?: Checkout | null };
}

/** At most this many lines are sent (a keepalive request carries at most 64 KiB); itemCount still counts them all. */
export const PIXEL_MAX_LINES = 100;
const MAX_TITLE = 200;

export interface PurchaseReportLine {
  variantId: string | null;
  productId: string | null;
  sku: string | null;
  title: string | null;
  quantity: number;
  price: string | null;
}

/** The body of POST <endpoint>; app/purchases/browser-report.ts is its schema on the app's side. */
export interface PurchaseReport {
  v: 1;
  shop: string;
  eventId: string;
  occurredAt: string;
  orderId: string | null;
  /** checkout_completed carries no order name; kept in the shape for integrations that send only the number. */
  orderName: string | null;
  checkoutToken: string | null;
  totalPrice: string;
  currency: string;
  email: string | null;
  itemCount: number;
  lineItems: PurchaseReportLine[];
}

/**
 * An id's trailing digits, as a string: `gid://shopify/OrderIdentity/5000000000000000001` → "5000000000000000001".
 * The id never passes through a JS number (order ids can exceed 2^53).
 */
export function idDigits(id: string | null | undefined): string | null {
  if (typeof id !== "string") return null;
  const match = /(\d+)(?:\?.*)?$/.exec(id.trim());
  return match ? match[1] : null;
}

/** An amount as a decimal string. Shopify sends numbers; rounding to 4 places drops float noise (59.970000000000006). */
export function amountString(amount: number): string | null {
  if (!Number.isFinite(amount) || amount < 0) return null;
  const text = Number(amount.toFixed(4)).toString();
  return /e/i.test(text) ? amount.toFixed(4) : text;
}

/**
 * The report for a checkout_completed event, or null when the event cannot name an order (no order id yet) or has
 * no total: such a report could never be matched.
 */
export function buildPurchaseReport(event: CheckoutCompletedEvent, shop: string): PurchaseReport | null {
  const checkout = event.data?.checkout;
  if (!checkout) return null;
  const orderId = idDigits(checkout.order?.id);
  const total = checkout.totalPrice;
  const totalPrice = total ? amountString(total.amount) : null;
  const currency = total?.currencyCode ?? checkout.currencyCode ?? null;
  if (!orderId || totalPrice === null || !currency) return null;
  const lines = checkout.lineItems ?? [];
  return {
    v: 1,
    shop,
    eventId: event.id,
    occurredAt: event.timestamp,
    orderId,
    orderName: null,
    checkoutToken: checkout.token ?? null,
    totalPrice,
    currency,
    email: checkout.email?.trim() || null,
    itemCount: lines.reduce((sum, line) => sum + (Number.isInteger(line.quantity) && line.quantity > 0 ? line.quantity : 0), 0),
    lineItems: lines.slice(0, PIXEL_MAX_LINES).map((line) => ({
      variantId: idDigits(line.variant?.id),
      productId: idDigits(line.variant?.product?.id),
      sku: line.variant?.sku || null,
      title: (line.title ?? line.variant?.product?.title ?? null)?.slice(0, MAX_TITLE) ?? null,
      quantity: Number.isInteger(line.quantity) && line.quantity > 0 ? line.quantity : 0,
      price: line.variant?.price ? amountString(line.variant.price.amount) : null,
    })),
  };
}
