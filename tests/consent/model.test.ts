/** The consent sync's pure rules (app/consent/model.ts, intake validation, lanes by restore rate). */
import { describe, expect, it } from "vitest";

import { channelKey, looksLikePhone, newer, parseState, toConsentTime } from "~/consent/model";
import { validateItem } from "~/consent/intake.server";
import { lanesFor } from "~/consent/pacing";

describe("consent model", () => {
  it("GIVEN Shopify's and the platform's spellings WHEN parsed THEN both give one state", () => {
    expect(parseState("subscribed")).toBe("SUBSCRIBED");
    expect(parseState(" NOT_SUBSCRIBED ")).toBe("NOT_SUBSCRIBED");
    expect(parseState("opted_in")).toBeNull();
    expect(parseState(null)).toBeNull();
  });

  it("GIVEN emails and phones as people type them WHEN keyed THEN one person has one key", () => {
    expect(channelKey("email", " Ada.Lovelace@Example.COM ")).toBe("ada.lovelace@example.com");
    expect(channelKey("sms", "+49 (151) 123-45 67")).toBe("+4915112345 67".replace(" ", ""));
    expect(channelKey("sms", "0151 1234567")).toBe("01511234567");
    expect(looksLikePhone("+49 151 1234567")).toBe(true);
    expect(looksLikePhone("call me")).toBe(false);
  });

  it("GIVEN a time with milliseconds WHEN made a consent time THEN it is floored to the second, and only a later one is newer", () => {
    const t = toConsentTime("2026-11-22T08:00:00.900Z");
    expect(t.toISOString()).toBe("2026-11-22T08:00:00.000Z");
    expect(newer(toConsentTime("2026-11-22T08:00:01Z"), t)).toBe(true);
    expect(newer(toConsentTime("2026-11-22T08:00:00.100Z"), t)).toBe(false);
    expect(newer(t, null)).toBe(true);
    expect(newer(null, t)).toBe(false);
  });

  it.each([
    [{ channel: "email", state: "subscribed", decidedAt: "2026-11-22T08:00:00Z" }, ["email"]],
    [{ phone: "+49151", channel: "email", state: "subscribed", decidedAt: "2026-11-22T08:00:00Z" }, ["email"]],
    [{ email: "a@b.co", channel: "sms", state: "subscribed", decidedAt: "2026-11-22T08:00:00Z" }, ["phone"]],
    [{ email: "not-an-email", channel: "email", state: "subscribed", decidedAt: "2026-11-22T08:00:00Z" }, ["email"]],
    [{ email: "a@b.co", channel: "email", state: "not_subscribed", decidedAt: "2026-11-22T08:00:00Z" }, ["state"]],
    [{ email: "a@b.co", channel: "email", state: "subscribed", optInLevel: "double", decidedAt: "2026-11-22T08:00:00Z" }, ["optInLevel"]],
    [{ email: "a@b.co", channel: "email", state: "subscribed", decidedAt: "1732262400" }, ["decidedAt"]],
    [{ email: "a@b.co", channel: "whatsapp", state: "subscribed", decidedAt: "2026-11-22T08:00:00Z" }, ["channel"]],
    [{ email: "a@b.co", channel: "email", state: "subscribed", decidedAt: "2026-11-22T08:00:00Z", extra: 1 }, ["item"]],
  ])("GIVEN the item %j WHEN validated THEN it is rejected on %j", (item, fields) => {
    const outcome = validateItem(item, ["email", "sms"], new Date("2026-11-22T09:00:00Z"));
    expect(Array.isArray(outcome)).toBe(true);
    expect((outcome as { field: string }[]).map((e) => e.field).sort()).toEqual(fields);
  });

  it("GIVEN a valid item WHEN validated THEN it is keyed, upper-cased and its time floored", () => {
    const outcome = validateItem(
      { email: "Ada@Example.com", phone: "+49 151 1", channel: "email", state: "Pending", optInLevel: "confirmed_opt_in", decidedAt: "2026-11-22T09:00:00.750+01:00" },
      ["email"],
      new Date("2026-11-22T09:00:00Z"),
    );
    expect(outcome).toEqual({
      channel: "email",
      key: "ada@example.com",
      email: "Ada@Example.com",
      phone: "+49 151 1",
      state: "PENDING",
      optInLevel: "CONFIRMED_OPT_IN",
      decidedAt: new Date("2026-11-22T08:00:00.000Z"),
    });
  });

  it("GIVEN a Standard and a Plus bucket WHEN lanes are chosen THEN Plus gets ten times the lanes", () => {
    expect(lanesFor(100)).toBe(3);
    expect(lanesFor(1000)).toBe(30);
    expect(lanesFor(null)).toBeGreaterThanOrEqual(2);
    expect(lanesFor(100_000)).toBe(32);
  });
});
