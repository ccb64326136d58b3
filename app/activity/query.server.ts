import { stringify } from "lossless-json";

import type { Prisma, PrismaClient } from "~/db.server";
import { redactPii } from "~/logger.server";
import { SYNC_PAGES, findSwitch } from "~/syncs/definitions";
import { parseShopifyJson } from "~/webhooks/json";
import { FAILED_STATUSES, PROBLEM_STATUSES, RETRYING_STATUSES, type StatusGroup } from "~/components/activity/status";

import { CURSOR_PATTERN, RANGES, type ActivityFilters } from "./filters";

/**
 * What the activity log page reads: one page of entries (newest first, keyset-paged so that new rows do not shift
 * the pages), one entry in detail, and the health banner's facts. Every query names the shop.
 */

export { parseActivityFilters, RANGES, type ActivityFilters } from "./filters";
export { PROBLEM_STATUSES };

type Where = Prisma.ActivityLogWhereInput;

function statusCondition(group: StatusGroup): Where {
  if (group === "failed") return { status: { in: FAILED_STATUSES } };
  if (group === "retrying") return { status: { in: RETRYING_STATUSES } };
  // "Succeeded" is everything else, so a status word a writer adds later is never invisible to every filter.
  return { status: { notIn: PROBLEM_STATUSES } };
}

function anyOf(conditions: Where[]): Where {
  return conditions.length === 1 ? conditions[0] : { OR: conditions };
}

function parseCursor(value: string): { at: Date; id: string } {
  const match = CURSOR_PATTERN.exec(value);
  if (!match) throw new Error(`not an activity cursor: ${value}`);
  return { at: new Date(Number(match[1])), id: match[2] };
}

export function cursorOf(entry: { createdAt: Date; id: string }): string {
  return `${entry.createdAt.getTime()}_${entry.id}`;
}

/**
 * The Prisma where-clause for a page of the shop's log. Pure, so every filter combination is unit-tested. The
 * shop comes first and no filter can replace it.
 */
export function activityWhere(shop: string, filters: ActivityFilters, now: Date): { AND: Where[] } {
  const and: Where[] = [{ shop }];

  if (filters.range === "custom") {
    const createdAt: { gte?: Date; lt?: Date } = {};
    if (filters.from) createdAt.gte = new Date(`${filters.from}T00:00:00.000Z`);
    if (filters.to) createdAt.lt = new Date(Date.parse(`${filters.to}T00:00:00.000Z`) + RANGES.day);
    if (filters.from || filters.to) and.push({ createdAt });
  } else if (filters.range) {
    and.push({ createdAt: { gte: new Date(now.getTime() - RANGES[filters.range]) } });
  }

  if (filters.sync.length) {
    const named = filters.sync.filter((s) => s !== "none");
    and.push(
      anyOf([
        ...(named.length ? [{ sync: named.length === 1 ? named[0] : { in: named } }] : []),
        ...(filters.sync.includes("none") ? [{ sync: null }] : []),
      ]),
    );
  }

  if (filters.direction.length) {
    and.push({ direction: filters.direction.length === 1 ? filters.direction[0] : { in: filters.direction } });
  }

  // All three groups together are every status: no condition.
  if (filters.status.length && filters.status.length < 3) and.push(anyOf(filters.status.map(statusCondition)));

  // Keyset on (createdAt, id), the order of the list: stable whatever arrives meanwhile.
  if (filters.after) {
    const { at, id } = parseCursor(filters.after);
    and.push({ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: id } }] });
  } else if (filters.before) {
    const { at, id } = parseCursor(filters.before);
    and.push({ OR: [{ createdAt: { gt: at } }, { createdAt: at, id: { gt: id } }] });
  }

  return { AND: and };
}

export const PAGE_SIZE = 50;

export async function listActivity(db: PrismaClient, shop: string, filters: ActivityFilters, now = new Date()) {
  const backwards = !!filters.before;
  const rows = await db.activityLog.findMany({
    where: activityWhere(shop, filters, now),
    orderBy: backwards ? [{ createdAt: "asc" }, { id: "asc" }] : [{ createdAt: "desc" }, { id: "desc" }],
    take: PAGE_SIZE + 1,
    select: {
      id: true,
      createdAt: true,
      direction: true,
      kind: true,
      sync: true,
      name: true,
      status: true,
      durationMs: true,
      reference: true,
    },
  });
  const more = rows.length > PAGE_SIZE;
  const page = rows.slice(0, PAGE_SIZE);
  if (backwards) page.reverse();
  // Coming from a cursor means there is something on the side we came from.
  const hasOlder = backwards ? true : more;
  const hasNewer = backwards ? more : !!filters.after;
  const first = page[0];
  const last = page[page.length - 1];
  return {
    entries: page.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
    nextCursor: hasOlder && last ? cursorOf(last) : null,
    // On an empty page past the end there is no row to page back from; the page offers the newest entries instead.
    previousCursor: hasNewer && first ? cursorOf(first) : null,
    hasPrevious: hasNewer,
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
          select: {
            topic: true,
            apiVersion: true,
            status: true,
            error: true,
            receivedAt: true,
            processedAt: true,
            payload: true,
            triggeredAt: true,
          },
        })
      : null;
  return {
    ...entry,
    createdAt: entry.createdAt.toISOString(),
    detail: prettyRedacted(entry.detail),
    replayable: entry.kind === "platform" && !!entry.reference,
    delivery: delivery && {
      topic: delivery.topic,
      apiVersion: delivery.apiVersion,
      status: delivery.status,
      error: delivery.error,
      receivedAt: delivery.receivedAt.toISOString(),
      processedAt: delivery.processedAt?.toISOString() ?? null,
      triggeredAt: delivery.triggeredAt?.toISOString() ?? null,
      payload: prettyRedacted(delivery.payload),
    },
  };
}

/** Parsed losslessly and printed losslessly: an id above 2^53 is shown digit for digit, as a number. */
function prettyRedacted(json: string): string {
  try {
    return stringify(redactPii(parseShopifyJson(json)), null, 2) ?? "";
  } catch {
    // Whatever it holds, unparsed text cannot be redacted field by field, so none of it is shown.
    return "(not valid JSON; not shown because customer data in it could not be hidden)";
  }
}

/**
 * "Failed repeatedly": at least FAILING_THRESHOLD entries of one sync with a problem status (PROBLEM_STATUSES:
 * failed, error, dead, unauthorized, user_errors, throttled, retry, retrying) created within the last
 * FAILING_WINDOW_MS. A failed attempt counts even when it will be retried; successes in between do not cancel
 * failures, so the banner stays until the failures are an hour old. Entries without a sync (install, compliance)
 * never count.
 */
export const FAILING_THRESHOLD = 3;
export const FAILING_WINDOW_MS = 3_600_000;

export interface FailureCount {
  sync: string | null;
  failures: number;
  /** The newest of those failures, when known. */
  lastAt?: Date | null;
}

export function failingSyncs(counts: FailureCount[]): { sync: string; failures: number; lastAt: Date | null }[] {
  return counts
    .filter((c): c is FailureCount & { sync: string } => c.sync !== null && c.failures >= FAILING_THRESHOLD)
    .map((c) => ({ sync: c.sync, failures: c.failures, lastAt: c.lastAt ?? null }))
    .sort((a, b) => b.failures - a.failures || a.sync.localeCompare(b.sync));
}

/** The failures the rule counts, as a where-clause: one indexed range on (shop, createdAt). */
export function failureWindowWhere(shop: string, now: Date): Where {
  return {
    shop,
    createdAt: { gte: new Date(now.getTime() - FAILING_WINDOW_MS) },
    status: { in: PROBLEM_STATUSES },
    sync: { not: null },
  };
}

/**
 * The facts behind the banner shown on every page. Three small queries in parallel: the failures of the last hour
 * grouped by sync (an index range on ActivityLog(shop, createdAt)), revoked switches (primary key prefix), the shop.
 */
export async function loadHealth(db: PrismaClient, shop: string, now = new Date()) {
  const [grouped, settings, shopRow] = await Promise.all([
    db.activityLog.groupBy({
      by: ["sync"],
      where: failureWindowWhere(shop, now),
      _count: { _all: true },
      _max: { createdAt: true },
    }),
    db.syncSetting.findMany({ where: { shop, status: "revoked" }, select: { sync: true, lastError: true }, orderBy: { sync: "asc" } }),
    db.shop.findUnique({ where: { shop }, select: { needsReauth: true } }),
  ]);
  const title = (key: string) => findSwitch(key)?.title ?? key;
  const pagePath = (key: string) => SYNC_PAGES.find((p) => p.key === findSwitch(key)?.page)?.path ?? "/app";
  return {
    now: now.toISOString(),
    failing: failingSyncs(grouped.map((g) => ({ sync: g.sync, failures: g._count._all, lastAt: g._max.createdAt }))).map((f) => ({
      sync: f.sync,
      failures: f.failures,
      lastAt: f.lastAt?.toISOString() ?? null,
      title: title(f.sync),
      path: pagePath(f.sync),
    })),
    revoked: settings.map((s) => ({ sync: s.sync, title: title(s.sync), path: pagePath(s.sync), message: s.lastError })),
    needsReauth: shopRow?.needsReauth ?? false,
  };
}

export type Health = Awaited<ReturnType<typeof loadHealth>>;
