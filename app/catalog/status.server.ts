/**
 * Everything the catalog page shows (issue 5 point 4), as plain JSON for a loader: counts, the last export, the
 * next scheduled one, the feed URLs, the running export's progress and recent errors.
 */
import { bulkRunProgress, type BulkRunProgress } from "~/bulk/runner.server";
import { PROBLEM_STATUSES } from "~/components/activity/status";
import type { PrismaClient } from "~/db.server";

import { CATALOG_EXPORT_KIND, exportRunning, exportScheduleName } from "./export.server";
import { CATALOG_SYNC } from "./mapping";
import { catalogSwitchOn, generationCounts } from "./store.server";

export interface CatalogStatus {
  enabled: boolean;
  /** Shopify's productVariantsCount at the last export. */
  shopifyVariants: number | null;
  /** What the feed serves now. */
  feed: { products: number; variants: number; categories: number; changedAt: string | null } | null;
  lastExport: { at: string; durationMs: number | null; mode: string | null; outcome: string | null; error: string | null } | null;
  lastSuccessAt: string | null;
  nextExportAt: string | null;
  urls: { xml: string; json: string } | null;
  running: {
    mode: "immediate" | "bulk";
    startedAt: string | null;
    /** 0–100, or null while Shopify collects a bulk result (an indeterminate bar). */
    percent: number | null;
    done: number;
    total: number | null;
    bulk: BulkRunProgress | null;
  } | null;
  errors: { at: string; message: string }[];
}

export function feedUrls(appUrl: string, token: string): { xml: string; json: string } {
  const base = `${appUrl.replace(/\/$/, "")}/feeds/catalog/${token}`;
  return { xml: `${base}.xml`, json: `${base}.json` };
}

function errorOf(detail: string): string | null {
  try {
    const parsed = JSON.parse(detail) as { error?: unknown };
    return typeof parsed.error === "string" ? parsed.error : null;
  } catch {
    return null;
  }
}

export async function loadCatalogStatus(db: PrismaClient, shop: string, appUrl: string): Promise<CatalogStatus> {
  const [enabled, feed, schedule, problems] = await Promise.all([
    catalogSwitchOn(db, shop),
    db.catalogFeed.findUnique({ where: { shop } }),
    db.schedule.findUnique({ where: { name: exportScheduleName(shop) }, select: { nextRunAt: true } }),
    db.activityLog.findMany({
      where: { shop, sync: CATALOG_SYNC, status: { in: PROBLEM_STATUSES } },
      orderBy: { createdAt: "desc" },
      take: 5,
      select: { createdAt: true, name: true, status: true, detail: true },
    }),
  ]);
  let running: CatalogStatus["running"] = null;
  if (feed && (await exportRunning(db, feed))) {
    const mode = feed.exportMode === "bulk" ? "bulk" : "immediate";
    const run = mode === "bulk" && feed.exportId ? await db.bulkRun.findFirst({ where: { id: feed.exportId, shop, kind: CATALOG_EXPORT_KIND } }) : null;
    const bulk = run ? bulkRunProgress(run) : null;
    const total = mode === "bulk" ? (bulk?.linesTotal ?? null) : feed.progressTotal;
    const done = mode === "bulk" ? (bulk?.linesProcessed ?? 0) : feed.progressDone;
    const percent = mode === "bulk" ? (bulk?.percent ?? null) : total ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    running = { mode, startedAt: feed.exportStartedAt?.toISOString() ?? null, percent, done, total, bulk };
  }
  const counts = feed && feed.generation > 0 ? await generationCounts(db, shop, feed.generation) : null;
  return {
    enabled,
    shopifyVariants: feed?.variantCount ?? null,
    feed: counts ? { products: counts.products, variants: counts.variants, categories: counts.collections, changedAt: feed?.changedAt?.toISOString() ?? null } : null,
    lastExport: feed?.lastExportAt
      ? {
          at: feed.lastExportAt.toISOString(),
          durationMs: feed.lastExportMs,
          mode: feed.lastExportMode,
          outcome: feed.lastExportOutcome,
          error: feed.lastExportError,
        }
      : null,
    lastSuccessAt: feed?.lastSuccessAt?.toISOString() ?? null,
    nextExportAt: enabled && schedule ? schedule.nextRunAt.toISOString() : null,
    urls: feed ? feedUrls(appUrl, feed.token) : null,
    running,
    errors: problems.map((p) => ({ at: p.createdAt.toISOString(), message: errorOf(p.detail) ?? `${p.name}: ${p.status}` })),
  };
}
