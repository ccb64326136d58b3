import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Simulator } from "./server";
import { BIG_SHOP, gql, SHOP, startTestSimulator } from "./test-support";

let sim: Simulator;
let token: string;

beforeAll(async () => {
  sim = await startTestSimulator();
  token = sim.accessToken(SHOP);
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.graphql.faults.reset();
  sim.store.setPlan(SHOP, "standard", { restoreRate: null, bucketSize: null });
  sim.buckets.reset();
});

const SHOP_NAME = `{ shop { name } }`;

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.origin}/_simulator${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const adminApiState = async (shop = SHOP) => (await control("GET", `/shops/${shop}`)).body.adminApi as Record<string, unknown>;

describe("Admin API fault injection", () => {
  it("GIVEN two 503s queued over the control API WHEN three requests arrive THEN the first two get 503 and run nothing, the third succeeds", async () => {
    const queued = await control("POST", `/shops/${SHOP}/faults`, { status: 503, count: 2 });
    expect(queued).toEqual({ status: 201, body: { pending: [{ status: 503 }, { status: 503 }] } });

    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await gql(sim, token, SHOP_NAME));

    expect(answers.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(answers[0].body).toEqual({ errors: "Internal Server Error" });
    expect(answers[2].body.data).toEqual({ shop: { name: "Syncline Demo" } });
    // Nothing was charged for the failed requests.
    expect(answers[2].body.extensions?.cost?.throttleStatus.currentlyAvailable).toBe(2000 - 1);
    expect(await adminApiState()).toEqual({ requests: 3, throttled: 0, faulted: 2, pendingFaults: [] });
  });

  it("GIVEN a fault for one shop THEN another shop is not affected", async () => {
    sim.graphql.faults.inject(SHOP, { status: 500 });
    const other = await gql(sim, sim.accessToken(BIG_SHOP), SHOP_NAME, undefined, BIG_SHOP);
    expect(other.status).toBe(200);
    expect(sim.graphql.faults.pending(SHOP)).toEqual([{ status: 500 }]);
  });

  it("GIVEN a disconnect fault THEN the client sees a network error, and the next request works", async () => {
    sim.graphql.faults.inject(SHOP, { disconnect: true });
    await expect(gql(sim, token, SHOP_NAME)).rejects.toThrow(/fetch failed/);
    expect((await gql(sim, token, SHOP_NAME)).status).toBe(200);
    expect(sim.graphql.faults.stats(SHOP)).toEqual({ requests: 2, throttled: 0, faulted: 1 });
  });

  it("GIVEN a drained bucket THEN THROTTLED answers are counted", async () => {
    // 1 point/s: the 1-point query cannot refill in time however slow the machine is.
    sim.store.setPlan(SHOP, "standard", { restoreRate: 1, bucketSize: null });
    sim.buckets.set(sim.store.shop(SHOP), 0);
    const answer = await gql(sim, token, SHOP_NAME);
    expect(answer.body.errors?.[0].extensions?.code).toBe("THROTTLED");
    expect((await adminApiState()).throttled).toBe(1);
  });

  it.each([{ status: 404 }, { status: 200 }, {}, { disconnect: "yes" }])("refuses the fault %j with 400", async (fault) => {
    const answer = await control("POST", `/shops/${SHOP}/faults`, fault);
    expect(answer.status).toBe(400);
    expect(sim.graphql.faults.pending(SHOP)).toEqual([]);
  });

  it("GIVEN queued faults WHEN they are deleted, or the simulator resets THEN none is left", async () => {
    await control("POST", `/shops/${SHOP}/faults`, { status: 502, count: 3 });
    expect((await control("DELETE", `/shops/${SHOP}/faults`)).body).toEqual({ pending: [] });
    expect((await gql(sim, token, SHOP_NAME)).status).toBe(200);
    sim.graphql.faults.inject(SHOP, { status: 500 });
    sim.reset();
    expect(sim.graphql.faults.pending(SHOP)).toEqual([]);
    expect(sim.graphql.faults.stats(SHOP).requests).toBe(0);
  });
});
