/**
 * Every event type Syncline sends to the platform. Producers (the sync issues) emit only these, so the platform's
 * documentation and the activity log's filters have one list to follow. Names are Standard Webhooks style:
 * hierarchical, full-stop delimited, [a-z_] only.
 */
export const EVENT_TYPES = [
  "purchase.registered",
  "purchase.mismatch",
  "refund.created",
  "consent.changed",
  "catalog.exported",
  // Sent from Settings so the merchant can check the wiring; carries no shop data beyond the shop's domain.
  "connection.test",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** The activity log files platform calls under the sync they belong to, so its sync filter finds them. */
export function syncOfEventType(type: string): "purchases" | "consent" | "catalog" | null {
  if (type.startsWith("purchase.") || type.startsWith("refund.")) return "purchases";
  if (type.startsWith("consent.")) return "consent";
  if (type.startsWith("catalog.")) return "catalog";
  return null;
}
