import { describe, expect, it } from "vitest";

import { absoluteTime, permissionLabel, permissionList, relativeTime, scopeReason, topicLabel } from "./words";

describe("permission wording", () => {
  it.each([
    ["read_orders", "View orders"],
    ["write_customers", "Edit customers"],
    ["read_all_orders", "View all orders"],
    ["read_gift_cards", "View gift cards"],
    ["not_a_scope", "not_a_scope"],
  ])("GIVEN %s THEN the merchant reads %s", (scope, label) => {
    expect(permissionLabel(scope)).toBe(label);
  });

  it("GIVEN several scopes THEN they are listed as a sentence", () => {
    expect(permissionList(["read_orders"])).toBe("“View orders”");
    expect(permissionList(["read_products", "read_inventory"])).toBe("“View products” and “View inventory”");
    expect(permissionList(["a_b", "read_c", "write_d"])).toBe("“a_b”, “View c” and “Edit d”");
  });

  it("GIVEN every scope a sync declares THEN each has its own reason", async () => {
    const { SYNC_SWITCHES } = await import("~/syncs/definitions");
    for (const sw of SYNC_SWITCHES) {
      for (const scope of sw.scopes) {
        expect(scopeReason(sw.key, scope), `${sw.key} ${scope}`).not.toBe(scopeReason(sw.key, "read_nothing"));
      }
    }
  });

  it("GIVEN every topic a sync subscribes to THEN it has a label in words", async () => {
    const { SYNC_SWITCHES } = await import("~/syncs/definitions");
    for (const topic of SYNC_SWITCHES.flatMap((s) => s.topics)) expect(topicLabel(topic)).not.toMatch(/_/);
  });
});

describe("times", () => {
  const now = "2026-11-22T12:00:00.000Z";

  it.each([
    ["2026-11-22T11:59:30.000Z", "just now"],
    ["2026-11-22T11:59:00.000Z", "1 minute ago"],
    ["2026-11-22T11:55:00.000Z", "5 minutes ago"],
    ["2026-11-22T09:00:00.000Z", "3 hours ago"],
    ["2026-11-21T10:00:00.000Z", "yesterday"],
    ["2026-11-15T12:00:00.000Z", "7 days ago"],
  ])("GIVEN an event at %s THEN it reads %s", (iso, words) => {
    expect(relativeTime(iso, now)).toBe(words);
  });

  it("GIVEN an instant THEN the absolute time is in UTC whatever the process time zone", () => {
    expect(absoluteTime("2026-11-22T09:05:00.000Z")).toBe("22 Nov 2026, 09:05 UTC");
  });
});
