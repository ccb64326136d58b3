// The signal an in-process worker gives way to: requests being served now, or a moment ago.
import { setTimeout as sleep } from "node:timers/promises";

import { describe, expect, it } from "vitest";

import { giveWayToRequests, QUIET_AFTER_MS, requestsActive, servingRequest } from "~/jobs/foreground.server";

describe("requests the worker gives way to", () => {
  it("GIVEN no request THEN none is active; WHILE one is served it is; for QUIET_AFTER_MS after, still; then not", async () => {
    expect(requestsActive()).toBe(false);
    let during: boolean | undefined;
    const answer = await servingRequest(async () => {
      await sleep(5);
      during = requestsActive();
      return 200;
    });
    expect(answer).toBe(200);
    expect(during).toBe(true);
    expect(requestsActive()).toBe(true);
    await sleep(QUIET_AFTER_MS + 20);
    expect(requestsActive()).toBe(false);
  });

  it("GIVEN a request that fails THEN it is no longer counted as in flight", async () => {
    await expect(servingRequest(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await sleep(QUIET_AFTER_MS + 20);
    expect(requestsActive()).toBe(false);
  });

  it("GIVEN requests being served THEN giving way lets waiting callbacks run first; without requests it does not wait", async () => {
    let waitingRan = false;
    setImmediate(() => (waitingRan = true));
    await giveWayToRequests(() => true);
    expect(waitingRan).toBe(true);

    let notYet = false;
    setImmediate(() => (notYet = true));
    await giveWayToRequests(() => false);
    expect(notYet).toBe(false);
  });
});
