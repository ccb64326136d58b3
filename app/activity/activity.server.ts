import { uuidv7 } from "~/db/ids.server";

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
  const { id: _id, createdAt: _createdAt, ...data } = activityRow(entry);
  await db.activityLog.create({ data });
}

/** An ActivityLog row with every column, for writers with their own SQL (app/webhooks/delivery-writer.server.ts). */
export interface ActivityRow {
  id: string;
  shop: string;
  direction: string;
  kind: string;
  sync: string | null;
  name: string;
  status: string;
  durationMs: number | null;
  reference: string | null;
  detail: string;
  createdAt: Date;
}

export function activityRow(entry: ActivityEntry, now = new Date()): ActivityRow {
  return {
    id: uuidv7(),
    shop: entry.shop,
    direction: entry.direction,
    kind: entry.kind,
    sync: entry.sync ?? null,
    name: entry.name,
    status: entry.status,
    durationMs: entry.durationMs == null ? null : Math.round(entry.durationMs),
    reference: entry.reference ?? null,
    detail: JSON.stringify(redactPii(entry.detail ?? {}), (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
    createdAt: now,
  };
}
