/**
 * The sync control plane against the Shopify simulator, on SQLite and PostgreSQL: turning switches on and off,
 * races, Shopify failing midway, the health job's repairs, revocation and uninstall. Every check compares the
 * simulator's subscription list with our rows. The app's modules are loaded as the app loads them (environment
 * first, then a fresh module graph); Shopify is reached only through the admin client and the simulator seam
 * (SHOPIFY_ADMIN_ORIGIN), and the simulator's webhooks reach the app through a local HTTP server that hands each
 * request to receiveWebhook, exactly as the webhook routes do.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { DEMO_SHOP, startSimulator, type Simulator } from "../simulator";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { loadAppFor, unloadApp } from "../support/app";
import { TEST_API_KEY, TEST_API_SECRET } from "../support/webhooks";

type Control = typeof import("~/syncs/control.server");
type AdminClientModule = typeof import("~/shopify/admin-client.server");
type AdminClient = import("~/shopify/admin-client.server").AdminClient;

const pgUp = await postgresAvailable();
const SHOP = DEMO_SHOP;
// write_pixels and read_customer_events: the purchase switch also creates the web pixel (extensions/purchase-pixel).
const ALL_SCOPES = ["read_orders", "write_pixels", "read_customer_events", "read_customers", "write_customers", "read_products", "read_inventory"];
const PURCHASE_TOPICS = ["ORDERS_CREATE", "ORDERS_UPDATED", "REFUNDS_CREATE"];

// The app's webhook endpoint: a plain HTTP server handing every request to the current app's receiveWebhook.
let receiveWebhook: ((request: Request) => Promise<Response>) | null = null;
let appServer: Server;
let APP_URL = "";
let sim: Simulator;

beforeAll(async () => {
  appServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      const request = new Request(`${APP_URL}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
      (receiveWebhook ? receiveWebhook(request) : Promise.resolve(new Response(null, { status: 503 })))
        .then(async (response) => {
          res.writeHead(response.status);
          res.end(await response.text());
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
  APP_URL = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  sim = await startSimulator({
    port: 0,
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    appUrl: APP_URL,
    // Small, and with the sync scopes granted from the start (granting later would send app/scopes_update).
    seed: { customers: 5, products: 5, orders: 0, bigIdShop: false, scopes: ALL_SCOPES },
    quiet: true,
    webhookSwitches: { retryBaseMs: 5, maxRetries: 1 },
  });
});

afterAll(async () => {
  await sim?.close();
  await new Promise<void>((resolve) => appServer?.close(() => resolve()));
});

describe.each(["sqlite", "postgresql"] as const)("sync control plane on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against the simulator", () => {
    let database: TestDatabase;
    let control: Control;
    let admin: AdminClientModule;
    let runUntilIdle: typeof import("~/jobs/worker.server").runUntilIdle;
    let enqueue: typeof import("~/jobs/queue.server").enqueue;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "syncs" });
      Object.assign(process.env, {
        LOG_LEVEL: "silent",
      });
      await loadAppFor(database, { simulatorOrigin: sim.origin, appUrl: APP_URL });
      control = await import("~/syncs/control.server");
      admin = await import("~/shopify/admin-client.server");
      runUntilIdle = (await import("~/jobs/worker.server")).runUntilIdle;
      enqueue = (await import("~/jobs/queue.server")).enqueue;
      receiveWebhook = (await import("~/webhooks/receive.server")).receiveWebhook;
    });

    afterAll(async () => {
      receiveWebhook = null;
      await unloadApp(database);
    });

    let token = "";
    beforeEach(async () => {
      sim.reset();
      token = sim.accessToken(SHOP);
      await sim.webhooks.idle();
      const db = database.prisma;
      for (const model of [db.webhookSubscription, db.syncSetting, db.activityLog, db.job, db.schedule, db.webhookDelivery, db.session, db.shop]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      await db.shop.create({ data: { shop: SHOP, scopes: ALL_SCOPES.join(","), scopesUpdatedAt: new Date(Date.now() - 3_600_000) } });
      await db.session.create({
        data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: token, scope: ALL_SCOPES.join(",") },
      });
    });

    // ------------------------------------------------------------------------------------------------ helpers

    const db = () => database.prisma;

    /** A route's client: the session it authenticated, with short retries so failures surface fast. */
    function routeClient(): AdminClient {
      const session = new Session({ id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: token, scope: ALL_SCOPES.join(",") });
      return admin.adminClientForSession(session, { db: db(), retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } });
    }

    /** The same client, calling `before` with each operation name just before the request goes out. */
    function observed(client: AdminClient, before: (operation: string, n: number) => void): AdminClient {
      let n = 0;
      return {
        shop: client.shop,
        request: ((document: string, options?: never) => {
          before(/(?:query|mutation)\s+(\w+)/.exec(document)?.[1] ?? "?", ++n);
          return client.request(document, options);
        }) as AdminClient["request"],
      };
    }

    const ctx = (client: AdminClient = routeClient(), appUrl = APP_URL) => ({ db: db(), shop: SHOP, client, appUrl, grantedScopes: ALL_SCOPES });

    /** What Shopify holds for the shop, as (topic, uri, gid). */
    const simSubscriptions = () =>
      [...sim.store.shop(SHOP).subscriptions.values()]
        .map((s) => ({ topic: s.topic, uri: s.uri, id: sim.store.subscriptionGid(s) }))
        .sort((a, b) => a.topic.localeCompare(b.topic));

    /** Our live rows, in the same shape. */
    const liveRows = async () =>
      (await db().webhookSubscription.findMany({ where: { shop: SHOP, liveKey: { not: null } } }))
        .map((r) => ({ topic: r.topic, uri: r.uri, id: r.shopifyId }))
        .sort((a, b) => a.topic.localeCompare(b.topic));

    const expectedFor = (topics: string[]) =>
      topics.map((t) => ({ topic: t, uri: `${APP_URL}/webhooks/${t.toLowerCase().replace("_", "/")}` })).sort((a, b) => a.topic.localeCompare(b.topic));

    const setting = (key: string) => db().syncSetting.findUniqueOrThrow({ where: { shop_sync: { shop: SHOP, sync: key } } });

    const runHealth = async () => {
      await enqueue(db(), { type: "syncs.subscriptions.health", shop: SHOP, payload: {} });
      await runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000 });
    };

    /** Shopify's own subscription of an address, created around the app (another app, or an old version of ours). */
    async function createInShopify(topic: string, uri: string): Promise<string> {
      const data = await routeClient().request<{ webhookSubscriptionCreate: { webhookSubscription: { id: string } | null } }>(
        `#graphql
        mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
          webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) { webhookSubscription { id } userErrors { field message } }
        }`,
        { variables: { topic, webhookSubscription: { uri, format: "JSON" } } },
      );
      return data.webhookSubscriptionCreate.webhookSubscription!.id;
    }

    // ------------------------------------------------------------------------------------------------ on / off

    it("turning a switch on creates exactly its subscriptions in Shopify, recorded with their ids", async () => {
      // WHEN the merchant turns purchases on
      const status = await control.enableSwitch(ctx(), "purchases");
      // THEN Shopify holds one subscription per topic, pointing at the app, and our live rows name exactly them
      const held = simSubscriptions();
      expect(held.map(({ topic, uri }) => ({ topic, uri }))).toEqual(expectedFor(PURCHASE_TOPICS));
      expect(await liveRows()).toEqual(held);
      expect(await db().webhookSubscription.count({ where: { shop: SHOP, status: "active" } })).toBe(3);
      expect(status).toMatchObject({ key: "purchases", enabled: true, status: "on", subscriptionsHealthy: true, lastError: null });
      expect(status.subscriptions.map((s) => s.healthy)).toEqual([true, true, true]);
      // AND the health check is scheduled for the shop, and each call is in the activity log under the sync
      const schedule = await db().schedule.findUniqueOrThrow({ where: { name: `syncs.subscriptions.health:${SHOP}` } });
      expect(schedule.intervalSeconds).toBe(1800);
      expect(await db().activityLog.count({ where: { shop: SHOP, kind: "admin_api", name: "WebhookSubscriptionCreate", sync: "purchases", status: "ok" } })).toBe(3);

      // WHEN it is turned on again (a second click after the first completed)
      await control.enableSwitch(ctx(), "purchases");
      // THEN nothing changes
      expect(simSubscriptions()).toEqual(held);
      expect(await liveRows()).toEqual(held);
    });

    it("turning it off deletes every subscription in Shopify and keeps the rows as history", async () => {
      await control.enableSwitch(ctx(), "purchases");
      const created = simSubscriptions();
      // WHEN turned off
      const status = await control.disableSwitch(ctx(), "purchases");
      // THEN Shopify holds nothing, no row is live, the old rows remain with their ids and a deletion time
      expect(simSubscriptions()).toEqual([]);
      expect(await liveRows()).toEqual([]);
      const history = await db().webhookSubscription.findMany({ where: { shop: SHOP } });
      expect(history.map((r) => r.shopifyId).sort()).toEqual(created.map((c) => c.id).sort());
      expect(history.every((r) => r.status === "deleted" && r.deletedAt !== null)).toBe(true);
      expect(status).toMatchObject({ enabled: false, status: "off", subscriptionsHealthy: true });
      // AND with no switch on, the health check is no longer scheduled
      expect(await db().schedule.count()).toBe(0);
    });

    it("turning off treats a subscription Shopify already dropped as deleted", async () => {
      await control.enableSwitch(ctx(), "purchases");
      const [first] = [...sim.store.shop(SHOP).subscriptions.keys()];
      sim.store.shop(SHOP).subscriptions.delete(first);
      await control.disableSwitch(ctx(), "purchases");
      expect(simSubscriptions()).toEqual([]);
      expect(await liveRows()).toEqual([]);
      expect((await setting("purchases")).status).toBe("off");
    });

    it("two concurrent turn-ons produce one set of subscriptions; the loser is told the switch is busy", async () => {
      const results = await Promise.allSettled([
        control.enableSwitch(ctx(), "purchases"),
        control.enableSwitch(ctx(), "purchases"),
        control.enableSwitch(ctx(), "purchases"),
      ]);
      expect(results.filter((r) => r.status === "fulfilled").length).toBeGreaterThanOrEqual(1);
      expect(results.filter((r) => r.status === "rejected").length).toBeGreaterThanOrEqual(1);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(control.SyncBusyError);
      const held = simSubscriptions();
      expect(held.map(({ topic, uri }) => ({ topic, uri }))).toEqual(expectedFor(PURCHASE_TOPICS));
      expect(await liveRows()).toEqual(held);
      expect((await setting("purchases")).status).toBe("on");
    });

    it("turn-ons and turn-offs racing each other always leave Shopify and our records agreeing", async () => {
      const on = () => control.enableSwitch(ctx(), "purchases");
      const off = () => control.disableSwitch(ctx(), "purchases");
      const rounds = [[on, off], [off, on], [on, off, on], [off, on, off], [on, on, off, off]];
      let refused = 0;
      for (const round of rounds) {
        // WHEN clicks arrive at the same moment
        const results = await Promise.allSettled(round.map((click) => click()));
        // THEN each one either completed or was refused as busy
        for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(control.SyncBusyError);
        refused += results.filter((r) => r.status === "rejected").length;
        // AND the switch is settled, Shopify holds its subscriptions exactly when it is on, our rows say the same
        const s = await setting("purchases");
        expect(["on", "off"]).toContain(s.status);
        expect(s.enabled).toBe(s.status === "on");
        expect(simSubscriptions()).toHaveLength(s.enabled ? 3 : 0);
        expect(await liveRows()).toEqual(simSubscriptions());
      }
      expect(refused).toBeGreaterThan(0);
    });

    it("a change that another one holds is refused, but a claim abandoned for over a minute is taken over", async () => {
      // GIVEN a turn-on in progress right now
      await db().syncSetting.create({ data: { shop: SHOP, sync: "purchases", status: "enabling", version: 7 } });
      await expect(control.enableSwitch(ctx(), "purchases")).rejects.toBeInstanceOf(control.SyncBusyError);
      expect(simSubscriptions()).toEqual([]);
      // WHEN that process died two minutes ago (its claim went stale)
      const stale = new Date(Date.now() - 120_000);
      if (provider === "sqlite") await db().$executeRawUnsafe(`UPDATE "SyncSetting" SET "updatedAt" = ? WHERE "shop" = ?`, stale.toISOString(), SHOP);
      else await db().$executeRawUnsafe(`UPDATE "SyncSetting" SET "updatedAt" = $1 WHERE "shop" = $2`, stale, SHOP);
      // THEN a new turn-on takes over and completes
      const status = await control.enableSwitch(ctx(), "purchases");
      expect(status.status).toBe("on");
      expect(await liveRows()).toEqual(simSubscriptions());
      expect(simSubscriptions()).toHaveLength(3);
    });

    it("adopts a subscription Shopify already holds for the address instead of failing on 'already been taken'", async () => {
      // GIVEN Shopify already holds ORDERS_CREATE for our address (an attempt that died before recording it)
      const existing = await createInShopify("ORDERS_CREATE", `${APP_URL}/webhooks/orders/create`);
      // WHEN the switch goes on
      await control.enableSwitch(ctx(), "purchases");
      // THEN that subscription is ours now, and there is still exactly one per topic
      const held = simSubscriptions();
      expect(held).toHaveLength(3);
      expect(held.find((s) => s.topic === "ORDERS_CREATE")?.id).toBe(existing);
      expect(await liveRows()).toEqual(held);
    });

    // ------------------------------------------------------------------------------------------------ failures

    it("when Shopify fails midway, what was created is deleted again and the merchant reads why", async () => {
      // GIVEN Shopify answers 503 to the second subscription (both attempts the client makes)
      const client = observed(routeClient(), (operation, n) => {
        if (operation === "WebhookSubscriptionCreate" && n === 2) sim.graphql.faults.inject(SHOP, { status: 503 }, 2);
      });
      // WHEN the switch is turned on
      const error = await control.enableSwitch(ctx(client), "purchases").catch((e: unknown) => e);
      // THEN the caller gets the reason in plain words, with the switch as it now stands
      expect(error).toBeInstanceOf(control.SyncToggleError);
      const failure = error as InstanceType<Control["SyncToggleError"]>;
      expect(failure.message).toBe("Shopify had a temporary problem (HTTP 503). Try again in a few minutes.");
      expect(failure.status).toMatchObject({ enabled: false, status: "error" });
      // AND Shopify holds nothing, no row is live, the attempt stays visible as history
      expect(simSubscriptions()).toEqual([]);
      expect(await liveRows()).toEqual([]);
      expect(await db().webhookSubscription.count({ where: { shop: SHOP, status: "failed" } })).toBe(2);
      const s = await setting("purchases");
      expect(s).toMatchObject({ enabled: false, status: "error" });
      expect(s.lastError).toBe("Could not turn on Purchase sync: Shopify had a temporary problem (HTTP 503). Try again in a few minutes.");
      expect(s.lastErrorAt).not.toBeNull();

      // WHEN the merchant tries again once Shopify is back
      const status = await control.enableSwitch(ctx(), "purchases");
      // THEN it completes and the error is gone
      expect(status).toMatchObject({ status: "on", lastError: null });
      expect(await liveRows()).toEqual(simSubscriptions());
      expect(simSubscriptions()).toHaveLength(3);
    });

    it("when Shopify keeps failing during the cleanup too, the health job removes the leftover later", async () => {
      const client = observed(routeClient(), (operation, n) => {
        if (operation === "WebhookSubscriptionCreate" && n === 2) sim.graphql.faults.inject(SHOP, { status: 502 }, 50);
      });
      await expect(control.enableSwitch(ctx(client), "purchases")).rejects.toBeInstanceOf(control.SyncToggleError);
      // Shopify still holds the first subscription, and our record of it stays live so that it is not forgotten;
      // so does the record of the second, which Shopify may or may not have created (it never answered)
      expect(simSubscriptions()).toHaveLength(1);
      expect(await liveRows()).toEqual([...simSubscriptions(), { topic: "ORDERS_UPDATED", uri: `${APP_URL}/webhooks/orders/updated`, id: null }]);
      expect(await setting("purchases")).toMatchObject({ enabled: false, status: "error" });
      expect((await setting("purchases")).lastError).toMatch(/will be removed automatically/);
      expect(await db().schedule.count({ where: { shop: SHOP } })).toBe(1);
      // WHEN Shopify recovers and the health job runs
      sim.graphql.faults.clear(SHOP);
      await runHealth();
      // THEN the leftover is gone, and with nothing left to watch the schedule too
      expect(simSubscriptions()).toEqual([]);
      expect(await liveRows()).toEqual([]);
      expect(await db().schedule.count({ where: { shop: SHOP } })).toBe(0);
      const repairs = (await db().activityLog.findMany({ where: { shop: SHOP, name: "subscriptions.repair" } })).map((r) => JSON.parse(r.detail) as object);
      expect(repairs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ action: "retire", topic: "ORDERS_CREATE", deletedInShopify: true }),
          expect.objectContaining({ action: "retire", topic: "ORDERS_UPDATED", deletedInShopify: false }),
        ]),
      );
    });

    it("Shopify refusing the address (userErrors) leaves nothing behind and says what Shopify said", async () => {
      const error = await control.enableSwitch(ctx(routeClient(), "http://app.example"), "purchases").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(control.SyncToggleError);
      expect((error as Error).message).toMatch(/^Shopify refused the change: Address protocol http:\/\/ is not supported\./);
      expect(simSubscriptions()).toEqual([]);
      expect(await liveRows()).toEqual([]);
      expect(await setting("purchases")).toMatchObject({ enabled: false, status: "error" });
    });

    // ------------------------------------------------------------------------------------------------ scopes

    it("refuses to turn on a switch whose scopes are not granted, before touching anything", async () => {
      const error = await control
        .enableSwitch({ ...ctx(), grantedScopes: ["read_orders", "read_customers"] }, "consent_email")
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(control.ScopeNotGrantedError);
      expect((error as InstanceType<Control["ScopeNotGrantedError"]>).missing).toEqual(["write_customers"]);
      expect(simSubscriptions()).toEqual([]);
      expect(await db().webhookSubscription.count()).toBe(0);
      // write_customers covers read_customers: granted that alone, the switch may go on
      await control.enableSwitch({ ...ctx(), grantedScopes: ["write_customers"] }, "consent_email");
      expect(simSubscriptions().map((s) => s.topic)).toEqual(["CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE"]);
    });

    it("records declined scopes: the switch stays off and says why and how to retry", async () => {
      await control.recordScopeDeclined(db(), SHOP, "purchases", ["read_orders"]);
      const [status] = await control.loadSwitches(db(), SHOP, "purchases", []);
      expect(status).toMatchObject({ enabled: false, status: "off", missingScopes: ["read_orders", "write_pixels", "read_customer_events"] });
      expect(status.lastError).toBe(
        "Purchase sync is off because Shopify did not get permission to “View orders”. To try again, turn it on and choose to grant access on Shopify's screen.",
      );
      expect(simSubscriptions()).toEqual([]);
      // AND a later successful turn-on clears it
      expect((await control.enableSwitch(ctx(), "purchases")).lastError).toBeNull();
    });

    it("a scope revoked in Shopify (signed app/scopes_update) turns the switch off with status revoked", async () => {
      // GIVEN purchases and email consent are on
      await control.enableSwitch(ctx(), "purchases");
      await control.enableSwitch(ctx(), "consent_email");
      const consentSubscription = simSubscriptions().find((s) => s.topic === "CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE");
      // WHEN the merchant removes read_orders in Shopify, which sends app/scopes_update to the app
      sim.store.setScopes(SHOP, ALL_SCOPES.filter((s) => s !== "read_orders"));
      await sim.webhooks.idle();
      const delivery = await db().webhookDelivery.findFirstOrThrow({ where: { shop: SHOP, topic: "APP_SCOPES_UPDATE" } });
      await runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000 });
      // THEN purchases is off with the banner's reason, its rows are history; email consent is untouched
      expect((await db().webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status).toBe("processed");
      const [purchases] = await control.loadSwitches(db(), SHOP, "purchases", ALL_SCOPES.filter((s) => s !== "read_orders"));
      expect(purchases).toMatchObject({ enabled: false, status: "revoked", missingScopes: ["read_orders"] });
      expect(purchases.lastError).toBe("Turned off because access to “View orders” was removed in Shopify. Turn it on again to grant it.");
      expect(await db().webhookSubscription.count({ where: { shop: SHOP, sync: "purchases", liveKey: { not: null } } })).toBe(0);
      expect(await db().webhookSubscription.count({ where: { shop: SHOP, sync: "purchases", status: "deleted" } })).toBe(3);
      expect((await setting("consent_email")).status).toBe("on");
      expect(await db().activityLog.count({ where: { shop: SHOP, name: "syncs.revoked", sync: "purchases" } })).toBe(1);
      // AND what Shopify kept of them (the simulator keeps them) the health job deletes, leaving consent's alone
      await runHealth();
      expect(simSubscriptions()).toEqual([consentSubscription]);
      expect(await liveRows()).toEqual(simSubscriptions());
    });

    it("a revocation processed late does not turn off a switch the merchant turned on after it", async () => {
      // GIVEN the merchant removed read_orders in Shopify (its app/scopes_update waits, unprocessed, in the queue)
      const withoutOrders = ALL_SCOPES.filter((s) => s !== "read_orders");
      sim.store.setScopes(SHOP, withoutOrders);
      const revokedAt = new Date();
      // AND then granted it again and turned purchases on (turning on checks the scopes Shopify holds then)
      sim.store.setScopes(SHOP, ALL_SCOPES);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await control.enableSwitch(ctx(), "purchases");
      // WHEN the revocation is processed after that
      const { turnOffRevokedSwitches } = await import("~/syncs/records.server");
      const turnedOff = await db().$transaction((tx) => turnOffRevokedSwitches(tx, SHOP, withoutOrders, revokedAt));
      // THEN the switch stays on, with its subscriptions
      expect(turnedOff).toEqual([]);
      expect((await setting("purchases")).status).toBe("on");
      expect(simSubscriptions()).toHaveLength(3);
      // AND a revocation made after the switch was turned on still turns it off
      const later = await db().$transaction((tx) => turnOffRevokedSwitches(tx, SHOP, withoutOrders, new Date(Date.now() + 1_000)));
      expect(later.map((r) => r.key)).toEqual(["purchases"]);
    });

    it("a revocation is not hidden by later writes to the switch's row (health repairs, claims)", async () => {
      // GIVEN purchases was turned on, then read_orders was revoked
      await control.enableSwitch(ctx(), "purchases");
      await new Promise((resolve) => setTimeout(resolve, 5));
      const revokedAt = new Date();
      // AND before the revocation is processed, the health job claimed and settled the switch (touching the row)
      await db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "purchases" } }, data: { version: { increment: 1 } } });
      // WHEN the revocation is processed
      const { turnOffRevokedSwitches } = await import("~/syncs/records.server");
      const withoutOrders = ALL_SCOPES.filter((s) => s !== "read_orders");
      const turnedOff = await db().$transaction((tx) => turnOffRevokedSwitches(tx, SHOP, withoutOrders, revokedAt));
      // THEN the switch still turns off
      expect(turnedOff.map((r) => r.key)).toEqual(["purchases"]);
      expect((await setting("purchases")).status).toBe("revoked");
    });

    // ------------------------------------------------------------------------------------------------ health

    it("the health job re-creates a dropped subscription, deletes a stray of ours, leaves another app's alone", async () => {
      // GIVEN purchases is on
      await control.enableSwitch(ctx(), "purchases");
      const before = simSubscriptions();
      const dropped = before.find((s) => s.topic === "ORDERS_UPDATED")!;
      // AND Shopify dropped one of its subscriptions (failed deliveries)
      sim.store.shop(SHOP).subscriptions.delete(dropped.id.split("/").pop()!);
      // AND Shopify holds a stray of ours (catalog is off) and another app's subscription to the same topic
      const stray = await createInShopify("PRODUCTS_UPDATE", `${APP_URL}/webhooks/products/update`);
      const otherApp = await createInShopify("ORDERS_UPDATED", "https://other-app.example/webhooks/orders");
      // WHEN the health job runs
      await runHealth();
      // THEN Shopify holds purchases' three (one new) plus the other app's; our live rows match ours exactly
      const after = simSubscriptions();
      const ours = after.filter((s) => s.uri.startsWith(APP_URL));
      expect(ours.map(({ topic, uri }) => ({ topic, uri }))).toEqual(expectedFor(PURCHASE_TOPICS));
      expect(ours.find((s) => s.topic === "ORDERS_UPDATED")!.id).not.toBe(dropped.id);
      expect(after.some((s) => s.id === otherApp)).toBe(true);
      expect(after.some((s) => s.id === stray)).toBe(false);
      expect(await liveRows()).toEqual(ours);
      // AND the dropped subscription's row is history; each repair is in the activity log
      const old = await db().webhookSubscription.findFirstOrThrow({ where: { shop: SHOP, shopifyId: dropped.id } });
      expect(old).toMatchObject({ status: "deleted", liveKey: null });
      const repairs = (await db().activityLog.findMany({ where: { shop: SHOP, kind: "job", name: "subscriptions.repair" } })).map(
        (r) => JSON.parse(r.detail) as { action: string; topic: string; shopifyId: string },
      );
      expect(repairs.map((r) => `${r.action} ${r.topic}`).sort()).toEqual(["recreate ORDERS_UPDATED", "stray PRODUCTS_UPDATE"]);
      expect((await setting("purchases")).status).toBe("on");

      // WHEN it runs again with nothing to repair, THEN it changes nothing and logs nothing new
      await runHealth();
      expect(simSubscriptions()).toEqual(after);
      expect(await db().activityLog.count({ where: { shop: SHOP, name: "subscriptions.repair" } })).toBe(2);
    });

    it("the health job records the id of a subscription Shopify holds but our row lacks", async () => {
      // GIVEN purchases is on, but the ORDERS_CREATE row never got its id (the answer was lost)
      await control.enableSwitch(ctx(), "purchases");
      const held = simSubscriptions();
      await db().webhookSubscription.updateMany({ where: { shop: SHOP, topic: "ORDERS_CREATE" }, data: { shopifyId: null, status: "pending" } });
      // WHEN the health job runs
      await runHealth();
      // THEN the row names Shopify's subscription again, nothing was created or deleted
      expect(simSubscriptions()).toEqual(held);
      expect(await liveRows()).toEqual(held);
      expect(await db().webhookSubscription.count({ where: { shop: SHOP, status: "active" } })).toBe(3);
      const [repair] = await db().activityLog.findMany({ where: { shop: SHOP, name: "subscriptions.repair" } });
      expect(JSON.parse(repair.detail)).toMatchObject({ action: "confirm", topic: "ORDERS_CREATE", previousShopifyId: null });
    });

    it("the health job finishes a turn-off that died midway, including a subscription whose id was never recorded", async () => {
      // GIVEN a turn-off that died two minutes ago, and a row whose id was never recorded
      await control.enableSwitch(ctx(), "purchases");
      await db().webhookSubscription.updateMany({ where: { shop: SHOP, topic: "ORDERS_CREATE" }, data: { shopifyId: null, status: "pending" } });
      const stale = new Date(Date.now() - 120_000);
      if (provider === "sqlite") await db().$executeRawUnsafe(`UPDATE "SyncSetting" SET "status" = 'disabling', "updatedAt" = ? WHERE "shop" = ?`, stale.toISOString(), SHOP);
      else await db().$executeRawUnsafe(`UPDATE "SyncSetting" SET "status" = 'disabling', "updatedAt" = $1 WHERE "shop" = $2`, stale, SHOP);
      // WHEN the health job runs, THEN the interrupted turn-off is completed: nothing left anywhere
      await runHealth();
      expect(await setting("purchases")).toMatchObject({ enabled: false, status: "off" });
      expect(simSubscriptions()).toEqual([]);
      expect(await liveRows()).toEqual([]);
    });

    it("the health job leaves alone a switch that a toggle holds right now", async () => {
      await control.enableSwitch(ctx(), "purchases");
      sim.store.shop(SHOP).subscriptions.clear();
      await db().syncSetting.updateMany({ where: { shop: SHOP }, data: { status: "disabling" } });
      await runHealth();
      expect(simSubscriptions()).toEqual([]);
      expect(await db().activityLog.count({ where: { shop: SHOP, name: "subscriptions.repair" } })).toBe(0);
    });

    // ------------------------------------------------------------------------------------------------ events, uninstall

    it("a sync event is filed under its switch and counted, and lastEventAt is set by the processing job", async () => {
      await control.enableSwitch(ctx(), "purchases");
      // WHEN Shopify sends orders/create through the subscription
      sim.store.placeOrder(SHOP);
      await sim.webhooks.idle();
      const delivery = await db().webhookDelivery.findFirstOrThrow({ where: { shop: SHOP, topic: "ORDERS_CREATE" } });
      // THEN nothing is set before the job runs (the intake only records and enqueues)
      expect((await setting("purchases")).lastEventAt).toBeNull();
      await runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000 });
      // AND afterwards the delivery is processed, filed under purchases, and the page shows it
      expect((await db().webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status).toBe("processed");
      const [status] = await control.loadSwitches(db(), SHOP, "purchases", ALL_SCOPES);
      expect(status.lastEventAt).toBe(delivery.receivedAt.toISOString());
      expect(status.counts).toEqual({ webhooksLast24h: 1, failedLast24h: 0 });
      expect(status.subscriptionsHealthy).toBe(true);
    });

    it("app/uninstalled turns every switch off and makes every live row history", async () => {
      await control.enableSwitch(ctx(), "purchases");
      await control.enableSwitch(ctx(), "catalog");
      sim.store.uninstall(SHOP);
      await sim.webhooks.idle();
      await runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000 });
      expect(simSubscriptions()).toEqual([]);
      expect(await liveRows()).toEqual([]);
      expect(await db().syncSetting.count({ where: { shop: SHOP, OR: [{ enabled: true }, { status: { not: "off" } }] } })).toBe(0);
      expect(await db().schedule.count({ where: { shop: SHOP } })).toBe(0);
    });
  });
});
