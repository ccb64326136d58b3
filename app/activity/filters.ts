/**
 * The activity log's filters as they stand in the page URL, so that a view can be linked to (the health banner
 * links to a sync's failures of the last hour) and survives a reload. Client-safe: the page builds its controls
 * from the same values the server parses. A value the parser does not know is dropped, never an error: an old
 * bookmark still opens the log.
 */
import { SYNC_SWITCHES } from "~/syncs/definitions";

import type { StatusGroup } from "~/components/activity/status";

export const SYNC_VALUES = [...SYNC_SWITCHES.map((s) => s.key), "none"] as const;
export const DIRECTION_VALUES = ["in", "out", "internal"] as const;
export const STATUS_VALUES = ["failed", "retrying", "ok"] as const satisfies readonly StatusGroup[];
export const RANGE_VALUES = ["hour", "day", "week", "custom"] as const;

export type Direction = (typeof DIRECTION_VALUES)[number];
export type Range = (typeof RANGE_VALUES)[number];

export const RANGES = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;

export interface ActivityFilters {
  /** Sync keys, or "none" for app-wide entries (install, compliance); empty = every entry. */
  sync: string[];
  direction: Direction[];
  status: StatusGroup[];
  /** null = no time limit (the log keeps 7 days anyway). */
  range: Range | null;
  /** Custom range, whole days in UTC (the times on the page are UTC too): YYYY-MM-DD, both ends included. */
  from: string | null;
  to: string | null;
  /** Page cursors: entries older than `after` (next page) or newer than `before` (previous page). */
  after: string | null;
  before: string | null;
}

export const EMPTY_FILTERS: ActivityFilters = {
  sync: [],
  direction: [],
  status: [],
  range: null,
  from: null,
  to: null,
  after: null,
  before: null,
};

/** `<epoch ms>_<id>`: the (createdAt, id) of the entry a page starts or ends at. */
export const CURSOR_PATTERN = /^(\d{13})_([\w-]{1,64})$/;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function pick<T extends string>(values: string[], allowed: readonly T[]): T[] {
  return allowed.filter((value) => values.includes(value));
}

function day(value: string | null): string | null {
  if (!value || !DAY_PATTERN.test(value)) return null;
  return Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? null : value;
}

function cursor(value: string | null): string | null {
  return value && CURSOR_PATTERN.test(value) ? value : null;
}

export function parseActivityFilters(params: URLSearchParams): ActivityFilters {
  const range = pick([params.get("range") ?? ""], RANGE_VALUES)[0] ?? null;
  const after = cursor(params.get("after"));
  return {
    sync: pick(params.getAll("sync"), SYNC_VALUES),
    direction: pick(params.getAll("direction"), DIRECTION_VALUES),
    status: pick(params.getAll("status"), STATUS_VALUES),
    range,
    from: range === "custom" ? day(params.get("from")) : null,
    to: range === "custom" ? day(params.get("to")) : null,
    after,
    // One direction at a time; `after` wins if a hand-made URL has both.
    before: after ? null : cursor(params.get("before")),
  };
}

export function activityFiltersToParams(filters: Partial<ActivityFilters>): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ["sync", "direction", "status"] as const) {
    for (const value of filters[key] ?? []) params.append(key, value);
  }
  if (filters.range) params.set("range", filters.range);
  if (filters.range === "custom") {
    if (filters.from) params.set("from", filters.from);
    if (filters.to) params.set("to", filters.to);
  }
  if (filters.after) params.set("after", filters.after);
  else if (filters.before) params.set("before", filters.before);
  return params;
}

/** The failed attempts of one sync in the last hour: where the health banner sends the merchant. */
export function recentFailuresUrl(sync: string): string {
  return `/app/activity?${activityFiltersToParams({ sync: [sync], status: ["failed", "retrying"], range: "hour" })}`;
}

export const SYNC_FILTER_LABEL: Record<string, string> = {
  ...Object.fromEntries(SYNC_SWITCHES.map((s) => [s.key, s.title])),
  none: "App-wide (install, compliance)",
};
export const DIRECTION_FILTER_LABEL: Record<Direction, string> = { in: "Received", out: "Sent", internal: "Internal" };
export const STATUS_FILTER_LABEL: Record<StatusGroup, string> = {
  failed: "Failed",
  retrying: "Retrying",
  ok: "Succeeded",
};
export const RANGE_FILTER_LABEL: Record<Range, string> = {
  hour: "Last hour",
  day: "Last 24 hours",
  week: "Last 7 days",
  custom: "Custom dates (UTC)",
};
