/**
 * The activity log's status words, as the writers use them (webhook intake and processing, the Admin API client,
 * platform event delivery, the job runner), sorted into what they mean to the merchant. Client-safe: the server
 * filters and the health rule use the same lists the badges are coloured by.
 */

/** Gave up or was refused: admin_api error | user_errors | unauthorized | throttled (retries exhausted), platform
 * failed, webhook failed, job dead, health check error. */
export const FAILED_STATUSES = ["failed", "error", "dead", "unauthorized", "user_errors", "throttled"];
/** One attempt failed and another is scheduled: job retry, platform retrying. */
export const RETRYING_STATUSES = ["retry", "retrying"];
/** Everything the health rule counts as a failure: a failed attempt is a failure even when it will be retried. */
export const PROBLEM_STATUSES = [...FAILED_STATUSES, ...RETRYING_STATUSES];

const GOOD = new Set(["ok", "processed", "delivered", "received"]);

export type StatusGroup = "failed" | "retrying" | "ok";

export function statusGroup(status: string): StatusGroup {
  if (FAILED_STATUSES.includes(status)) return "failed";
  if (RETRYING_STATUSES.includes(status)) return "retrying";
  return "ok";
}

/** The Badge tone of an activity status: failures critical, retries warning, successes success, the rest plain. */
export function statusTone(status: string): "success" | "critical" | "warning" | undefined {
  const group = statusGroup(status);
  if (group === "failed") return "critical";
  if (group === "retrying") return "warning";
  if (GOOD.has(status)) return "success";
  return undefined; // duplicate, ignored: nothing happened, nothing went wrong
}

const STATUS_LABEL: Record<string, string> = {
  ok: "OK",
  dead: "Gave up",
  retry: "Will retry",
  retrying: "Will retry",
  user_errors: "Refused by Shopify",
  unauthorized: "Access rejected",
  throttled: "Rate limited",
};

export function statusLabel(status: string): string {
  if (STATUS_LABEL[status]) return STATUS_LABEL[status];
  const words = status.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const DIRECTION_LABEL: Record<string, string> = { in: "Received", out: "Sent", internal: "Internal" };
export const KIND_LABEL: Record<string, string> = {
  webhook: "Webhook",
  admin_api: "Shopify Admin API",
  platform: "Platform event",
  job: "Job",
};

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return "—";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
}
