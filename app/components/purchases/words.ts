/**
 * What the Purchases pages say about a purchase: status, sales channel, exclusion reason, mismatch fields, money.
 * Pure and client-safe; the same text renders on the server and in the browser.
 */
import type { PurchaseStatus } from "~/purchases/rules";

type Tone = "success" | "info" | "attention" | "warning" | "critical" | undefined;

export const STATUS_BADGE: Record<PurchaseStatus, { label: string; tone: Tone }> = {
  registered: { label: "Registered", tone: "success" },
  pending_delay: { label: "Waiting", tone: "info" },
  excluded: { label: "Excluded", tone: undefined },
  refunded: { label: "Refunded", tone: "warning" },
};

export function statusBadge(status: string): { label: string; tone: Tone } {
  return STATUS_BADGE[status as PurchaseStatus] ?? { label: status, tone: undefined };
}

const SOURCE_LABELS: Record<string, string> = {
  web: "Online Store",
  pos: "Point of Sale",
  shopify_draft_order: "Draft order",
  subscription_contract: "Subscription",
  iphone: "Shopify app (iPhone)",
  android: "Shopify app (Android)",
};

/** Shopify's `source_name` in words: known channels by name, an app by its id, anything else as sent. */
export function sourceLabel(source: string | null): string {
  if (!source) return "Unknown";
  const known = SOURCE_LABELS[source.toLowerCase()];
  if (known) return known;
  return /^\d+$/.test(source) ? `App ${source}` : source;
}

/** Why a purchase was not forwarded, from the stable reason strings of app/purchases/rules.ts and the service. */
export function exclusionReasonText(reason: string | null): string | null {
  if (!reason) return null;
  if (reason === "test_order") return "Test order (your options skip test orders)";
  if (reason === "sync_off") return "Purchase sync was off when the upsell delay ended";
  if (reason.startsWith("source:")) return `Sales channel “${sourceLabel(reason.slice("source:".length))}” is excluded`;
  if (reason.startsWith("tag:")) return `Tag “${reason.slice("tag:".length)}” is excluded`;
  return reason;
}

const MISMATCH_FIELD_LABELS: Record<string, string> = {
  total: "Total",
  totalprice: "Total",
  amount: "Total",
  currency: "Currency",
  email: "Email",
  items: "Items",
  lineitems: "Items",
  itemcount: "Number of items",
  browser: "Storefront report",
  server: "Shopify order",
};

export function mismatchFieldLabel(field: string): string {
  return MISMATCH_FIELD_LABELS[field.toLowerCase().replace(/[^a-z]/g, "")] ?? field;
}

/** A side of a mismatch as text: "—" for missing. Objects arrive already printed (query.server.ts). */
export function mismatchValue(value: string | null): string {
  return value === null || value === "" ? "—" : value;
}

/** One line for the list: "Total: 25.00 ≠ 20.00", or what is missing. */
export function mismatchSummary(fields: { field: string; server: string | null; browser: string | null }[]): string {
  return fields
    .map((f) => {
      const key = f.field.toLowerCase();
      if (key === "browser") return "The storefront did not report it";
      if (key === "server") return "Shopify did not send it";
      return `${mismatchFieldLabel(f.field)}: ${mismatchValue(f.server)} in Shopify, ${mismatchValue(f.browser)} in the storefront`;
    })
    .join("; ");
}

/** "25.00 EUR". Amounts stay the decimal strings Shopify sent: nothing goes through a float. */
export function money(amount: string | null, currency: string | null): string {
  if (amount === null) return "—";
  return currency ? `${amount} ${currency}` : amount;
}

export function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString("en")} ${count === 1 ? one : many}`;
}
