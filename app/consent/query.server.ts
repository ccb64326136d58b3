/**
 * What the Marketing consent page shows (app/routes/app.consent.tsx): how many customers are in each state per
 * channel, the last changes in each direction, the platform's changes still waiting and those Shopify refused.
 * Plain JSON for a loader; every query filters on the shop.
 */
import type { PrismaClient } from "~/db.server";

import { CHANNELS, KNOWN_STATES, type ConsentChannel } from "./model";

export const RECENT_LIMIT = 10;
export const FAILURE_LIMIT = 25;

export interface ConsentCounts {
  channel: ConsentChannel;
  byState: Record<string, number>;
  total: number;
}

export interface ShopifyChangeRow {
  customerId: string;
  channel: string;
  address: string | null;
  state: string;
  consentAt: string | null;
  changedAt: string;
}

export interface PlatformChangeRow {
  id: string;
  channel: string;
  address: string;
  state: string;
  decidedAt: string;
  status: string;
  customerId: string | null;
  created: boolean;
  reason: string | null;
  processedAt: string | null;
}

export interface ConsentOverview {
  counts: ConsentCounts[];
  queue: { pending: number; applied: number; stale: number; superseded: number; failed: number };
  fromShopify: ShopifyChangeRow[];
  toShopify: PlatformChangeRow[];
  failures: PlatformChangeRow[];
}

function platformRow(c: {
  id: string;
  channel: string;
  key: string;
  state: string;
  decidedAt: Date;
  status: string;
  customerId: string | null;
  created: boolean;
  reason: string | null;
  processedAt: Date | null;
}): PlatformChangeRow {
  return {
    id: c.id,
    channel: c.channel,
    address: c.key,
    state: c.state,
    decidedAt: c.decidedAt.toISOString(),
    status: c.status,
    customerId: c.customerId,
    created: c.created,
    reason: c.reason,
    processedAt: c.processedAt?.toISOString() ?? null,
  };
}

export async function loadConsentOverview(db: PrismaClient, shop: string): Promise<ConsentOverview> {
  const [grouped, queued, fromShopify, toShopify, failures] = await Promise.all([
    db.consentRecord.groupBy({ by: ["channel", "state"], where: { shop }, _count: { _all: true } }),
    db.consentChange.groupBy({ by: ["status"], where: { shop }, _count: { _all: true } }),
    db.consentRecord.findMany({
      where: { shop, source: { in: ["shopify", "import"] } },
      orderBy: { changedAt: "desc" },
      take: RECENT_LIMIT,
    }),
    db.consentChange.findMany({
      where: { shop, status: { in: ["applied", "stale"] } },
      orderBy: { processedAt: "desc" },
      take: RECENT_LIMIT,
    }),
    db.consentChange.findMany({ where: { shop, status: "failed" }, orderBy: { processedAt: "desc" }, take: FAILURE_LIMIT }),
  ]);
  const counts = CHANNELS.map((channel) => {
    const byState = Object.fromEntries(KNOWN_STATES.map((s) => [s, 0])) as Record<string, number>;
    for (const g of grouped.filter((g) => g.channel === channel)) byState[g.state] = (byState[g.state] ?? 0) + g._count._all;
    return { channel, byState, total: Object.values(byState).reduce((a, b) => a + b, 0) };
  });
  const status = (s: string) => queued.filter((q) => q.status === s).reduce((a, q) => a + q._count._all, 0);
  return {
    counts,
    queue: {
      pending: status("pending") + status("applying"),
      applied: status("applied"),
      stale: status("stale"),
      superseded: status("superseded"),
      failed: status("failed"),
    },
    fromShopify: fromShopify.map((r) => ({
      customerId: r.customerId,
      channel: r.channel,
      address: r.address,
      state: r.state,
      consentAt: r.consentAt?.toISOString() ?? null,
      changedAt: r.changedAt.toISOString(),
    })),
    toShopify: toShopify.map(platformRow),
    failures: failures.map(platformRow),
  };
}
