/**
 * Shopify-shaped `checkout_completed` customer events, as the web pixel's `analytics.subscribe` callback receives
 * them (https://shopify.dev/docs/api/web-pixels-api/standard-events/checkout_completed): money as JSON numbers, the
 * order as an OrderIdentity GID, variant and product ids as strings, every documented property present.
 */
import { buildPurchaseReport, type CheckoutCompletedEvent } from "../../extensions/purchase-pixel/src/payload";

export interface CheckoutFixture {
  eventId?: string;
  /** Digits; written into the GID (`gid://shopify/OrderIdentity/<id>`) unless `orderGid` is given. */
  orderId?: string;
  orderGid?: string | null;
  total?: number;
  currency?: string;
  email?: string | null;
  lines?: { variantId: string; productId: string; sku?: string; title?: string; quantity: number; price: number }[];
  timestamp?: string;
}

export function checkoutCompletedEvent(f: CheckoutFixture = {}): CheckoutCompletedEvent {
  const currency = f.currency ?? "EUR";
  const total = f.total ?? 25;
  const lines = f.lines ?? [{ variantId: "8001", productId: "7001", sku: "TEE-M", title: "T-shirt", quantity: 1, price: total }];
  const money = (amount: number) => ({ amount, currencyCode: currency });
  // Every documented property, so the builder is shown the event as Shopify sends it (not only what it reads).
  const event = {
    id: f.eventId ?? `sh-${Math.random().toString(16).slice(2)}`,
    clientId: "0a4a5c1e-1f1d-4b38-9f9c-6d6f2e1c9a11",
    name: "checkout_completed",
    seq: 7,
    timestamp: f.timestamp ?? new Date().toISOString(),
    type: "standard",
    context: {
      document: { location: { href: "https://shop.example/checkouts/cn/abc/thank-you", origin: "https://shop.example" }, referrer: "", title: "Thank you" },
      navigator: { language: "en", cookieEnabled: true, languages: ["en"], userAgent: "Mozilla/5.0" },
      window: { origin: "https://shop.example" },
    },
    data: {
      checkout: {
        attributes: [],
        billingAddress: null,
        buyerAcceptsEmailMarketing: false,
        buyerAcceptsSmsMarketing: false,
        currencyCode: currency,
        delivery: null,
        discountApplications: [],
        discountsAmount: money(0),
        email: f.email === undefined ? "ada@example.com" : f.email,
        phone: null,
        lineItems: lines.map((line, i) => ({
          id: `gid://shopify/CheckoutLineItem/${i + 1}`,
          discountAllocations: [],
          finalLinePrice: money(line.price * line.quantity),
          properties: [],
          quantity: line.quantity,
          sellingPlanAllocation: null,
          title: line.title ?? "T-shirt",
          variant: {
            id: line.variantId,
            image: { src: "https://cdn.shopify.com/tee.png" },
            price: money(line.price),
            product: { id: line.productId, title: line.title ?? "T-shirt", type: "Shirts", untranslatedTitle: "T-shirt", url: "/products/tee", vendor: "Syncline" },
            sku: line.sku ?? null,
            title: "M",
            untranslatedTitle: "M",
          },
        })),
        localization: { country: { isoCode: "DE" }, language: { isoCode: "en" }, market: { handle: "de", id: "gid://shopify/Market/1" } },
        order: f.orderGid === null ? null : { id: f.orderGid ?? `gid://shopify/OrderIdentity/${f.orderId ?? "4001"}`, customer: { id: "5001", isFirstOrder: true } },
        shippingAddress: null,
        shippingLine: { price: money(0) },
        smsMarketingPhone: null,
        subtotalPrice: money(total),
        token: "c1-7a7d8b1e5f0e4a7c",
        totalPrice: money(total),
        totalTax: money(0),
        transactions: [],
      },
    },
  };
  return event;
}

/** The report the pixel would post for that event (the extension's own builder). */
export function pixelReport(f: CheckoutFixture = {}, shop = "test-shop.myshopify.com") {
  const report = buildPurchaseReport(checkoutCompletedEvent(f), shop);
  if (!report) throw new Error("the fixture produced no report");
  return report;
}
