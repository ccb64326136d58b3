import type { SyncSwitchKey, WebhookTopic } from "~/syncs/definitions";

/**
 * What the settings pages say to the merchant about scopes, topics and times. Pure and client-safe; the same
 * strings render on the server and in the browser, so nothing here may depend on the viewer's locale or clock.
 */

export { permissionLabel, permissionList } from "~/syncs/scopes";

// Why a sync cannot work without a permission, shown when the merchant declines it.
const SCOPE_REASONS: Partial<Record<SyncSwitchKey, Record<string, string>>> = {
  purchases: {
    read_orders: "to receive each order and refund as it happens and register it with your platform",
    write_pixels: "to add the checkout pixel that reports each purchase from the shopper's browser",
    read_customer_events: "to let that pixel receive the checkout-completed event it reports",
  },
  consent_email: {
    read_customers: "to read each customer's email marketing consent",
    write_customers: "to write consent changes made on your platform back to Shopify",
  },
  consent_sms: {
    read_customers: "to read each customer's SMS marketing consent",
    write_customers: "to write consent changes made on your platform back to Shopify",
  },
  catalog: {
    read_products: "to read your products and variants for the feed",
    read_inventory: "to include stock levels in the feed",
  },
};

export function scopeReason(key: SyncSwitchKey, scope: string): string {
  return SCOPE_REASONS[key]?.[scope] ?? "to receive and send this sync's data";
}

const TOPIC_LABELS: Record<WebhookTopic, string> = {
  ORDERS_CREATE: "Order created",
  ORDERS_UPDATED: "Order updated",
  REFUNDS_CREATE: "Refund created",
  CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE: "Email consent changed",
  CUSTOMERS_MARKETING_CONSENT_UPDATE: "SMS consent changed",
  PRODUCTS_CREATE: "Product created",
  PRODUCTS_UPDATE: "Product updated",
  PRODUCTS_DELETE: "Product deleted",
  COLLECTIONS_UPDATE: "Collection updated",
  INVENTORY_LEVELS_UPDATE: "Inventory level changed",
};

export function topicLabel(topic: string): string {
  return TOPIC_LABELS[topic as WebhookTopic] ?? topic.toLowerCase().replace(/_/g, " ");
}

// Fixed locale and time zone: the server renders first and the browser hydrates the same text.
const ABSOLUTE = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

export function absoluteTime(iso: string): string {
  return `${ABSOLUTE.format(new Date(iso))} UTC`;
}

const RELATIVE = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];

/**
 * "just now", "5 minutes ago", "yesterday", relative to `now` (the loader's clock, not the browser's: both
 * renders must agree, and a page refreshed by revalidation gets a new `now`).
 */
export function relativeTime(iso: string, now: string): string {
  const seconds = Math.round((new Date(iso).getTime() - new Date(now).getTime()) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size || unit === "minute") {
      return RELATIVE.format(Math.round(seconds / size), unit);
    }
  }
  return "just now";
}
