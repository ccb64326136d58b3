// uuidv7 (app/db/ids.server.ts): the primary keys of high-volume rows. They must be valid version-7 UUIDs that
// ascend within a process (so inserts append to the key index) and never repeat.
import { describe, expect, it } from "vitest";

import { uuidv7 } from "~/db/ids.server";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit millisecond timestamp at the front of a v7 UUID. */
const msOf = (id: string) => parseInt(id.replace(/-/g, "").slice(0, 12), 16);

describe("uuidv7", () => {
  it("GIVEN the current time WHEN an id is made THEN it is a version 7, variant 10 UUID carrying that millisecond", () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    expect(id).toMatch(V7);
    expect(msOf(id)).toBeGreaterThanOrEqual(before);
    expect(msOf(id)).toBeLessThanOrEqual(after + 1);
  });

  it("GIVEN a timestamp above 2^32 ms (every date after 1970-02-19) WHEN it is encoded THEN all 48 bits survive", () => {
    const ms = Date.parse("2089-03-04T05:06:07.089Z");
    expect(msOf(uuidv7(ms + 10_000_000))).toBe(ms + 10_000_000);
  });

  it("GIVEN 20,000 ids in one millisecond (the 12-bit counter overflows) WHEN they are compared THEN each is greater than the last and none repeats", () => {
    const now = Date.now() + 60_000;
    const ids = Array.from({ length: 20_000 }, () => uuidv7(now));
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 5000)) expect(id).toMatch(V7);
  });

  it("GIVEN the clock steps back WHEN more ids are made THEN they still ascend (the timestamp is carried forward)", () => {
    const first = uuidv7(Date.now() + 120_000);
    const later = uuidv7(Date.now() - 3_600_000);
    expect(later > first).toBe(true);
    expect(msOf(later)).toBeGreaterThanOrEqual(msOf(first));
  });
});
