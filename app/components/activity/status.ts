/** Statuses that mean something went wrong, whoever wrote them (intake, jobs, Admin API client, events). */
export const PROBLEM_STATUSES = ["failed", "error", "dead", "retry", "retrying", "throttled", "unauthorized", "user_errors"];

const WAITING = new Set(["retry", "retrying", "throttled"]);
const GOOD = new Set(["ok", "processed", "delivered", "received"]);

/** The Badge tone of an activity status: problems critical, waits warning, successes success. */
export function statusTone(status: string): "success" | "critical" | "warning" | undefined {
  if (WAITING.has(status)) return "warning";
  if (PROBLEM_STATUSES.includes(status)) return "critical";
  if (GOOD.has(status)) return "success";
  return undefined;
}

export const DIRECTION_LABEL: Record<string, string> = { in: "Received", out: "Sent", internal: "Internal" };
export const KIND_LABEL: Record<string, string> = {
  webhook: "Webhook",
  admin_api: "Shopify Admin API",
  platform: "Platform event",
  job: "Job",
};
