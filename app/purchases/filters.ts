/**
 * The Purchases list's view as it stands in the page URL (`/app/purchases/list?status=mismatch&source=pos`), so a
 * view can be linked to (the sync page links to the mismatches) and survives a reload. Client-safe: the page builds
 * its tabs and filters from the same values the server parses. A value the parser does not know is dropped, never
 * an error: an old bookmark still opens the list.
 */
import type { PurchaseStatus } from "./rules";

export const LIST_PATH = "/app/purchases/list";

/** The tabs: every purchase, one status each, and the reconciliation mismatches (a flag, not a status). */
export const VIEW_VALUES = ["all", "registered", "pending_delay", "excluded", "refunded", "mismatch"] as const;
export type PurchaseView = (typeof VIEW_VALUES)[number];

export const STATUS_VIEWS = ["registered", "pending_delay", "excluded", "refunded"] as const satisfies readonly PurchaseStatus[];

/**
 * Sales channels (Shopify's `source_name`) the list filters on. Anything else (a numeric app id, a private app's
 * own name, null) is "other".
 */
export const KNOWN_SOURCES = ["web", "pos", "shopify_draft_order", "subscription_contract"] as const;
export const SOURCE_VALUES = [...KNOWN_SOURCES, "other"] as const;
export type SourceFilter = (typeof SOURCE_VALUES)[number];

export interface PurchaseFilters {
  view: PurchaseView;
  /** Empty = every source. */
  source: SourceFilter[];
  /** Page cursors: purchases older than `after` (next page) or newer than `before` (previous page). */
  after: string | null;
  before: string | null;
}

export const EMPTY_PURCHASE_FILTERS: PurchaseFilters = { view: "all", source: [], after: null, before: null };

/** `<epoch ms>_<id>`: the (orderCreatedAt, id) of the row a page starts or ends at. */
export const PURCHASE_CURSOR_PATTERN = /^(\d{1,15})_([\w-]{1,64})$/;

function cursor(value: string | null): string | null {
  return value && PURCHASE_CURSOR_PATTERN.test(value) ? value : null;
}

export function parsePurchaseFilters(params: URLSearchParams): PurchaseFilters {
  const view = VIEW_VALUES.find((v) => v === params.get("status")) ?? "all";
  const sources = params.getAll("source");
  const after = cursor(params.get("after"));
  return {
    view,
    source: SOURCE_VALUES.filter((value) => sources.includes(value)),
    after,
    // One direction at a time; `after` wins if a hand-made URL has both.
    before: after ? null : cursor(params.get("before")),
  };
}

export function purchaseFiltersToParams(filters: Partial<PurchaseFilters>): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.view && filters.view !== "all") params.set("status", filters.view);
  for (const source of filters.source ?? []) params.append("source", source);
  if (filters.after) params.set("after", filters.after);
  else if (filters.before) params.set("before", filters.before);
  return params;
}

export function purchaseListUrl(filters: Partial<PurchaseFilters> = {}): string {
  const query = purchaseFiltersToParams(filters).toString();
  return query ? `${LIST_PATH}?${query}` : LIST_PATH;
}

export const VIEW_LABEL: Record<PurchaseView, string> = {
  all: "All",
  registered: "Registered",
  pending_delay: "Waiting (upsell delay)",
  excluded: "Excluded",
  refunded: "Refunded",
  mismatch: "Mismatches",
};

export const SOURCE_FILTER_LABEL: Record<SourceFilter, string> = {
  web: "Online Store",
  pos: "Point of Sale",
  shopify_draft_order: "Draft orders",
  subscription_contract: "Subscriptions",
  other: "Other apps and channels",
};
