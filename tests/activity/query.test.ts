import { describe, expect, it } from "vitest";

import { activityWhere, failingSyncs, parseActivityFilters, FAILING_THRESHOLD } from "~/activity/query.server";
import { statusTone } from "~/components/activity/status";

const NOW = new Date("2026-11-21T12:00:00.000Z");

describe("parseActivityFilters", () => {
  it("defaults to everything in the last 24 hours and ignores values it does not know", () => {
    expect(parseActivityFilters(new URLSearchParams("sync=bogus&direction=sideways&range=year&cursor=x"))).toEqual({
      sync: "all",
      direction: "all",
      status: "all",
      range: "day",
      cursor: undefined,
    });
  });
});

describe("activityWhere", () => {
  const filters = parseActivityFilters(new URLSearchParams());

  it("always names the shop and the time range", () => {
    expect(activityWhere("a.myshopify.com", filters, NOW)).toEqual({
      AND: [{ shop: "a.myshopify.com" }, { createdAt: { gte: new Date("2026-11-20T12:00:00.000Z") } }],
    });
  });

  it("combines sync, direction, problem status and the cursor", () => {
    const where = activityWhere(
      "a.myshopify.com",
      parseActivityFilters(new URLSearchParams(`sync=purchases&direction=out&status=problems&range=hour&cursor=${NOW.getTime()}_abc`)),
      NOW,
    );
    expect(where.AND).toEqual([
      { shop: "a.myshopify.com" },
      { createdAt: { gte: new Date("2026-11-21T11:00:00.000Z") } },
      { sync: "purchases" },
      { direction: "out" },
      { status: { in: expect.arrayContaining(["failed", "dead", "error"]) } },
      { OR: [{ createdAt: { lt: NOW } }, { createdAt: NOW, id: { lt: "abc" } }] },
    ]);
  });

  it("filters app-wide entries with sync none", () => {
    expect(activityWhere("s", parseActivityFilters(new URLSearchParams("sync=none")), NOW).AND).toContainEqual({ sync: null });
  });
});

describe("failingSyncs", () => {
  it(`flags a sync with ${FAILING_THRESHOLD} or more failures in the window, worst first, and ignores app-wide ones`, () => {
    expect(
      failingSyncs([
        { sync: "purchases", failures: FAILING_THRESHOLD - 1 },
        { sync: "catalog", failures: FAILING_THRESHOLD },
        { sync: "consent_email", failures: 9 },
        { sync: null, failures: 50 },
      ]),
    ).toEqual([
      { sync: "consent_email", failures: 9 },
      { sync: "catalog", failures: FAILING_THRESHOLD },
    ]);
  });
});

describe("statusTone", () => {
  it.each([
    ["processed", "success"],
    ["delivered", "success"],
    ["dead", "critical"],
    ["failed", "critical"],
    ["retry", "warning"],
    ["throttled", "warning"],
    ["duplicate", undefined],
  ])("%s → %s", (status, tone) => {
    expect(statusTone(status)).toBe(tone);
  });
});
