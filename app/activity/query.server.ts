import { z } from "zod";

import type { PrismaClient } from "~/db.server";
import { redactPii } from "~/logger.server";
import { SYNC_PAGES, SYNC_SWITCHES, findSwitch } from "~/syncs/definitions";
import { parseShopifyJson } from "~/webhooks/json";
import { PROBLEM_STATUSES } from "~/components/activity/status";

/**
 * What the activity log page reads: filters from the URL, one page of entries (newest first, cursor-paged so new
 * rows do not shift the pages), one entry in detail, and the health banner's facts. Every query names the shop.
 */

export const RANGES = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;
export type Range = keyof typeof RANGES;

const filtersSchema = z.object({
  sync: z.enum(["all", "none", ...SYNC_SWITCHES.map((s) => s.key)] as [string, ...string[]]).catch("all"),
  direction: z.enum(["all", "in", "out", "internal"]).catch("all"),
  status: z.enum(["all", "problems", "ok"]).catch("all"),
  range: z.enum(["hour", "day", "week"]).catch("day"),
  cursor: z.string().regex(/^\d{13}_[\w-]+$/).optional().catch(undefined),
});

export type ActivityFilters = z.infer<typeof filtersSchema>;

export { PROBLEM_STATUSES };

export function parseActivityFilters(params: URLSearchParams): ActivityFilters {
  return filtersSchema.parse(Object.fromEntries(params));
}

/** The Prisma where-clause for a page of the shop's log. Pure, so every filter combination is unit-tested. */
export function activityWhere(shop: string, filters: ActivityFilters, now: Date) {
  const and: object[] = [{ shop }, { createdAt: { gte: new Date(now.getTime() - RANGES[filters.range]) } }];
  if (filters.sync === "none") and.push({ sync: null });
  else if (filters.sync !== "all") and.push({ sync: filters.sync });
  if (filters.direction !== "all") and.push({ direction: filters.direction });
  if (filters.status === "problems") and.push({ status: { in: PROBLEM_STATUSES } });
  if (filters.status === "ok") and.push({ status: { notIn: PROBLEM_STATUSES } });
  if (filters.cursor) {
    const [millis, id] = filters.cursor.split("_");
    const at = new Date(Number(millis));
    and.push({ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: id } }] });
  }
  return { AND: and };
}

export const PAGE_SIZE = 50;

export async function listActivity(db: PrismaClient, shop: string, filters: ActivityFilters, now = new Date()) {
  const rows = await db.activityLog.findMany({
    where: activityWhere(shop, filters, now),
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: PAGE_SIZE + 1,
    select: { id: true, createdAt: true, direction: true, kind: true, sync: true, name: true, status: true, durationMs: true, reference: true },
  });
  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  return {
    entries: page.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
    nextCursor: rows.length > PAGE_SIZE && last ? `${last.createdAt.getTime()}_${last.id}` : null,
  };
}

/** One entry with everything we hold about it; payloads are redacted again on the way out, whatever wrote them. */
export async function getActivityEntry(db: PrismaClient, shop: string, id: string) {
  const entry = await db.activityLog.findFirst({ where: { id, shop } });
  if (!entry) return null;
  const delivery =
    entry.kind === "webhook" && entry.reference
      ? await db.webhookDelivery.findFirst({
          where: { shop, webhookId: entry.reference },
          select: { topic: true, status: true, error: true, receivedAt: true, processedAt: true, payload: true, triggeredAt: true },
        })
      : null;
  return {
    ...entry,
    createdAt: entry.createdAt.toISOString(),
    detail: prettyRedacted(entry.detail),
    replayable: entry.kind === "platform" && !!entry.reference,
    delivery: delivery && {
      topic: delivery.topic,
      status: delivery.status,
      error: delivery.error,
      receivedAt: delivery.receivedAt.toISOString(),
      processedAt: delivery.processedAt?.toISOString() ?? null,
      triggeredAt: delivery.triggeredAt?.toISOString() ?? null,
      payload: prettyRedacted(delivery.payload),
    },
  };
}

function prettyRedacted(json: string): string {
  try {
    const redacted = redactPii(parseShopifyJson(json));
    return JSON.stringify(redacted, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
  } catch {
    return "(not JSON: not shown)";
  }
}

/** "Failed repeatedly": this many problem entries for one sync within the window. */
export const FAILING_THRESHOLD = 3;
export const FAILING_WINDOW_MS = 3_600_000;

export function failingSyncs(counts: { sync: string | null; failures: number }[]): { sync: string; failures: number }[] {
  return counts
    .filter((c): c is { sync: string; failures: number } => c.sync !== null && c.failures >= FAILING_THRESHOLD)
    .sort((a, b) => b.failures - a.failures);
}

/** The facts behind the banner shown on every page: cheap (indexed on shop + createdAt), one round trip each. */
export async function loadHealth(db: PrismaClient, shop: string, now = new Date()) {
  const [grouped, settings, shopRow] = await Promise.all([
    db.activityLog.groupBy({
      by: ["sync"],
      where: { shop, createdAt: { gte: new Date(now.getTime() - FAILING_WINDOW_MS) }, status: { in: PROBLEM_STATUSES }, sync: { not: null } },
      _count: { _all: true },
    }),
    db.syncSetting.findMany({ where: { shop, status: "revoked" }, select: { sync: true, lastError: true } }),
    db.shop.findUnique({ where: { shop }, select: { needsReauth: true } }),
  ]);
  const title = (key: string) => findSwitch(key)?.title ?? key;
  const pagePath = (key: string) => SYNC_PAGES.find((p) => p.key === findSwitch(key)?.page)?.path ?? "/app";
  return {
    failing: failingSyncs(grouped.map((g) => ({ sync: g.sync, failures: g._count._all }))).map((f) => ({
      ...f,
      title: title(f.sync),
      path: pagePath(f.sync),
    })),
    revoked: settings.map((s) => ({ sync: s.sync, title: title(s.sync), path: pagePath(s.sync), message: s.lastError })),
    needsReauth: shopRow?.needsReauth ?? false,
  };
}

export type Health = Awaited<ReturnType<typeof loadHealth>>;
