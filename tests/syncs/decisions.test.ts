/**
 * The pure decisions of the sync control plane: which scopes are missing, which switch a delivered topic belongs
 * to, and what the health job must change to make Shopify match our records.
 */
import { describe, expect, it } from "vitest";

import { SYNC_SWITCHES, SYNC_TOPICS, switchOfTopic, webhookPath, type WebhookTopic } from "~/syncs/definitions";
import { planRepairs, type LiveRow, type PlanInput, type RemoteSubscription } from "~/syncs/reconcile";
import { missingScopes, permissionList, scopeGranted } from "~/syncs/scopes";

describe("scopes", () => {
  it.each([
    ["read_orders", ["read_orders"], true],
    ["read_customers", ["write_customers"], true],
    ["write_customers", ["read_customers"], false],
    ["read_orders", ["read_all_orders"], false],
    ["read_products", [], false],
  ] as const)("%s is granted by %j: %s", (scope, granted, expected) => {
    expect(scopeGranted(scope, granted)).toBe(expected);
  });

  it("lists the missing scopes in the order the switch declares them", () => {
    expect(missingScopes(["read_customers", "write_customers", "read_products"], ["write_customers"])).toEqual(["read_products"]);
    expect(missingScopes(["read_products", "read_inventory"], [])).toEqual(["read_products", "read_inventory"]);
  });

  it("names scopes the way a sentence reads", () => {
    expect(permissionList(["read_orders"])).toBe("“View orders”");
    expect(permissionList(["a", "write_b"])).toBe("“a” and “Edit b”");
    expect(permissionList(["a", "b", "c"])).toBe("“a”, “b” and “c”");
  });
});

describe("topics and switches", () => {
  it.each([
    ["orders/create", "purchases"],
    ["ORDERS_UPDATED", "purchases"],
    ["refunds/create", "purchases"],
    ["customers/email_marketing_consent/update", "consent_email"],
    ["customers/marketing_consent/update", "consent_sms"],
    ["inventory_levels/update", "catalog"],
    ["app/uninstalled", undefined],
    ["orders/paid", undefined],
  ])("%s belongs to %s", (topic, key) => {
    expect(switchOfTopic(topic)?.key).toBe(key);
  });

  it("gives every sync topic its own path under /webhooks/, away from the lifecycle and compliance routes", () => {
    const paths = SYNC_TOPICS.map((t) => webhookPath(t));
    expect(new Set(paths).size).toBe(paths.length);
    for (const path of paths) {
      expect(path).toMatch(/^\/webhooks\/[a-z_/]+$/);
      expect(["/webhooks/app/uninstalled", "/webhooks/app/scopes_update", "/webhooks/customers/redact", "/webhooks/customers/data_request", "/webhooks/shop/redact"]).not.toContain(path);
    }
  });
});

const APP = "https://app.example";
const uri = (topic: string) => `${APP}${webhookPath(topic as WebhookTopic)}`;
const purchases = SYNC_SWITCHES.find((s) => s.key === "purchases")!;
const catalog = SYNC_SWITCHES.find((s) => s.key === "catalog")!;

function input(overrides: Partial<PlanInput>): PlanInput {
  return {
    appUrl: APP,
    switches: SYNC_SWITCHES.map((s) => ({ key: s.key, enabled: false, busy: false, topics: s.topics })),
    rows: [],
    remote: [],
    syncTopics: SYNC_TOPICS,
    pathOf: (topic) => webhookPath(topic as WebhookTopic),
    ...overrides,
  };
}

const on = (...keys: string[]) =>
  SYNC_SWITCHES.map((s) => ({ key: s.key, enabled: keys.includes(s.key), busy: false, topics: s.topics }));

let n = 0;
const row = (topic: string, extra: Partial<LiveRow> = {}): LiveRow => ({
  id: `row-${++n}`,
  sync: SYNC_SWITCHES.find((s) => (s.topics as readonly string[]).includes(topic))!.key,
  topic,
  uri: uri(topic),
  shopifyId: `gid://shopify/WebhookSubscription/${n}`,
  status: "active",
  ...extra,
});
const remoteOf = (r: LiveRow): RemoteSubscription => ({ id: r.shopifyId!, topic: r.topic, uri: r.uri });

describe("planRepairs", () => {
  it("changes nothing when Shopify holds exactly what an enabled switch needs", () => {
    const rows = purchases.topics.map((t) => row(t));
    expect(planRepairs(input({ switches: on("purchases"), rows, remote: rows.map(remoteOf) }))).toEqual([]);
  });

  it("re-creates a subscription Shopify dropped, and only that one", () => {
    const rows = purchases.topics.map((t) => row(t));
    const remote = rows.slice(1).map(remoteOf);
    const plan = planRepairs(input({ switches: on("purchases"), rows, remote }));
    expect(plan).toEqual([
      { kind: "recreate", sync: "purchases", topic: "ORDERS_CREATE", uri: uri("ORDERS_CREATE"), rowId: rows[0].id, previousShopifyId: rows[0].shopifyId },
    ]);
  });

  it("creates the subscription of a topic the definitions gained after the switch went on", () => {
    const rows = catalog.topics.slice(0, -1).map((t) => row(t));
    const plan = planRepairs(input({ switches: on("catalog"), rows, remote: rows.map(remoteOf) }));
    expect(plan).toEqual([
      { kind: "recreate", sync: "catalog", topic: "INVENTORY_LEVELS_UPDATE", uri: uri("INVENTORY_LEVELS_UPDATE"), rowId: null, previousShopifyId: null },
    ]);
  });

  it("deletes a stray of ours, and never another app's subscription or our non-sync topics", () => {
    const stray = { id: "gid://shopify/WebhookSubscription/900", topic: "ORDERS_CREATE", uri: `${APP}/webhooks/orders/create` };
    const otherApp = { id: "gid://shopify/WebhookSubscription/901", topic: "ORDERS_CREATE", uri: "https://other-app.example/webhooks/orders/create" };
    const ownLifecycle = { id: "gid://shopify/WebhookSubscription/902", topic: "APP_UNINSTALLED", uri: `${APP}/webhooks/app/uninstalled` };
    const lookalike = { id: "gid://shopify/WebhookSubscription/903", topic: "ORDERS_CREATE", uri: `${APP}.evil.example/webhooks/orders/create` };
    const plan = planRepairs(input({ remote: [stray, otherApp, ownLifecycle, lookalike] }));
    expect(plan).toEqual([{ kind: "stray", topic: "ORDERS_CREATE", uri: stray.uri, shopifyId: stray.id }]);
  });

  it("retires the live rows of a switch that is off, deleting in Shopify what is still there", () => {
    const kept = row("ORDERS_CREATE");
    const gone = row("ORDERS_UPDATED");
    const plan = planRepairs(input({ rows: [kept, gone], remote: [remoteOf(kept)] }));
    expect(plan).toEqual([
      { kind: "retire", sync: "purchases", rowId: kept.id, topic: kept.topic, uri: kept.uri, shopifyId: kept.shopifyId },
      { kind: "retire", sync: "purchases", rowId: gone.id, topic: gone.topic, uri: gone.uri, shopifyId: null },
    ]);
  });

  it("moves subscriptions to a new app URL: old ones retired, new ones created", () => {
    const old = row("ORDERS_CREATE", { uri: "https://old.example/webhooks/orders/create" });
    const plan = planRepairs(input({ switches: on("purchases"), rows: [old], remote: [remoteOf(old)] }));
    expect(plan.filter((r) => r.kind === "retire")).toEqual([
      { kind: "retire", sync: "purchases", rowId: old.id, topic: "ORDERS_CREATE", uri: old.uri, shopifyId: old.shopifyId },
    ]);
    expect(plan.filter((r) => r.kind === "recreate").map((r) => r.uri)).toEqual(purchases.topics.map(uri));
  });

  it("confirms a pending row whose subscription Shopify holds (a toggle died after Shopify answered)", () => {
    const pending = row("ORDERS_CREATE", { status: "pending", shopifyId: null });
    const remote = { id: "gid://shopify/WebhookSubscription/77", topic: pending.topic, uri: pending.uri };
    const others = purchases.topics.slice(1).map((t) => row(t));
    const plan = planRepairs(input({ switches: on("purchases"), rows: [pending, ...others], remote: [remote, ...others.map(remoteOf)] }));
    expect(plan).toEqual([
      { kind: "confirm", sync: "purchases", rowId: pending.id, topic: pending.topic, uri: pending.uri, shopifyId: remote.id, previousShopifyId: null },
    ]);
  });

  it("adopts a subscription an enabled switch needs when no row records it", () => {
    const remote = purchases.topics.map((t, i) => ({ id: `gid://shopify/WebhookSubscription/${500 + i}`, topic: t, uri: uri(t) }));
    const plan = planRepairs(input({ switches: on("purchases"), remote }));
    expect(plan.map((r) => r.kind)).toEqual(["adopt", "adopt", "adopt"]);
    expect(plan.some((r) => r.kind === "stray")).toBe(false);
  });

  it("leaves a switch that another change holds completely alone, and does not call its subscriptions strays", () => {
    const inFlight = row("ORDERS_CREATE", { status: "pending" });
    const switches = SYNC_SWITCHES.map((s) => ({ key: s.key, enabled: s.key === "purchases", busy: s.key === "purchases", topics: s.topics }));
    expect(planRepairs(input({ switches, rows: [inFlight], remote: [remoteOf(inFlight)] }))).toEqual([]);
  });

  it("does not mistake a trailing slash on the app URL for a different address", () => {
    const rows = purchases.topics.map((t) => row(t));
    expect(planRepairs(input({ appUrl: `${APP}/`, switches: on("purchases"), rows, remote: rows.map(remoteOf) }))).toEqual([]);
  });
});
