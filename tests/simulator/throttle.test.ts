import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Simulator } from "./server";
import { gql, SHOP, startTestSimulator, tokenWithScopes } from "./test-support";

let sim: Simulator;
let token: string;
let clock = 0;

beforeAll(async () => {
  sim = await startTestSimulator();
  token = tokenWithScopes(sim, ["read_products", "read_orders", "write_customers"]);
  // A manual clock: the bucket refills only when the test moves time, so nothing here sleeps.
  clock = Date.now();
  sim.store.now = () => clock;
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.store.setPlan(SHOP, "standard", { restoreRate: null, bucketSize: null });
  sim.buckets.reset();
});

const PAGE = `{ products(first: 250) { nodes { id title } } }`;

describe("query cost", () => {
  it("GIVEN nested connections THEN requested cost follows Shopify's rules and actual cost counts returned nodes", async () => {
    const r = await gql(sim, token, `{ products(first: 10) { edges { node { id variants(first: 5) { edges { node { id } } } } } } }`);
    // 2 + 10 × (1 product + (2 + 5 × 1 variant))
    expect(r.body.extensions?.cost?.requestedQueryCost).toBe(82);
    const products = (r.body.data!.products as { edges: { node: { variants: { edges: unknown[] } } }[] }).edges;
    const actual = 2 + products.reduce((s, e) => s + 1 + 2 + e.node.variants.edges.length, 0);
    expect(r.body.extensions?.cost?.actualQueryCost).toBe(actual);
    expect(r.body.extensions?.cost?.throttleStatus.currentlyAvailable).toBe(2000 - actual);
  });

  it("GIVEN a mutation THEN it costs 10", async () => {
    const r = await gql(sim, token, `mutation { customerSet(input: { email: "cost@example.com" }) { userErrors { message } } }`);
    expect(r.body.extensions?.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 10 });
  });

  it("GIVEN a document above 1000 points THEN MAX_COST_EXCEEDED and nothing is charged", async () => {
    const r = await gql(sim, token, `{ products(first: 250) { nodes { id variants(first: 250) { nodes { id } } } } }`);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "MAX_COST_EXCEEDED", cost: 2 + 250 * (1 + 2 + 250), maxCost: 1000 } });
    expect(r.body.extensions?.cost?.throttleStatus.currentlyAvailable).toBe(2000);
  });
});

describe("leaky bucket", () => {
  it("GIVEN repeated expensive queries WHEN the bucket runs dry THEN THROTTLED, and after the restore time it works again", async () => {
    let throttled: Awaited<ReturnType<typeof gql>> | null = null;
    let ok = 0;
    for (let i = 0; i < 30 && !throttled; i++) {
      const r = await gql(sim, token, PAGE);
      if (r.body.errors?.[0]?.extensions?.code === "THROTTLED") throttled = r;
      else ok++;
    }
    expect(throttled).not.toBeNull();
    // Each page reserves 252 points up front and is charged its actual cost (2 + one point per product returned).
    const actualPerPage = 2 + Math.min(250, sim.store.shop(SHOP).products.size);
    let expectedOk = 0;
    for (let left = 2000; left >= 252; left -= actualPerPage) expectedOk++;
    expect(ok).toBe(expectedOk);
    expect(throttled!.status).toBe(200);
    expect(throttled!.body).toEqual({
      errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
      extensions: {
        cost: { requestedQueryCost: 252, actualQueryCost: null, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: expect.any(Number), restoreRate: 100 } },
      },
    });
    const available = throttled!.body.extensions!.cost!.throttleStatus.currentlyAvailable;
    expect(available).toBeLessThan(252);

    clock += Math.ceil(((252 - available) / 100) * 1000) - 100; // not quite enough yet
    expect((await gql(sim, token, PAGE)).body.errors?.[0]?.extensions?.code).toBe("THROTTLED");
    clock += 200;
    const recovered = await gql(sim, token, PAGE);
    expect(recovered.body.errors).toBeUndefined();
    expect(recovered.body.data!.products).toBeTruthy();
  });

  it("GIVEN a Plus plan THEN the bucket is 20,000 points restoring 1,000/s", async () => {
    sim.store.setPlan(SHOP, "plus");
    const r = await gql(sim, token, `{ shop { name } }`);
    expect(r.body.extensions?.cost?.throttleStatus).toEqual({ maximumAvailable: 20_000, currentlyAvailable: 19_999, restoreRate: 1000 });
  });

  it("GIVEN a tiny custom bucket over the control API THEN the limits apply", async () => {
    const res = await fetch(`${sim.origin}/_simulator/shops/${SHOP}/plan`, { method: "POST", body: JSON.stringify({ bucketSize: 50, restoreRate: 5 }) });
    expect((await res.json()).throttle).toEqual({ maximumAvailable: 50, currentlyAvailable: 50, restoreRate: 5 });
    const r = await gql(sim, token, `{ products(first: 60) { nodes { id } } }`);
    expect(r.body.errors?.[0]?.extensions?.code).toBe("THROTTLED");
  });
});
