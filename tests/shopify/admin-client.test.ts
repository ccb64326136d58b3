/**
 * The Admin API client wrapper (app/shopify/admin-client.server.ts) against the real simulator over HTTP, through the
 * app's own seam (SHOPIFY_ADMIN_ORIGIN → setAbstractFetchFunc in ~/shopify.server), on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { Session } from "@shopify/shopify-api";

import type { PrismaClient } from "~/db.server";
import { SHOP_INFO_QUERY } from "~/graphql/ShopInfo";
import { WEBHOOK_SUBSCRIPTION_DELETE_MUTATION } from "~/graphql/WebhookSubscriptionDelete";
import type { ShopInfoQuery, WebhookSubscriptionDeleteMutation } from "~/types/admin.generated";

import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { loadAppFor, unloadApp } from "../support/app";
import { TEST_API_KEY, TEST_API_SECRET, TEST_APP_URL } from "../support/webhooks";
import { startSimulator, type Simulator } from "../simulator";
import { buildFrameUrl } from "../simulator/shell/frame-url";

type AdminClientModule = typeof import("~/shopify/admin-client.server");

/** What the wrapper writes in an activity row's `detail`. */
interface CallDetail {
  type: string;
  attempts: number;
  waitedMs: number;
  retries?: { attempt: number; reason: string; delayMs: number }[];
  cost: { requested: number | null; actual: number | null } | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } | null;
  userErrors?: { field: string[] | null; message: string }[];
  error?: { name: string; message: string; status?: number };
  variables: unknown;
}

const pgUp = await postgresAvailable();
const SHOP = "syncline-demo.myshopify.com";
/** Retries in milliseconds instead of seconds: the behaviour is the same, the suite stays fast. */
const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 200 };
const UNKNOWN_SUBSCRIPTION = "gid://shopify/WebhookSubscription/999999999";
const REJECTED_TOKEN = "shpat_00000000000000000000000000000000";
/** The library answers 410 to user agents that look like bots. */
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, appUrl: TEST_APP_URL, seed: true, quiet: true });
});
afterAll(() => sim?.close());

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.origin}/_simulator${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

describe.each(["sqlite", "postgresql"] as const)("Admin API client on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against the simulator", () => {
    let database: TestDatabase;
    let db: PrismaClient;
    let app: AdminClientModule;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "adminclient" });
      db = database.prisma;
      await loadAppFor(database, { simulatorOrigin: sim.origin });
      app = await import("~/shopify/admin-client.server");
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      for (const model of [db.activityLog, db.session, db.shop]) await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      sim.graphql.faults.reset();
      sim.buckets.reset();
      sim.store.setPlan(SHOP, "standard", { restoreRate: null, bucketSize: null });
      app.adminThrottle.forget();
      await installed(SHOP, sim.accessToken(SHOP));
    });

    /** The rows the app holds for an installed shop: its Shop record and the offline session token exchange stored. */
    async function installed(shop: string, accessToken: string) {
      await db.shop.upsert({ where: { shop }, create: { shop, scopes: "" }, update: { needsReauth: false, uninstalledAt: null } });
      await db.session.upsert({
        where: { id: `offline_${shop}` },
        create: { id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken, scope: "" },
        update: { accessToken },
      });
    }

    const client = (shop = SHOP) => app.adminClientForShop(shop, { db, retry: FAST_RETRY });
    const activity = (shop = SHOP) => db.activityLog.findMany({ where: { shop }, orderBy: { createdAt: "asc" } });
    const detailOf = (row: { detail: string }) => JSON.parse(row.detail) as CallDetail;
    const stats = (shop = SHOP) => ({ ...sim.graphql.faults.stats(shop) });

    it("GIVEN an installed shop WHEN a job runs ShopInfo THEN it gets the typed data and the call is in the activity log with cost and duration", async () => {
      const admin = await client();
      const data = await admin.request(SHOP_INFO_QUERY, { sync: "catalog" });

      expectTypeOf(data).toEqualTypeOf<ShopInfoQuery>();
      expect(data.shop).toMatchObject({ name: "Syncline Demo", myshopifyDomain: SHOP });
      expect(stats()).toMatchObject({ requests: 1, throttled: 0 });

      const [row] = await activity();
      expect(row).toMatchObject({ direction: "out", kind: "admin_api", name: "ShopInfo", status: "ok", sync: "catalog" });
      expect(row.durationMs).toBeGreaterThanOrEqual(0);
      expect(row.reference).toMatch(/^[0-9a-f-]{36}$/); // Shopify's X-Request-Id, for support tickets
      expect(detailOf(row)).toMatchObject({
        type: "query",
        attempts: 1,
        cost: { requested: 2, actual: 2 },
        throttleStatus: { maximumAvailable: 2000, restoreRate: 100 },
      });
      // 2 points taken from a full bucket, and whatever refilled while the simulator worked.
      expect(detailOf(row).throttleStatus?.currentlyAvailable).toBeGreaterThanOrEqual(1998);
    });

    it("types variables and results from the codegen'd maps", () => {
      // Compile-time only (npm run typecheck); never called.
      const typeOnly = async (admin: Awaited<ReturnType<typeof client>>) => {
        const deleted = await admin.request(WEBHOOK_SUBSCRIPTION_DELETE_MUTATION, { variables: { id: "gid://x" } });
        expectTypeOf(deleted).toEqualTypeOf<WebhookSubscriptionDeleteMutation>();
        // @ts-expect-error `ids` is not a variable of WebhookSubscriptionDelete
        await admin.request(WEBHOOK_SUBSCRIPTION_DELETE_MUTATION, { variables: { ids: ["gid://x"] } });
        const explicit = await admin.request<{ shop: { name: string } }>("query Name { shop { name } }");
        expectTypeOf(explicit).toEqualTypeOf<{ shop: { name: string } }>();
      };
      expect(typeof typeOnly).toBe("function");
    });

    it("GIVEN a route's session WHEN adminClientForSession calls THEN it works the same way", async () => {
      const session = new Session({ id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: sim.accessToken(SHOP) });
      const data = await app.adminClientForSession(session, { db }).request(SHOP_INFO_QUERY);
      expect(data.shop.name).toBe("Syncline Demo");
      expect((await activity()).map((r) => r.status)).toEqual(["ok"]);
    });

    it("GIVEN a bucket drained by someone else WHEN a call is THROTTLED THEN it waits for the refill, succeeds, and the log shows the retry", async () => {
      // GIVEN a slow bucket (5 points/s: ShopInfo's 2 points take 400 ms, far above scheduling noise) that the app
      // has seen nearly full
      sim.store.setPlan(SHOP, "standard", { restoreRate: 5, bucketSize: null });
      const admin = await client();
      await admin.request(SHOP_INFO_QUERY);
      // WHEN another process empties it behind our back
      sim.buckets.set(sim.store.shop(SHOP), 0);
      const drained = performance.now();
      const data = await admin.request(SHOP_INFO_QUERY);

      // THEN exactly one THROTTLED answer: the client waited for the refill instead of hammering (a blind retry
      // every 20-200 ms would have been THROTTLED again), then succeeded once 2 points were back
      expect(data.shop.name).toBe("Syncline Demo");
      expect(stats()).toMatchObject({ requests: 3, throttled: 1 });
      expect(performance.now() - drained).toBeGreaterThanOrEqual(400);
      const row = (await activity())[1];
      expect(row.status).toBe("ok");
      const detail = detailOf(row);
      expect(detail).toMatchObject({ attempts: 2, retries: [{ attempt: 1, reason: "THROTTLED" }], cost: { requested: 2, actual: 2 } });
      // Shopify reported under 2 points (floored): at least 1 point to wait for, 200 ms; the jitter before the
      // retry counts toward it.
      expect(detail.retries![0].delayMs + detail.waitedMs).toBeGreaterThanOrEqual(195);
      expect(row.durationMs).toBeGreaterThanOrEqual(195);
    });

    it("GIVEN a bucket that stays empty THEN it gives up after the attempts with ThrottledError, logged as throttled", async () => {
      sim.store.setPlan(SHOP, "standard", { restoreRate: 0, bucketSize: null });
      sim.buckets.set(sim.store.shop(SHOP), 0);
      const admin = await app.adminClientForShop(SHOP, { db, retry: { ...FAST_RETRY, maxAttempts: 3 } });
      // A bucket that holds nothing: Shopify answers THROTTLED whatever the client waits (the signal only bounds the
      // test if that ever changed).
      const error = await admin.request(SHOP_INFO_QUERY, { signal: AbortSignal.timeout(5_000) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(app.ThrottledError);
      expect(error).toMatchObject({ operation: "ShopInfo", attempts: 3 });
      expect(stats()).toMatchObject({ requests: 3, throttled: 3 });
      expect((await activity())[0].status).toBe("throttled");
    });

    it("GIVEN a burst of calls larger than the bucket THEN the pre-emptive wait spreads them so that none is THROTTLED", async () => {
      // GIVEN a shop with a tiny bucket: 10 points, refilling 50 points/s; ShopInfo costs 2
      const shop = `burst-${provider}.myshopify.com`;
      await control("POST", "/shops", { domain: shop, products: 1, customers: 1, orders: 0 });
      await control("POST", `/shops/${shop}/plan`, { restoreRate: 50, bucketSize: 10 });
      await installed(shop, sim.accessToken(shop));
      const admin = await client(shop);

      // WHEN 15 calls start at once (30 points: three bucketfuls)
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 15 }, () => admin.request(SHOP_INFO_QUERY)));
      const elapsed = performance.now() - started;

      // THEN all succeed, Shopify never answered THROTTLED, and they took the time the refill needs (20 points / 50/s)
      expect(results.every((r) => r.shop.myshopifyDomain === shop)).toBe(true);
      expect(stats(shop)).toEqual({ requests: 15, throttled: 0, faulted: 0 });
      expect(elapsed).toBeGreaterThanOrEqual(380);
      const rows = await activity(shop);
      expect(rows).toHaveLength(15);
      expect(rows.every((r) => r.status === "ok" && detailOf(r).attempts === 1)).toBe(true);
      expect(rows.filter((r) => detailOf(r).waitedMs > 0).length).toBeGreaterThanOrEqual(10);

      // AND the same burst sent blind (no wrapper) is throttled: the assertion above can fail
      sim.buckets.reset();
      const token = sim.accessToken(shop);
      const blind = await Promise.all(
        Array.from({ length: 15 }, () =>
          fetch(`${sim.origin}/admin/api/2026-07/graphql.json`, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "X-Simulator-Shop": shop },
            body: JSON.stringify({ query: SHOP_INFO_QUERY }),
          }).then((r) => r.json() as Promise<{ errors?: { extensions?: { code?: string } }[] }>),
        ),
      );
      expect(blind.filter((b) => b.errors?.[0]?.extensions?.code === "THROTTLED").length).toBeGreaterThan(0);
    });

    it("GIVEN Shopify answers 503 once THEN the call is retried after a backoff and succeeds", async () => {
      sim.graphql.faults.inject(SHOP, { status: 503 });
      const data = await (await client()).request(SHOP_INFO_QUERY);
      expect(data.shop.name).toBe("Syncline Demo");
      expect(stats()).toMatchObject({ requests: 2, faulted: 1 });
      const [row] = await activity();
      expect(row.status).toBe("ok");
      expect(detailOf(row)).toMatchObject({ attempts: 2, retries: [{ attempt: 1, reason: "HTTP 503" }] });
      expect(detailOf(row).retries![0].delayMs).toBeGreaterThanOrEqual(FAST_RETRY.baseDelayMs / 2);
    });

    it("GIVEN the connection drops once THEN the call is retried and succeeds", async () => {
      sim.graphql.faults.inject(SHOP, { disconnect: true });
      const data = await (await client()).request(SHOP_INFO_QUERY);
      expect(data.shop.name).toBe("Syncline Demo");
      const [row] = await activity();
      expect(detailOf(row)).toMatchObject({ attempts: 2, retries: [{ reason: expect.stringMatching(/^network error/) }] });
    });

    it("GIVEN Shopify keeps answering 500 THEN it stops after 5 attempts with AdminApiError, logged as error", async () => {
      sim.graphql.faults.inject(SHOP, { status: 500 }, 10);
      const error = await (await client()).request(SHOP_INFO_QUERY, { sync: "purchases" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(app.AdminApiError);
      expect(error).toMatchObject({ name: "AdminApiError", operation: "ShopInfo", status: 500, attempts: 5 });
      expect(stats()).toMatchObject({ requests: 5, faulted: 5 });
      const [row] = await activity();
      expect(row).toMatchObject({ status: "error", sync: "purchases" });
      expect(detailOf(row)).toMatchObject({ attempts: 5, error: { name: "AdminApiError", status: 500 } });
      expect(detailOf(row).retries).toHaveLength(4);
    });

    it("GIVEN a token Shopify rejects THEN 401 flags the shop needsReauth without a retry, and jobs are refused until the merchant returns", async () => {
      // GIVEN a stored token the simulator never issued
      await installed(SHOP, REJECTED_TOKEN);
      const admin = await client();

      // WHEN a call is made
      const error = await admin.request(SHOP_INFO_QUERY).catch((e: unknown) => e);

      // THEN ShopNeedsReauthError after one request; the shop is flagged and the dead token cleared from storage
      expect(error).toBeInstanceOf(app.ShopNeedsReauthError);
      expect(error).toMatchObject({ reason: "unauthorized", status: 401, operation: "ShopInfo", attempts: 1 });
      expect(stats()).toMatchObject({ requests: 1 });
      expect(await db.shop.findUniqueOrThrow({ where: { shop: SHOP } })).toMatchObject({ needsReauth: true });
      expect(await db.session.findUniqueOrThrow({ where: { id: `offline_${SHOP}` } })).toMatchObject({ accessToken: "" });
      const [row] = await activity();
      expect(row).toMatchObject({ name: "ShopInfo", status: "unauthorized" });

      // AND the next job gets no client at all, and sends nothing
      await expect(client()).rejects.toMatchObject({ name: "ShopNeedsReauthError", reason: "needs_reauth" });
      expect(stats()).toMatchObject({ requests: 1 });
    });

    it("GIVEN a page load whose stored token Shopify rejects THEN withAdminClient gets a new token and the page still loads", async () => {
      // GIVEN a stored token Shopify no longer accepts, and the merchant opening the app (a fresh session token)
      await installed(SHOP, REJECTED_TOKEN);
      const url = buildFrameUrl({ appUrl: TEST_APP_URL, apiSecret: TEST_API_SECRET, shop: SHOP, appPath: "/app", idToken: sim.signIdToken(SHOP) });
      const request = new Request(url, { headers: { "User-Agent": BROWSER } });

      // WHEN the loader runs its Admin call through withAdminClient
      const data = await app.withAdminClient(request, (admin) => admin.request(SHOP_INFO_QUERY), { db });

      // THEN the 401 led to a token exchange, the call succeeded with the new token, and the flag is cleared again
      expect(data.shop.name).toBe("Syncline Demo");
      const session = await db.session.findUniqueOrThrow({ where: { id: `offline_${SHOP}` } });
      expect(session.accessToken).toMatch(/^shpat_/);
      expect(session.accessToken).not.toBe(REJECTED_TOKEN);
      expect(await db.shop.findUniqueOrThrow({ where: { shop: SHOP } })).toMatchObject({ needsReauth: false });
      expect((await activity()).map((r) => r.status)).toEqual(["unauthorized", "ok"]);
    });

    it("GIVEN no offline session, or an uninstalled shop THEN adminClientForShop refuses with the reason", async () => {
      await expect(client("never-installed.myshopify.com")).rejects.toMatchObject({ name: "ShopNeedsReauthError", reason: "no_session" });
      expect(await db.shop.count({ where: { shop: "never-installed.myshopify.com" } })).toBe(0);

      await db.shop.update({ where: { shop: SHOP }, data: { uninstalledAt: new Date() } });
      await expect(client()).rejects.toMatchObject({ name: "ShopNeedsReauthError", reason: "uninstalled" });
      expect(stats()).toMatchObject({ requests: 0 });
    });

    it("GIVEN a mutation Shopify refuses THEN the payload carries its userErrors, assertNoUserErrors throws them typed, and the log says user_errors", async () => {
      const admin = await client();
      const data = await admin.request(WEBHOOK_SUBSCRIPTION_DELETE_MUTATION, { variables: { id: UNKNOWN_SUBSCRIPTION }, sync: "purchases" });

      expect(data.webhookSubscriptionDelete?.deletedWebhookSubscriptionId).toBeNull();
      let thrown: unknown;
      try {
        app.assertNoUserErrors(data.webhookSubscriptionDelete, "WebhookSubscriptionDelete");
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(app.UserErrorsError);
      expect(thrown).toMatchObject({
        operation: "WebhookSubscriptionDelete",
        userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }],
        message: "WebhookSubscriptionDelete: id: Webhook subscription does not exist",
      });

      const [row] = await activity();
      expect(row).toMatchObject({ name: "WebhookSubscriptionDelete", status: "user_errors", sync: "purchases" });
      expect(detailOf(row)).toMatchObject({
        type: "mutation",
        cost: { requested: 10 },
        userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }],
        variables: { id: UNKNOWN_SUBSCRIPTION },
      });
    });

    it("GIVEN throwOnUserErrors THEN request itself throws UserErrorsError", async () => {
      const admin = await client();
      await expect(
        admin.request(WEBHOOK_SUBSCRIPTION_DELETE_MUTATION, { variables: { id: UNKNOWN_SUBSCRIPTION }, throwOnUserErrors: true }),
      ).rejects.toMatchObject({ name: "UserErrorsError", userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }] });
      expect((await activity())[0].status).toBe("user_errors");
    });

    it("GIVEN a document Shopify rejects THEN GraphqlErrorsError with Shopify's errors and no retry", async () => {
      const error = await (await client()).request("query Broken { shop { nope } }").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(app.GraphqlErrorsError);
      expect((error as InstanceType<AdminClientModule["GraphqlErrorsError"]>).codes).toEqual(["undefinedField"]);
      expect(stats()).toMatchObject({ requests: 1 });
      expect(await activity()).toMatchObject([{ name: "Broken", status: "error" }]);
    });

    it("GIVEN the activity log cannot be written THEN the call still succeeds", async () => {
      const brokenLog = new Proxy(db, {
        get(target, property, receiver) {
          if (property === "activityLog") return { create: () => Promise.reject(new Error("disk full")) };
          return Reflect.get(target, property, receiver);
        },
      });
      const data = await (await app.adminClientForShop(SHOP, { db: brokenLog })).request(SHOP_INFO_QUERY);
      expect(data.shop.name).toBe("Syncline Demo");
      expect(await activity()).toHaveLength(0);
    });
  });
});
