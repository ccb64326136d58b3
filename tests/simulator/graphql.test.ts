import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "./server";
import { gql, SHOP, startTestSimulator, tokenWithScopes } from "./test-support";

const ALL_SCOPES = ["read_products", "read_orders", "read_all_orders", "read_customers", "write_customers", "read_inventory"];

let sim: Simulator;
let token: string;

beforeAll(async () => {
  sim = await startTestSimulator();
  token = tokenWithScopes(sim, ALL_SCOPES);
});
afterAll(() => sim.close());

describe("Admin GraphQL: valid documents", () => {
  it("GIVEN the demo shop WHEN querying shop and installation THEN real values come back with extensions.cost", async () => {
    const r = await gql(sim, token, `query ShopInfo { shop { id name myshopifyDomain currencyCode plan { displayName shopifyPlus } } currentAppInstallation { accessScopes { handle } } }`);
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({
      shop: { id: expect.stringMatching(/^gid:\/\/shopify\/Shop\/\d+$/), name: "Syncline Demo", myshopifyDomain: SHOP, currencyCode: "EUR", plan: { displayName: "Grow", shopifyPlus: false } },
      currentAppInstallation: { accessScopes: ALL_SCOPES.map((handle) => ({ handle })) },
    });
    expect(r.body.extensions?.cost).toMatchObject({ requestedQueryCost: 4, actualQueryCost: 4, throttleStatus: { maximumAvailable: 2000, restoreRate: 100 } });
  });

  it("GIVEN products WHEN paginating with cursors THEN every product is seen exactly once in id order", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const r = await gql(sim, token, `query P($after: String) { products(first: 50, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`, { after });
      const products = r.body.data!.products as { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      seen.push(...products.nodes.map((n) => n.id));
      if (!products.pageInfo.hasNextPage) break;
      after = products.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(sim.store.shop(SHOP).products.size);
    expect(new Set(seen).size).toBe(seen.length);
    const numeric = seen.map((g) => BigInt(g.split("/").pop()!));
    expect([...numeric].sort((a, b) => (a < b ? -1 : 1))).toEqual(numeric);
  });

  it("GIVEN orders over 90 days WHEN filtering created_at:>= THEN only newer orders are returned", async () => {
    const cutoff = new Date(sim.store.now() - 10 * 86_400_000).toISOString();
    const r = await gql(sim, token, `query O($q: String) { orders(first: 250, query: $q) { nodes { id createdAt } } }`, { q: `created_at:>='${cutoff}'` });
    const nodes = (r.body.data!.orders as { nodes: { createdAt: string }[] }).nodes;
    const expected = [...sim.store.shop(SHOP).orders.values()].filter((o) => o.createdAt >= Date.parse(cutoff)).length;
    expect(nodes.length).toBe(expected);
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((n) => Date.parse(n.createdAt) >= Date.parse(cutoff) - 1000)).toBe(true);
  });

  it("GIVEN an unknown search field WHEN querying THEN it is ignored and reported in extensions.search", async () => {
    const r = await gql(sim, token, `{ customers(first: 1, query: "colour:blue") { nodes { id } } }`);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.extensions?.search).toEqual([
      { path: ["customers"], query: "colour:blue", warnings: [{ field: "colour", message: "Invalid search field for this query." }] },
    ]);
  });

  it("GIVEN an email WHEN looking a customer up by identifier THEN the same customer is found case-insensitively", async () => {
    const c = [...sim.store.shop(SHOP).customers.values()].find((x) => x.email)!;
    const r = await gql(sim, token, `query C($e: String!) { customerByIdentifier(identifier: { emailAddress: $e }) { id defaultEmailAddress { emailAddress marketingState } } }`, {
      e: c.email!.toUpperCase(),
    });
    expect(r.body.data!.customerByIdentifier).toMatchObject({ id: `gid://shopify/Customer/${c.id}`, defaultEmailAddress: { emailAddress: c.email } });
  });
});

describe("Admin GraphQL: invalid documents are rejected like Shopify", () => {
  it("GIVEN an unknown field THEN HTTP 200 with an undefinedField error and no data", async () => {
    const r = await gql(sim, token, `query ShopInfo {\n  shop { name nope }\n}`);
    expect(r.status).toBe(200);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors).toEqual([
      {
        message: "Field 'nope' doesn't exist on type 'Shop'",
        locations: [{ line: 2, column: 15 }],
        path: ["query ShopInfo", "shop", "nope"],
        extensions: { code: "undefinedField", typeName: "Shop", fieldName: "nope" },
      },
    ]);
  });

  it("GIVEN a wrong argument type THEN argumentLiteralsIncompatible names the argument", async () => {
    const r = await gql(sim, token, `{ products(first: "ten") { nodes { id } } }`);
    expect(r.body.errors?.[0]).toMatchObject({
      message: `Argument 'first' on Field 'products' has an invalid value ("ten"). Expected type 'Int'.`,
      extensions: { code: "argumentLiteralsIncompatible", argumentName: "first" },
    });
  });

  it("GIVEN a missing required argument or a bad variable THEN Shopify-shaped errors", async () => {
    const missing = await gql(sim, token, `{ product { id } }`);
    expect(missing.body.errors?.[0]).toMatchObject({ message: "Field 'product' is missing required arguments: id", extensions: { code: "missingRequiredArguments" } });
    const badVar = await gql(sim, token, `query Q($n: Int!) { products(first: $n) { nodes { id } } }`, { n: "x" });
    expect(badVar.body.errors?.[0]).toMatchObject({ message: "Variable $n of type Int! was provided invalid value", extensions: { code: "INVALID_VARIABLE", value: "x" } });
  });

  it("GIVEN a syntax error THEN a parse error with its location", async () => {
    const r = await gql(sim, token, `{ shop { name }`);
    expect(r.body.errors?.[0]).toMatchObject({ locations: [{ line: 1, column: 16 }], extensions: { code: "parseError" } });
  });

  it("GIVEN a field the simulator does not implement THEN an error names it instead of a silent null", async () => {
    const r = await gql(sim, token, `{ shop { name navigationSettings { title } } }`);
    expect(r.body.errors?.[0]).toMatchObject({
      message: expect.stringContaining("Shop.navigationSettings"),
      path: ["shop", "navigationSettings"],
      extensions: { code: "NOT_IMPLEMENTED_IN_SIMULATOR" },
    });
  });

  it("GIVEN a connection without first or last THEN an error", async () => {
    const r = await gql(sim, token, `{ products { nodes { id } } }`);
    expect(r.body.errors?.[0].message).toBe("you must provide one of first or last");
  });
});

describe("Admin GraphQL: authentication and access scopes", () => {
  it("GIVEN no token, a foreign token or another version THEN 401 / 404 like Shopify", async () => {
    const res = await fetch(`${sim.origin}/admin/api/2026-07/graphql.json`, { method: "POST", headers: { "X-Simulator-Shop": SHOP, "Content-Type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    const other = sim.accessToken("syncline-bigids.myshopify.com");
    expect((await gql(sim, other, "{ shop { name } }")).status).toBe(401);
    const v = await fetch(`${sim.origin}/admin/api/2024-01/graphql.json`, { method: "POST", headers: { "X-Simulator-Shop": SHOP, "X-Shopify-Access-Token": token }, body: "{}" });
    expect(v.status).toBe(404);
  });

  it("GIVEN the shop as Host header (*.myshopify.com) THEN the request is routed to that shop", async () => {
    const { request } = await import("node:http");
    const origin = new URL(sim.origin);
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: origin.hostname, port: origin.port, path: "/admin/api/2026-07/graphql.json", method: "POST", headers: { Host: SHOP, "Content-Type": "application/json", "X-Shopify-Access-Token": token } },
        (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve(text));
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify({ query: "{ shop { myshopifyDomain } }" }));
    });
    expect(JSON.parse(text).data.shop.myshopifyDomain).toBe(SHOP);
  });

  it("GIVEN no read_orders WHEN reading orders THEN ACCESS_DENIED with Shopify's wording", async () => {
    const limited = tokenWithScopes(sim, ["read_products"]);
    try {
      const r = await gql(sim, limited, `{ orders(first: 1) { nodes { id } } }`);
      expect(r.body.errors?.[0]).toMatchObject({
        message: "Access denied for orders field. Required access: `read_orders` access scope, `read_marketplace_orders` access scope or `read_quick_sale` access scope.",
        path: ["orders"],
        extensions: { code: "ACCESS_DENIED", requiredAccess: expect.stringContaining("read_orders") },
      });
      const node = await gql(sim, limited, `query N($id: ID!) { node(id: $id) { id } }`, { id: `gid://shopify/Customer/${[...sim.store.shop(SHOP).customers.keys()][0]}` });
      expect(node.body.errors?.[0].extensions?.code).toBe("ACCESS_DENIED");
      const mutation = await gql(sim, limited, `mutation { customerSet(input: { email: "x@example.com" }) { userErrors { message } } }`);
      expect(mutation.body.errors?.[0]).toMatchObject({ message: expect.stringContaining("write_customers"), extensions: { code: "ACCESS_DENIED" } });
    } finally {
      sim.store.shop(SHOP).installation.scopes = ALL_SCOPES;
    }
  });

  it("GIVEN read_orders without read_all_orders THEN only the last 60 days are visible", async () => {
    const t = tokenWithScopes(sim, ["read_orders"]);
    try {
      const r = await gql(sim, t, `{ ordersCount { count } }`);
      const cutoff = sim.store.now() - 60 * 86_400_000;
      const recent = [...sim.store.shop(SHOP).orders.values()].filter((o) => o.createdAt >= cutoff).length;
      expect(r.body.data!.ordersCount).toEqual({ count: recent });
      expect(recent).toBeLessThan(sim.store.shop(SHOP).orders.size);
    } finally {
      sim.store.shop(SHOP).installation.scopes = ALL_SCOPES;
    }
  });
});

describe("Admin GraphQL: scopes as @shopify/shopify-app-remix reads and revokes them", () => {
  it("GIVEN the library's FetchAccessScopes query THEN required, optional and granted scopes come from the toml and the store", async () => {
    const r = await gql(sim, token, `query FetchAccessScopes{ app { requestedAccessScopes { handle } optionalAccessScopes { handle } installation { accessScopes { handle } } } }`);
    expect(r.body.data).toEqual({
      app: {
        requestedAccessScopes: [{ handle: "read_products" }],
        optionalAccessScopes: ["read_orders", "read_customers", "write_customers", "read_inventory", "read_all_orders"].map((handle) => ({ handle })),
        installation: { accessScopes: ALL_SCOPES.map((handle) => ({ handle })) },
      },
    });
  });

  it("GIVEN appRevokeAccessScopes THEN optional scopes go, required ones are refused", async () => {
    const M = `mutation AppRevokeAccessScopes($scopes: [String!]!) { appRevokeAccessScopes(scopes: $scopes) { revoked { handle } userErrors { field message code } } }`;
    try {
      const required = await gql(sim, token, M, { scopes: ["read_products"] });
      expect((required.body.data!.appRevokeAccessScopes as { userErrors: { code: string }[] }).userErrors[0].code).toBe("CANNOT_REVOKE_REQUIRED_SCOPES");
      const ok = await gql(sim, token, M, { scopes: ["read_inventory"] });
      expect(ok.body.data!.appRevokeAccessScopes).toEqual({ revoked: [{ handle: "read_inventory" }], userErrors: [] });
      expect(sim.store.shop(SHOP).installation.scopes).not.toContain("read_inventory");
    } finally {
      sim.store.shop(SHOP).installation.scopes = ALL_SCOPES;
    }
  });
});

describe("Admin GraphQL: webhook subscription mutations", () => {
  const CREATE = `mutation Create($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
    webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
      webhookSubscription { id topic uri filter includeFields format apiVersion { handle } }
      userErrors { field message }
    }
  }`;
  const DELETE = `mutation Delete($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } } }`;

  it("GIVEN a new topic+uri THEN it is created, listed, a duplicate is refused, and delete works once", async () => {
    const sub = { uri: "https://app.example.com/webhooks/orders", includeFields: ["id", "name"], filter: "source_name:web" };
    const created = await gql(sim, token, CREATE, { topic: "ORDERS_CREATE", sub });
    const payload = created.body.data!.webhookSubscriptionCreate as { webhookSubscription: { id: string }; userErrors: unknown[] };
    expect(payload.userErrors).toEqual([]);
    expect(payload.webhookSubscription).toMatchObject({ topic: "ORDERS_CREATE", uri: sub.uri, includeFields: ["id", "name"], filter: "source_name:web", format: "JSON", apiVersion: { handle: "2026-07" } });

    const listed = await gql(sim, token, `{ webhookSubscriptions(first: 10, topics: [ORDERS_CREATE]) { nodes { id uri } } }`);
    expect((listed.body.data!.webhookSubscriptions as { nodes: { id: string }[] }).nodes.map((n) => n.id)).toContain(payload.webhookSubscription.id);

    const dup = await gql(sim, token, CREATE, { topic: "ORDERS_CREATE", sub });
    expect(dup.body.data!.webhookSubscriptionCreate).toEqual({
      webhookSubscription: null,
      userErrors: [{ field: ["webhookSubscription", "uri"], message: "Address for this topic has already been taken" }],
    });

    const del = await gql(sim, token, DELETE, { id: payload.webhookSubscription.id });
    expect(del.body.data!.webhookSubscriptionDelete).toEqual({ deletedWebhookSubscriptionId: payload.webhookSubscription.id, userErrors: [] });
    const again = await gql(sim, token, DELETE, { id: payload.webhookSubscription.id });
    expect(again.body.data!.webhookSubscriptionDelete).toEqual({
      deletedWebhookSubscriptionId: null,
      userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }],
    });
  });

  it("GIVEN a bad address or topic THEN userErrors or a validation error", async () => {
    const http = await gql(sim, token, CREATE, { topic: "ORDERS_CREATE", sub: { uri: "http://evil.example.com/hook" } });
    expect((http.body.data!.webhookSubscriptionCreate as { userErrors: unknown[] }).userErrors).toEqual([
      { field: ["webhookSubscription", "uri"], message: "Address protocol http:// is not supported" },
    ]);
    const blank = await gql(sim, token, CREATE, { topic: "ORDERS_CREATE", sub: { uri: "" } });
    expect((blank.body.data!.webhookSubscriptionCreate as { userErrors: unknown[] }).userErrors).toEqual([{ field: ["webhookSubscription", "uri"], message: "Address can't be blank" }]);
    const topic = await gql(sim, token, CREATE, { topic: "CUSTOMERS_REDACT", sub: { uri: "https://a.example.com" } });
    expect(topic.body.errors?.[0].extensions?.code).toBe("INVALID_VARIABLE");
  });
});

describe("Admin GraphQL: customer mutations", () => {
  it("GIVEN a consent update THEN the newer consent wins and an older one is ignored", async () => {
    const c = [...sim.store.shop(SHOP).customers.values()].find((x) => x.email && x.emailConsent?.state !== "SUBSCRIBED")!;
    const M = `mutation U($input: CustomerEmailMarketingConsentUpdateInput!) { customerEmailMarketingConsentUpdate(input: $input) { customer { defaultEmailAddress { marketingState marketingOptInLevel marketingUpdatedAt } } userErrors { field message code } } }`;
    const at = new Date(sim.store.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const r = await gql(sim, token, M, { input: { customerId: `gid://shopify/Customer/${c.id}`, emailMarketingConsent: { marketingState: "SUBSCRIBED", marketingOptInLevel: "CONFIRMED_OPT_IN", consentUpdatedAt: at } } });
    expect(r.body.data!.customerEmailMarketingConsentUpdate).toEqual({
      customer: { defaultEmailAddress: { marketingState: "SUBSCRIBED", marketingOptInLevel: "CONFIRMED_OPT_IN", marketingUpdatedAt: at } },
      userErrors: [],
    });
    const older = new Date(sim.store.now() - 7200_000).toISOString();
    const stale = await gql(sim, token, M, { input: { customerId: `gid://shopify/Customer/${c.id}`, emailMarketingConsent: { marketingState: "UNSUBSCRIBED", consentUpdatedAt: older } } });
    expect((stale.body.data!.customerEmailMarketingConsentUpdate as { customer: unknown }).customer).toEqual({
      defaultEmailAddress: { marketingState: "SUBSCRIBED", marketingOptInLevel: "CONFIRMED_OPT_IN", marketingUpdatedAt: at },
    });
    const bad = await gql(sim, token, M, { input: { customerId: `gid://shopify/Customer/${c.id}`, emailMarketingConsent: { marketingState: "NOT_SUBSCRIBED" } } });
    expect((bad.body.data!.customerEmailMarketingConsentUpdate as { userErrors: unknown[] }).userErrors).toEqual([
      { field: ["input", "emailMarketingConsent", "marketingState"], message: "Marketing state is not included in the list", code: "INCLUSION" },
    ]);
  });

  it("GIVEN customerSet by email THEN it creates, then updates the same customer, and refuses a taken email", async () => {
    const M = `mutation S($identifier: CustomerSetIdentifiers, $input: CustomerSetInput!) { customerSet(identifier: $identifier, input: $input) { customer { id email firstName } userErrors { field message code } } }`;
    const email = "new.person@example.org";
    const first = await gql(sim, token, M, { identifier: { email }, input: { email, firstName: "New" } });
    const created = (first.body.data!.customerSet as { customer: { id: string } }).customer;
    expect(created).toMatchObject({ email, firstName: "New" });
    const second = await gql(sim, token, M, { identifier: { email }, input: { email, firstName: "Renamed" } });
    expect((second.body.data!.customerSet as { customer: unknown }).customer).toEqual({ id: created.id, email, firstName: "Renamed" });
    const taken = [...sim.store.shop(SHOP).customers.values()].find((x) => x.email && x.email !== email)!.email!;
    const clash = await gql(sim, token, M, { identifier: { id: created.id }, input: { email: taken } });
    expect((clash.body.data!.customerSet as { userErrors: unknown[] }).userErrors).toEqual([{ field: ["input", "email"], message: "Email has already been taken", code: "TAKEN" }]);
  });
});
