/** The activity log's pure parts: URL → filters → Prisma where-clause, the "failing repeatedly" rule, status words. */
import { describe, expect, it } from "vitest";

import {
  activityWhere,
  cursorOf,
  failingSyncs,
  failureWindowWhere,
  FAILING_THRESHOLD,
  FAILING_WINDOW_MS,
  parseActivityFilters,
  PROBLEM_STATUSES,
} from "~/activity/query.server";
import { activityFiltersToParams, EMPTY_FILTERS, recentFailuresUrl } from "~/activity/filters";
import { formatDuration, statusGroup, statusLabel, statusTone } from "~/components/activity/status";

const NOW = new Date("2026-11-21T12:00:00.000Z");
const SHOP = "a.myshopify.com";
const filtersFrom = (query: string) => parseActivityFilters(new URLSearchParams(query));
const whereFor = (query: string) => activityWhere(SHOP, filtersFrom(query), NOW).AND;

describe("parseActivityFilters", () => {
  it("GIVEN no parameters THEN nothing is filtered and the list starts at the newest entry", () => {
    expect(filtersFrom("")).toEqual(EMPTY_FILTERS);
  });

  it("GIVEN values it does not know THEN it drops them instead of failing", () => {
    expect(filtersFrom("sync=bogus&direction=sideways&status=meh&range=year&after=x&before=1_2")).toEqual(EMPTY_FILTERS);
  });

  it("GIVEN repeated parameters THEN every known value is kept", () => {
    const filters = filtersFrom("sync=purchases&sync=none&sync=nope&direction=in&direction=out&status=failed&status=retrying");
    expect(filters.sync).toEqual(["purchases", "none"]);
    expect(filters.direction).toEqual(["in", "out"]);
    expect(filters.status).toEqual(["failed", "retrying"]);
  });

  it("GIVEN custom dates THEN only well-formed days are kept, and only with range=custom", () => {
    expect(filtersFrom("range=custom&from=2026-11-20&to=2026-13-45")).toMatchObject({ range: "custom", from: "2026-11-20", to: null });
    expect(filtersFrom("range=hour&from=2026-11-20")).toMatchObject({ range: "hour", from: null });
  });

  it("GIVEN both cursors THEN only `after` counts", () => {
    const cursor = `${NOW.getTime()}_abc`;
    expect(filtersFrom(`after=${cursor}&before=${cursor}`)).toMatchObject({ after: cursor, before: null });
    expect(filtersFrom(`before=${cursor}`)).toMatchObject({ after: null, before: cursor });
  });

  it("round-trips through activityFiltersToParams", () => {
    const query = "sync=catalog&sync=none&direction=internal&status=ok&range=custom&from=2026-11-01&to=2026-11-02";
    const filters = filtersFrom(query);
    expect(filtersFrom(activityFiltersToParams(filters).toString())).toEqual(filters);
  });
});

describe("activityWhere", () => {
  it("GIVEN no filters THEN it still names the shop, and nothing else", () => {
    expect(whereFor("")).toEqual([{ shop: SHOP }]);
  });

  it("GIVEN every filter THEN the shop stays the first condition and the others are ANDed to it", () => {
    const cursor = `${NOW.getTime()}_abc`;
    expect(whereFor(`sync=purchases&direction=out&status=failed&range=hour&after=${cursor}`)).toEqual([
      { shop: SHOP },
      { createdAt: { gte: new Date("2026-11-21T11:00:00.000Z") } },
      { sync: "purchases" },
      { direction: "out" },
      { status: { in: expect.arrayContaining(["failed", "error", "dead"]) } },
      { OR: [{ createdAt: { lt: NOW } }, { createdAt: NOW, id: { lt: "abc" } }] },
    ]);
  });

  it("GIVEN several syncs and 'none' THEN entries of those syncs or without a sync match", () => {
    expect(whereFor("sync=purchases&sync=catalog&sync=none")).toContainEqual({
      OR: [{ sync: { in: ["purchases", "catalog"] } }, { sync: null }],
    });
    expect(whereFor("sync=none")).toContainEqual({ sync: null });
  });

  it("GIVEN several directions THEN any of them matches", () => {
    expect(whereFor("direction=in&direction=internal")).toContainEqual({ direction: { in: ["in", "internal"] } });
  });

  it.each([
    ["status=failed", { status: { in: expect.arrayContaining(["failed", "error", "dead", "user_errors"]) } }],
    ["status=retrying", { status: { in: ["retry", "retrying"] } }],
    ["status=ok", { status: { notIn: PROBLEM_STATUSES } }],
  ])("GIVEN %s THEN the status condition is %j", (query, condition) => {
    expect(whereFor(query)).toContainEqual(condition);
  });

  it("GIVEN all three status groups THEN no status condition at all", () => {
    expect(whereFor("status=failed&status=retrying&status=ok")).toEqual([{ shop: SHOP }]);
  });

  it.each([
    ["hour", "2026-11-21T11:00:00.000Z"],
    ["day", "2026-11-20T12:00:00.000Z"],
    ["week", "2026-11-14T12:00:00.000Z"],
  ])("GIVEN range=%s THEN entries since %s", (range, since) => {
    expect(whereFor(`range=${range}`)).toEqual([{ shop: SHOP }, { createdAt: { gte: new Date(since) } }]);
  });

  it("GIVEN custom days THEN both whole UTC days are included", () => {
    expect(whereFor("range=custom&from=2026-11-01&to=2026-11-02")).toContainEqual({
      createdAt: { gte: new Date("2026-11-01T00:00:00.000Z"), lt: new Date("2026-11-03T00:00:00.000Z") },
    });
    expect(whereFor("range=custom&to=2026-11-02")).toContainEqual({ createdAt: { lt: new Date("2026-11-03T00:00:00.000Z") } });
    expect(whereFor("range=custom")).toEqual([{ shop: SHOP }]);
  });

  it("GIVEN a `before` cursor THEN entries newer than it", () => {
    const cursor = cursorOf({ createdAt: NOW, id: "abc" });
    expect(whereFor(`before=${cursor}`)).toContainEqual({ OR: [{ createdAt: { gt: NOW } }, { createdAt: NOW, id: { gt: "abc" } }] });
  });
});

describe("the failing rule", () => {
  it(`flags a sync with ${FAILING_THRESHOLD} or more failures in the window, worst first, and ignores app-wide ones`, () => {
    const lastAt = new Date("2026-11-21T11:58:00.000Z");
    expect(
      failingSyncs([
        { sync: "purchases", failures: FAILING_THRESHOLD - 1 },
        { sync: "catalog", failures: FAILING_THRESHOLD, lastAt },
        { sync: "consent_email", failures: 9 },
        { sync: null, failures: 50 },
      ]),
    ).toEqual([
      { sync: "consent_email", failures: 9, lastAt: null },
      { sync: "catalog", failures: FAILING_THRESHOLD, lastAt },
    ]);
  });

  it("counts only problem statuses of entries with a sync within the last hour", () => {
    expect(FAILING_WINDOW_MS).toBe(3_600_000);
    expect(failureWindowWhere(SHOP, NOW)).toEqual({
      shop: SHOP,
      createdAt: { gte: new Date("2026-11-21T11:00:00.000Z") },
      status: { in: PROBLEM_STATUSES },
      sync: { not: null },
    });
    expect(PROBLEM_STATUSES).toEqual(expect.arrayContaining(["failed", "error", "dead", "retry", "retrying"]));
    expect(PROBLEM_STATUSES).not.toContain("duplicate");
    expect(PROBLEM_STATUSES).not.toContain("ok");
  });

  it("links the banner to exactly those failures", () => {
    const url = new URL(recentFailuresUrl("purchases"), "http://app");
    expect(url.pathname).toBe("/app/activity");
    const filters = parseActivityFilters(url.searchParams);
    expect(activityWhere(SHOP, filters, NOW).AND).toEqual([
      { shop: SHOP },
      { createdAt: { gte: new Date(NOW.getTime() - FAILING_WINDOW_MS) } },
      { sync: "purchases" },
      { OR: [{ status: { in: expect.any(Array) } }, { status: { in: expect.any(Array) } }] },
    ]);
  });
});

describe("status words", () => {
  it.each([
    ["processed", "ok", "success", "Processed"],
    ["delivered", "ok", "success", "Delivered"],
    ["ok", "ok", "success", "OK"],
    ["dead", "failed", "critical", "Gave up"],
    ["failed", "failed", "critical", "Failed"],
    ["user_errors", "failed", "critical", "Refused by Shopify"],
    ["throttled", "failed", "critical", "Rate limited"],
    ["retry", "retrying", "warning", "Will retry"],
    ["retrying", "retrying", "warning", "Will retry"],
    ["duplicate", "ok", undefined, "Duplicate"],
  ])("%s → group %s, tone %s, label %s", (status, group, tone, label) => {
    expect(statusGroup(status)).toBe(group);
    expect(statusTone(status)).toBe(tone);
    expect(statusLabel(status)).toBe(label);
  });

  it.each([
    [null, "—"],
    [8, "8 ms"],
    [1_234, "1.2 s"],
    [125_000, "2 min 5 s"],
  ])("formatDuration(%s) = %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
