import { describe, expect, it } from "vitest";

import { parseSyncForm } from "./sync-form";

function form(fields: [string, string][]): FormData {
  const data = new FormData();
  for (const [name, value] of fields) data.append(name, value);
  return data;
}

describe("parseSyncForm", () => {
  it.each(["enable", "disable"] as const)("GIVEN intent %s and a key THEN it is accepted", (intent) => {
    expect(parseSyncForm(form([["intent", intent], ["key", "purchases"]]))).toEqual({ intent, key: "purchases" });
  });

  it("GIVEN a decline with two scopes THEN both scopes are kept in order", () => {
    const parsed = parseSyncForm(
      form([["intent", "declined"], ["key", "catalog"], ["scope", "read_products"], ["scope", "read_inventory"]]),
    );
    expect(parsed).toEqual({ intent: "declined", key: "catalog", scopes: ["read_products", "read_inventory"] });
  });

  it.each([
    ["no intent", [["key", "purchases"]]],
    ["an unknown intent", [["intent", "toggle"], ["key", "purchases"]]],
    ["no key", [["intent", "enable"]]],
    ["an empty key", [["intent", "enable"], ["key", ""]]],
    ["a decline without scopes", [["intent", "declined"], ["key", "purchases"]]],
  ] as [string, [string, string][]][])("GIVEN %s THEN the form is rejected", (_name, fields) => {
    expect(parseSyncForm(form(fields))).toBeNull();
  });
});
