import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "./server";
import { gql, SHOP, startTestSimulator, tokenWithScopes } from "./test-support";

let sim: Simulator;
let token: string;

beforeAll(async () => {
  sim = await startTestSimulator();
  token = tokenWithScopes(sim, ["read_products", "read_customers"]);
});
afterAll(() => sim.close());

const RUN = `mutation Run($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } userErrors { field message code } } }`;
const POLL = `query Poll($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount rootObjectCount fileSize url partialDataUrl } }`;

async function run(query: string) {
  const r = await gql(sim, token, RUN, { q: query });
  return r.body.data!.bulkOperationRunQuery as { bulkOperation: { id: string; status: string } | null; userErrors: { field: string[]; message: string; code: string }[] };
}

async function finished(id: string) {
  await sim.graphql.bulk.whenFinished(sim.store.shop(SHOP), id);
  return (await gql(sim, token, POLL, { id })).body.data!.bulkOperation as {
    status: string;
    errorCode: string | null;
    objectCount: string;
    rootObjectCount: string;
    fileSize: string | null;
    url: string | null;
  };
}

describe("bulk operations", () => {
  it("GIVEN products with variants WHEN a bulk query runs THEN it goes CREATED → COMPLETED and the JSONL has one line per node with __parentId", async () => {
    const started = await run(`{ products { edges { node { id title variants { edges { node { id sku } } } } } } }`);
    expect(started.userErrors).toEqual([]);
    expect(started.bulkOperation!.status).toBe("CREATED");
    const current = await gql(sim, token, `{ currentBulkOperation { id status } }`);
    expect((current.body.data!.currentBulkOperation as { id: string }).id).toBe(started.bulkOperation!.id);

    const op = await finished(started.bulkOperation!.id);
    const shop = sim.store.shop(SHOP);
    expect(op).toMatchObject({ status: "COMPLETED", errorCode: null, objectCount: String(shop.products.size + shop.variants.size), rootObjectCount: String(shop.products.size) });
    const res = await fetch(op.url!);
    const text = await res.text();
    expect(Number(op.fileSize)).toBe(Buffer.byteLength(text));
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines).toHaveLength(shop.products.size + shop.variants.size);

    const products = lines.filter((l) => !("__parentId" in l));
    const variants = lines.filter((l) => "__parentId" in l);
    expect(products).toHaveLength(shop.products.size);
    expect(Object.keys(products[0])).toEqual(["id", "title"]);
    for (const v of variants) {
      const variantId = v.id.split("/").pop()!;
      expect(v.__parentId).toBe(`gid://shopify/Product/${shop.variants.get(variantId)!.productId}`);
      expect(Object.keys(v)).toEqual(["id", "sku", "__parentId"]);
    }
    // Children follow their parent.
    const firstProduct = lines.findIndex((l) => l.id === variants[0].__parentId);
    expect(firstProduct).toBeLessThan(lines.indexOf(variants[0]));
  });

  it("GIVEN a nodes-only connection THEN it runs too", async () => {
    const started = await run(`{ customers { nodes { id email } } }`);
    const op = await finished(started.bulkOperation!.id);
    expect(op.objectCount).toBe(String(sim.store.shop(SHOP).customers.size));
  });

  it.each([
    [`{ shop { name } }`, "Bulk queries must contain at least one connection."],
    [`{ products { edges { node { title variants { edges { node { id } } } } } } }`, "The parent 'node' field for a nested connection must select the 'id' field. Connection fields without 'id': variants."],
    [`{ products { edges { node { id collections { edges { node { id products { edges { node { id } } } } } } } } } }`, "Bulk queries cannot contain connections with a nesting depth greater than 2."],
    [`{ products { edges { node { nope } } } }`, "Invalid bulk query: Field 'nope' doesn't exist on type 'Product'"],
  ])("GIVEN %s THEN a userError explains why", async (query, message) => {
    const r = await run(query);
    expect(r.bulkOperation).toBeNull();
    expect(r.userErrors).toEqual([{ field: ["query"], message, code: "INVALID" }]);
  });

  it("GIVEN a bulk query over data without the scope THEN it FAILS with ACCESS_DENIED", async () => {
    const started = await run(`{ orders { edges { node { id } } } }`);
    expect(started.userErrors).toEqual([]);
    const op = await finished(started.bulkOperation!.id);
    expect(op).toMatchObject({ status: "FAILED", errorCode: "ACCESS_DENIED", url: null });
  });

  const RUN_GROUPED = `mutation Run($q: String!, $g: Boolean!) { bulkOperationRunQuery(query: $q, groupObjects: $g) { bulkOperation { id status } userErrors { field message code } } }`;
  const PRODUCTS = `{ products { edges { node { id variants { edges { node { id } } } } } } }`;

  async function lines(groupObjects: boolean) {
    const r = await gql(sim, token, RUN_GROUPED, { q: PRODUCTS, g: groupObjects });
    const id = (r.body.data!.bulkOperationRunQuery as { bulkOperation: { id: string } }).bulkOperation.id;
    const op = await finished(id);
    return (await (await fetch(op.url!)).text()).trimEnd().split("\n").map((l) => JSON.parse(l) as { id: string; __parentId?: string });
  }

  it("GIVEN groupObjects: true THEN each child follows its parent directly; without it (the 2026-07 default) parents come first", async () => {
    const grouped = await lines(true);
    let parent: string | null = null;
    for (const line of grouped) {
      if (line.__parentId === undefined) parent = line.id;
      else expect(line.__parentId).toBe(parent);
    }
    const ungrouped = await lines(false);
    const firstChild = ungrouped.findIndex((l) => l.__parentId !== undefined);
    expect(ungrouped.slice(firstChild).every((l) => l.__parentId !== undefined)).toBe(true);
    expect(new Set(ungrouped.map((l) => l.id))).toEqual(new Set(grouped.map((l) => l.id)));
  });

  it("GIVEN a root connection read in pages (the collection of a large shop) THEN the file is the one an unpaged run writes, grouped or not, and objectCount grows while RUNNING", async () => {
    const bulk = sim.graphql.bulk;
    const pageSize = bulk.rootPageSize;
    const query = `{ products(sortKey: TITLE, reverse: true) { edges { node { id title variants { edges { node { id sku } } } collections { edges { node { id } } } } } } }`;
    const file = async (g: boolean) => {
      const r = await gql(sim, token, RUN_GROUPED, { q: query, g });
      const op = await finished((r.body.data!.bulkOperationRunQuery as { bulkOperation: { id: string } }).bulkOperation.id);
      return { text: await (await fetch(op.url!)).text(), op };
    };
    try {
      bulk.rootPageSize = 1_000_000;
      const whole = [await file(false), await file(true)];
      bulk.rootPageSize = 7;
      const counts: number[] = [];
      const seen = (op: { objectCount: number; status: string }) => op.status === "RUNNING" && counts.push(op.objectCount);
      const probe = setInterval(() => [...sim.store.shop(SHOP).bulkOperations.values()].forEach(seen), 1);
      const paged = [await file(false), await file(true)];
      clearInterval(probe);
      expect(paged.map((f) => f.text)).toEqual(whole.map((f) => f.text));
      expect(paged.map((f) => f.op.objectCount)).toEqual(whole.map((f) => f.op.objectCount));
      expect(whole[0].text.split("\n").filter((l) => l && !l.includes("__parentId")).length).toBe(sim.store.shop(SHOP).products.size);
      expect(new Set(counts.filter((c) => c > 0)).size).toBeGreaterThan(2);
    } finally {
      bulk.rootPageSize = pageSize;
    }
  });

  it("GIVEN __typename beside the root connection THEN the run completes with the connection's lines", async () => {
    const op = await finished((await run(`{ __typename products { edges { node { id } } } }`)).bulkOperation!.id);
    expect(op).toMatchObject({ status: "COMPLETED", rootObjectCount: String(sim.store.shop(SHOP).products.size) });
  });

  it("GIVEN an injected FAILED outcome with partial data THEN the operation fails with errorCode and a partialDataUrl serving part of the lines", async () => {
    sim.graphql.bulk.injectOutcome(SHOP, { status: "FAILED", errorCode: "TIMEOUT", partialData: true });
    const started = await run(PRODUCTS);
    const op = (await finished(started.bulkOperation!.id)) as Awaited<ReturnType<typeof finished>> & { partialDataUrl: string | null };
    expect(op).toMatchObject({ status: "FAILED", errorCode: "TIMEOUT", url: null });
    const partial = (await (await fetch(op.partialDataUrl!)).text()).trimEnd().split("\n");
    expect(partial.length).toBe(Number(op.objectCount));
    const shop = sim.store.shop(SHOP);
    expect(partial.length).toBeLessThan(shop.products.size + shop.variants.size);
  });

  it("GIVEN an injected CANCELED outcome THEN the operation ends CANCELED without a result", async () => {
    sim.graphql.bulk.injectOutcome(SHOP, { status: "CANCELED" });
    const op = await finished((await run(PRODUCTS)).bulkOperation!.id);
    expect(op).toMatchObject({ status: "CANCELED", url: null });
  });

  it("GIVEN a result older than seven days THEN the operation reads EXPIRED and its URL is gone", async () => {
    const op = await finished((await run(PRODUCTS)).bulkOperation!.id);
    expect(op.status).toBe("COMPLETED");
    const id = (await gql(sim, token, `{ currentBulkOperation { id } }`)).body.data!.currentBulkOperation as { id: string };
    const realNow = sim.store.now;
    sim.store.now = () => realNow() + 7 * 86_400_000 + 1_000;
    try {
      const again = (await gql(sim, token, POLL, { id: id.id })).body.data!.bulkOperation as { status: string; url: string | null };
      expect(again).toMatchObject({ status: "EXPIRED", url: null });
      expect((await fetch(op.url!)).status).toBe(404);
    } finally {
      sim.store.now = realNow;
    }
  });
});

