/**
 * The pure parts of the Admin client: bucket arithmetic (app/shopify/throttle.ts) on a fake clock (nothing here
 * sleeps), and reading the operation out of a document (app/shopify/operation.ts).
 */
import { describe, expect, it } from "vitest";

import {
  AdminThrottle,
  backoffDelay,
  DEFAULT_EXPECTED_COST,
  estimateAvailable,
  afterAnswer,
  NO_RESTORE_RECHECK_MS,
  spend,
  waitBeforeSending,
  type BucketReading,
  type QueryCost,
} from "~/shopify/throttle";
import { parseOperation } from "~/shopify/operation";

const reading = (over: Partial<BucketReading> = {}): BucketReading => ({
  maximumAvailable: 2000,
  currentlyAvailable: 100,
  restoreRate: 100,
  observedAt: 10_000,
  ...over,
});

describe("estimateAvailable", () => {
  it("GIVEN a reading THEN the bucket refills at restoreRate per second since it was observed", () => {
    expect(estimateAvailable(reading(), 10_000)).toBe(100);
    expect(estimateAvailable(reading(), 10_500)).toBe(150);
    expect(estimateAvailable(reading(), 12_000)).toBe(300);
  });

  it("GIVEN a long pause THEN it never exceeds the bucket", () => {
    expect(estimateAvailable(reading(), 10_000 + 60_000)).toBe(2000);
  });

  it("GIVEN a clock that went backwards THEN nothing is taken away", () => {
    expect(estimateAvailable(reading(), 9_000)).toBe(100);
  });
});

describe("waitBeforeSending", () => {
  it("GIVEN enough points THEN the call goes at once", () => {
    expect(waitBeforeSending(reading(), 100, 10_000)).toBe(0);
    expect(waitBeforeSending(reading(), 50, 10_000)).toBe(0);
  });

  it("GIVEN a shortfall THEN it waits exactly until the bucket has refilled by it", () => {
    // 100 available, 130 needed: 30 points at 100/s.
    expect(waitBeforeSending(reading(), 130, 10_000)).toBe(300);
    // 0.2 s later 20 points are back.
    expect(waitBeforeSending(reading(), 130, 10_200)).toBe(100);
  });

  it("GIVEN a call dearer than the whole bucket THEN it waits for a full bucket, not forever", () => {
    const small = reading({ maximumAvailable: 10, currentlyAvailable: 4, restoreRate: 50 });
    expect(waitBeforeSending(small, 50, 10_000)).toBe(120);
  });

  it("GIVEN a bucket that does not refill THEN it checks again later instead of dividing by zero", () => {
    expect(waitBeforeSending(reading({ restoreRate: 0 }), 500, 10_000)).toBe(NO_RESTORE_RECHECK_MS);
  });
});

describe("spend", () => {
  it("GIVEN a call sent THEN its cost leaves the estimate at once, and the refill continues from there", () => {
    const after = spend(reading(), 130, 10_500);
    expect(after).toMatchObject({ currentlyAvailable: 20, observedAt: 10_500 });
    expect(waitBeforeSending(after, 50, 10_500)).toBe(300);
  });
});

describe("afterAnswer", () => {
  const status = (currentlyAvailable: number) => ({ maximumAvailable: 2000, currentlyAvailable, restoreRate: 100 });
  const answer = (currentlyAvailable: number, actual: number | null, requested = 50) => ({
    requestedQueryCost: requested,
    actualQueryCost: actual,
    throttleStatus: status(currentlyAvailable),
  });

  it("GIVEN the first answer for a shop THEN Shopify's figure, less what other calls in flight will take, is the estimate", () => {
    expect(afterAnswer(null, 0, answer(500, 50), 0, 7)).toEqual({ ...status(500), observedAt: 7 });
    expect(afterAnswer(null, 0, answer(500, 50), 120, 7)?.currentlyAvailable).toBe(380);
    expect(afterAnswer(null, 0, null, 0, 7)).toBeNull();
  });

  it("GIVEN a call that cost less than expected THEN the difference comes back", () => {
    // 50 taken at send; Shopify charged 20.
    expect(afterAnswer(reading({ currentlyAvailable: 100 }), 50, answer(1990, 20), 0, 10_000)?.currentlyAvailable).toBe(130);
  });

  it("GIVEN a THROTTLED answer (nothing charged) THEN the expected cost comes back but Shopify's low figure caps it", () => {
    expect(afterAnswer(reading({ currentlyAvailable: 100 }), 50, answer(12, null), 0, 10_000)?.currentlyAvailable).toBe(12);
  });

  it("GIVEN other processes spending from the same bucket THEN Shopify's lower figure wins", () => {
    expect(afterAnswer(reading({ currentlyAvailable: 1000 }), 50, answer(300, 50), 0, 10_000)?.currentlyAvailable).toBe(300);
  });

  it("GIVEN an older, fuller figure arriving after a newer one THEN it does not raise the estimate", () => {
    expect(afterAnswer(reading({ currentlyAvailable: 10 }), 50, answer(1500, 50), 0, 10_000)?.currentlyAvailable).toBe(10);
  });

  it("GIVEN no answer at all (5xx, network) THEN the cost stays taken and only the refill counts", () => {
    expect(afterAnswer(reading({ currentlyAvailable: 10 }), 50, null, 0, 10_500)).toMatchObject({ currentlyAvailable: 60, observedAt: 10_500 });
  });
});

describe("backoffDelay", () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 8000 };

  it("GIVEN successive retries THEN the delay doubles up to the cap, half of it random", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 1))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(1500);
  });
});

/** A clock that only moves when the code under test sleeps. */
function fakeTime(start = 1_000_000) {
  const time = { now: start, sleeps: [] as number[] };
  const sleep = async (ms: number) => {
    time.sleeps.push(ms);
    time.now += ms;
  };
  return { time, throttle: new AdminThrottle({ now: () => time.now, sleep }) };
}

const cost = (currentlyAvailable: number, requested = 2, maximumAvailable = 10, restoreRate = 50) => ({
  requestedQueryCost: requested,
  actualQueryCost: requested,
  throttleStatus: { maximumAvailable, currentlyAvailable, restoreRate },
});

/** One call answered with `answer`: how the client gives the throttle its first reading. */
async function answered(throttle: AdminThrottle, shop: string, operation: string, answer: QueryCost) {
  (await throttle.acquire(shop, operation)).settle(answer);
}

describe("AdminThrottle", () => {
  it("GIVEN no reading for a shop WHEN two calls start THEN the first goes at once and the second waits for its answer", async () => {
    const { throttle } = fakeTime();
    const first = await throttle.acquire("a.myshopify.com", "ShopInfo");
    expect(first.waitedMs).toBe(0);
    let secondGranted = false;
    const second = throttle.acquire("a.myshopify.com", "ShopInfo").then((t) => {
      secondGranted = true;
      return t;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondGranted).toBe(false);
    first.settle(cost(8));
    expect((await second).expectedCost).toBe(2);
    expect(throttle.reading("a.myshopify.com")?.currentlyAvailable).toBe(6);
  });

  it("GIVEN a first call that failed without an answer THEN the next waiting call goes in its place", async () => {
    const { throttle } = fakeTime();
    const first = await throttle.acquire("a.myshopify.com", "ShopInfo");
    const second = throttle.acquire("a.myshopify.com", "ShopInfo");
    first.settle(null);
    expect((await second).waitedMs).toBe(0);
    expect(throttle.reading("a.myshopify.com")).toBeNull();
  });

  it("GIVEN a bucket of 10 refilling 50/s WHEN a burst of 8 calls of cost 2 starts THEN 5 go at once and each further one waits 40 ms", async () => {
    const { time, throttle } = fakeTime();
    await answered(throttle, "a.myshopify.com", "ShopInfo", cost(10));
    const granted: number[] = [];
    // None of them is answered during the burst: each one's cost comes off the estimate when it is sent.
    for (let i = 0; i < 8; i++) {
      await throttle.acquire("a.myshopify.com", "ShopInfo");
      granted.push(time.now - 1_000_000);
    }
    expect(granted).toEqual([0, 0, 0, 0, 0, 40, 80, 120]);
  });

  it("GIVEN answers coming back while others are in flight THEN Shopify's figure less the others' cost is the new estimate", async () => {
    const { throttle } = fakeTime();
    await answered(throttle, "a.myshopify.com", "ShopInfo", cost(10));
    const a = await throttle.acquire("a.myshopify.com", "ShopInfo");
    await throttle.acquire("a.myshopify.com", "ShopInfo");
    expect(throttle.reading("a.myshopify.com")?.currentlyAvailable).toBe(6);
    // Shopify has charged a only; b (2 points) is still on its way.
    a.settle(cost(8));
    a.settle(cost(0));
    expect(throttle.reading("a.myshopify.com")?.currentlyAvailable).toBe(6);
  });

  it("GIVEN an operation never answered THEN it is expected to cost the default; once answered, what Shopify requested", async () => {
    const { throttle } = fakeTime();
    expect(throttle.expectedCost("ProductsPage")).toBe(DEFAULT_EXPECTED_COST);
    await answered(throttle, "a.myshopify.com", "ProductsPage", cost(1900, 102, 2000, 100));
    expect(throttle.expectedCost("ProductsPage")).toBe(102);
  });

  it("GIVEN a THROTTLED answer THEN the next acquire waits for the bucket to refill by the requested cost", async () => {
    const { time, throttle } = fakeTime();
    await answered(throttle, "a.myshopify.com", "ProductsPage", {
      requestedQueryCost: 300,
      actualQueryCost: null,
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 60, restoreRate: 100 },
    });
    const ticket = await throttle.acquire("a.myshopify.com", "ProductsPage");
    expect(ticket.waitedMs).toBe(2400);
    expect(time.sleeps).toEqual([2400]);
  });

  it("GIVEN readings for two shops THEN each has its own bucket; forget() drops one", async () => {
    const { throttle } = fakeTime();
    await answered(throttle, "a.myshopify.com", "ShopInfo", cost(0));
    await answered(throttle, "b.myshopify.com", "ShopInfo", cost(10));
    expect((await throttle.acquire("b.myshopify.com", "ShopInfo")).waitedMs).toBe(0);
    expect((await throttle.acquire("a.myshopify.com", "ShopInfo")).waitedMs).toBe(40);
    throttle.forget("a.myshopify.com");
    expect(throttle.reading("a.myshopify.com")).toBeNull();
    expect(throttle.reading("b.myshopify.com")).not.toBeNull();
  });

  it("GIVEN an aborted signal THEN acquire rejects instead of waiting", async () => {
    const { throttle } = fakeTime();
    await answered(throttle, "a.myshopify.com", "ShopInfo", cost(0));
    await expect(throttle.acquire("a.myshopify.com", "ShopInfo", AbortSignal.abort(new Error("lease lost")))).rejects.toThrow("lease lost");
  });
});

describe("parseOperation", () => {
  it.each([
    ["#graphql\n  query ShopInfo { shop { id } }", { type: "query", name: "ShopInfo" }],
    ["mutation WebhookSubscriptionDelete($id: ID!) { x }", { type: "mutation", name: "WebhookSubscriptionDelete" }],
    ["# a mutation comment\nquery Q { a }", { type: "query", name: "Q" }],
    ["{ shop { name } }", { type: "query", name: null }],
    ["mutation { customerSet { userErrors { message } } }", { type: "mutation", name: null }],
  ])("%j", (document, expected) => {
    expect(parseOperation(document)).toEqual(expected);
  });
});
