import type { Db } from "~/db.server";
import { redactPii } from "~/logger.server";

export type ActivityDirection = "in" | "out" | "internal";
export type ActivityKind = "webhook" | "admin_api" | "platform" | "job";

export interface ActivityEntry {
  shop: string;
  direction: ActivityDirection;
  kind: ActivityKind;
  name: string;
  status: string;
  sync?: string | null;
  durationMs?: number | null;
  reference?: string | null;
  detail?: unknown;
}

/** One row in the activity log. `detail` is PII-redacted here, so callers cannot forget to. */
export async function recordActivity(db: Db, entry: ActivityEntry): Promise<void> {
  await db.activityLog.create({
    data: {
      shop: entry.shop,
      direction: entry.direction,
      kind: entry.kind,
      name: entry.name,
      status: entry.status,
      sync: entry.sync ?? null,
      durationMs: entry.durationMs == null ? null : Math.round(entry.durationMs),
      reference: entry.reference ?? null,
      detail: JSON.stringify(redactPii(entry.detail ?? {}), (_k, v) =>
        typeof v === "bigint" ? v.toString() : v,
      ),
    },
  });
}
