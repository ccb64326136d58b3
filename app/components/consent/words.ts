/** How the consent page words Shopify's states and the push's outcomes. */
export const STATE_LABELS: Record<string, string> = {
  SUBSCRIBED: "Subscribed",
  UNSUBSCRIBED: "Unsubscribed",
  PENDING: "Pending confirmation",
  NOT_SUBSCRIBED: "Never subscribed",
  REDACTED: "Redacted",
  INVALID: "Invalid address",
};

export const OUTCOME_LABELS: Record<string, string> = {
  applied: "Applied",
  stale: "Skipped: Shopify has a newer decision",
  superseded: "Skipped: a newer decision came",
  failed: "Failed",
  pending: "Waiting",
  applying: "Being applied",
};

export const CHANNEL_LABELS: Record<string, string> = { email: "Email", sms: "SMS" };

export const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export function when(iso: string | null): string {
  return iso ? `${timeFormat.format(new Date(iso))} UTC` : "—";
}
