import type { PurchaseOptions } from "./options";

export type PurchaseStatus = "pending_delay" | "registered" | "excluded" | "refunded";

/** Why an order is not forwarded, or null. Reasons are stable strings the Purchases page can show and filter on. */
export function exclusionReason(
  order: { sourceName: string | null; tags: string; test: boolean },
  options: PurchaseOptions,
): string | null {
  if (order.test && options.skipTestOrders) return "test_order";
  const source = order.sourceName?.trim().toLowerCase();
  if (source && options.excludedSources.some((s) => s.trim().toLowerCase() === source)) return `source:${order.sourceName}`;
  const tags = splitTags(order.tags).map((t) => t.toLowerCase());
  const tag = options.excludedTags.find((t) => tags.includes(t.trim().toLowerCase()));
  if (tag) return `tag:${tag}`;
  return null;
}

/** Shopify sends tags as one comma-separated string ("vip, wholesale"). */
export function splitTags(tags: string): string[] {
  return tags
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/**
 * The status shown for a purchase. Exclusion wins (it is never forwarded); a full refund wins over registered and
 * pending; a purchase is registered once forwarded. Reconciliation mismatches are a separate flag, not a status.
 */
export function purchaseStatus(row: {
  excludedReason: string | null;
  refundedAt: Date | null;
  forwardedAt: Date | null;
}): PurchaseStatus {
  if (row.excludedReason) return "excluded";
  if (row.refundedAt) return "refunded";
  if (row.forwardedAt) return "registered";
  return "pending_delay";
}
