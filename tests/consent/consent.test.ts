/**
 * Issue 6 against the Shopify simulator, on SQLite and PostgreSQL: consent webhooks (out of order, duplicated, ids
 * above 2^53), the platform's batches (validation, durable storage), the push job (real consentUpdatedAt, stale
 * changes skipped, superseded ones, customers created, Shopify's refusals kept per item), the echo of the app's own
 * write, and the import. Webhook bodies are the simulator's own (its store builds them the way Shopify does), parsed
 * by the app's lossless JSON parser and handled by the registered handler, exactly as the webhook job does.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { BIG_ID_SHOP, DEMO_SHOP, startSimulator, toJsonText, type Simulator } from "../simulator";
import { payloads, type CustomerRecord } from "../simulator/store";
import { loadAppFor, settle, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { TEST_API_KEY, TEST_API_SECRET, TEST_APP_URL } from "../support/webhooks";

const pgUp = await postgresAvailable();
const SHOP = DEMO_SHOP;
const SCOPES = ["read_customers", "write_customers"];
const HOUR = 3_600_000;

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    appUrl: "http://127.0.0.1:9",
    seed: { customers: 30, products: 2, orders: 0, bigIdShop: true, scopes: SCOPES },
    quiet: true,
    bulkPhaseMs: 5,
    webhookSwitches: { retries: false },
  });
});

afterAll(async () => {
  await sim?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

describe.each(["sqlite", "postgresql"] as const)("consent sync on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against the simulator", () => {
    let database: TestDatabase;
    let app: {
      handlers: typeof import("~/webhooks/handlers.server");
      parseShopifyJson: typeof import("~/webhooks/json").parseShopifyJson;
      intake: typeof import("~/consent/intake.server");
      push: typeof import("~/consent/push.server");
      importer: typeof import("~/consent/import.server");
      runUntilIdle: typeof import("~/jobs/worker.server").runUntilIdle;
      adminClientForShop: typeof import("~/shopify/admin-client.server").adminClientForShop;
      logger: typeof import("~/logger.server").logger;
    };

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "consent" });
      process.env.LOG_LEVEL = "silent";
      await loadAppFor(database, { simulatorOrigin: sim.origin });
      app = {
        handlers: await import("~/webhooks/handlers.server"),
        parseShopifyJson: (await import("~/webhooks/json")).parseShopifyJson,
        intake: await import("~/consent/intake.server"),
        push: await import("~/consent/push.server"),
        importer: await import("~/consent/import.server"),
        runUntilIdle: (await import("~/jobs/worker.server")).runUntilIdle,
        adminClientForShop: (await import("~/shopify/admin-client.server")).adminClientForShop,
        logger: (await import("~/logger.server")).logger,
      };
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    const db = () => database.prisma;

    beforeEach(async () => {
      sim.reset();
      sim.store.now = () => Date.now();
      for (const model of [db().platformConnection, db().consentRecord, db().consentChange, db().outboundEvent, db().bulkRun, db().job, db().schedule, db().activityLog, db().syncSetting, db().session, db().shop]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      for (const shop of [SHOP, BIG_ID_SHOP]) {
        sim.store.shop(shop).installation.scopes = SCOPES;
        await db().shop.create({ data: { shop, scopes: SCOPES.join(",") } });
        await db().session.create({
          data: { id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: sim.accessToken(shop), scope: SCOPES.join(",") },
        });
        for (const sync of ["consent_email", "consent_sms"]) {
          await db().syncSetting.create({ data: { shop, sync, enabled: true, status: "on", options: "{}", enabledAt: new Date() } });
        }
      }
    });

    function customers(shop = SHOP): CustomerRecord[] {
      return [...sim.store.shop(shop).customers.values()];
    }

    function withEmail(shop = SHOP) {
      return customers(shop).filter((c) => c.email);
    }

    function withPhone(shop = SHOP) {
      return customers(shop).filter((c) => c.phone);
    }

    /** The consent webhook body Shopify would send for the customer now, as text (ids written digit for digit). */
    function emailBody(c: CustomerRecord, shop = SHOP): string {
      return toJsonText(payloads.emailConsentTopicPayload(sim.store.shop(shop), c));
    }

    function smsBody(c: CustomerRecord, shop = SHOP): string {
      return toJsonText(payloads.smsConsentTopicPayload(sim.store.shop(shop), c));
    }

    /** Handles a delivery the way webhook.process does: the registered handler, its schema, the lossless parse. */
    async function deliver(topic: string, body: string, shop = SHOP) {
      const handler = app.handlers.findWebhookHandler(topic)!;
      const payload = handler.schema.parse(app.parseShopifyJson(body));
      await handler.handle({
        db: db(),
        shop,
        payload,
        delivery: { id: "d", shop, webhookId: "w", topic, triggeredAt: null, receivedAt: new Date() },
        jobId: "j",
        log: app.logger,
      });
    }

    const EMAIL_TOPIC = "customers/email_marketing_consent/update";
    const SMS_TOPIC = "customers/marketing_consent/update";

    async function consentEvents() {
      const rows = await db().outboundEvent.findMany({ where: { type: "consent.changed" }, orderBy: { createdAt: "asc" } });
      return rows.map((r) => (JSON.parse(r.payload) as { data: Record<string, unknown> }).data);
    }

    async function client(shop = SHOP) {
      return app.adminClientForShop(shop, { db: db() });
    }

    async function push(shop = SHOP) {
      return app.push.pushPendingChanges(db(), shop, await client(shop), { log: app.logger });
    }

    /** Runs due jobs, each round further ahead so the bulk run's polls are due, until the run has ended. */
    async function driveRun(id: string) {
      const deadline = Date.now() + 30_000;
      for (let round = 1; ; round++) {
        await app.runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000, clock: () => new Date(Date.now() + round * 15 * 60_000) });
        const run = await db().bulkRun.findUniqueOrThrow({ where: { id } });
        if (!["pending", "running", "processing"].includes(run.status)) return run;
        if (Date.now() > deadline) throw new Error(`run still ${run.status}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    describe("Shopify → platform", () => {
      it("GIVEN three consent changes of one customer delivered newest first and duplicated WHEN handled THEN the record holds the newest and each version is emitted at most once", async () => {
        const c = withEmail()[0];
        const t0 = Math.floor(Date.now() / 1000) * 1000 - 3 * HOUR;
        const bodies: string[] = [];
        for (const [i, state] of (["SUBSCRIBED", "UNSUBSCRIBED", "SUBSCRIBED"] as const).entries()) {
          sim.store.updateConsent(SHOP, c.id, { email: { state, optInLevel: "CONFIRMED_OPT_IN", consentUpdatedAt: t0 + i * HOUR } });
          bodies.push(emailBody(c));
        }
        // Newest first, then the oldest twice, then the middle one: none may move the record back.
        for (const body of [bodies[2], bodies[0], bodies[0], bodies[1], bodies[2]]) await deliver(EMAIL_TOPIC, body);

        const record = await db().consentRecord.findUnique({ where: { shop_customerId_channel: { shop: SHOP, customerId: c.id, channel: "email" } } });
        expect(record).toMatchObject({ state: "SUBSCRIBED", optInLevel: "CONFIRMED_OPT_IN", address: c.email!.toLowerCase(), source: "shopify" });
        expect(record!.consentAt!.toISOString()).toBe(iso(t0 + 2 * HOUR));
        const events = await consentEvents();
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ customerId: c.id, channel: "email", state: "SUBSCRIBED", consentUpdatedAt: iso(t0 + 2 * HOUR), origin: "webhook" });
      });

      it("GIVEN SMS consent deliveries in order WHEN each is newer THEN each is recorded and emitted with its collected-from", async () => {
        const c = withPhone()[0];
        const t0 = Math.floor(Date.now() / 1000) * 1000 - 2 * HOUR;
        sim.store.updateConsent(SHOP, c.id, { sms: { state: "SUBSCRIBED", optInLevel: "SINGLE_OPT_IN", consentUpdatedAt: t0, collectedFrom: "SHOPIFY" } });
        await deliver(SMS_TOPIC, smsBody(c));
        sim.store.updateConsent(SHOP, c.id, { sms: { state: "UNSUBSCRIBED", consentUpdatedAt: t0 + HOUR } });
        await deliver(SMS_TOPIC, smsBody(c));
        const events = await consentEvents();
        expect(events.map((e) => [e.state, e.collectedFrom, e.phone])).toEqual([
          ["SUBSCRIBED", "SHOPIFY", c.phone],
          ["UNSUBSCRIBED", "OTHER", c.phone],
        ]);
      });

      it("GIVEN a shop whose customer ids exceed 2^53 WHEN its consent webhook is handled THEN the id survives digit for digit", async () => {
        const c = withEmail(BIG_ID_SHOP)[0];
        expect(BigInt(c.id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
        sim.store.updateConsent(BIG_ID_SHOP, c.id, { email: { state: "SUBSCRIBED", consentUpdatedAt: Date.now() - HOUR } });
        await deliver(EMAIL_TOPIC, emailBody(c, BIG_ID_SHOP), BIG_ID_SHOP);
        const rows = await db().consentRecord.findMany({ where: { shop: BIG_ID_SHOP } });
        expect(rows.map((r) => r.customerId)).toEqual([c.id]);
        expect((await consentEvents())[0].customerId).toBe(c.id);

        // AND a platform change for another of its customers (looked up by email, then written by id) lands on it.
        const other = withEmail(BIG_ID_SHOP)[1];
        const t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
        await app.intake.acceptBatch(db(), BIG_ID_SHOP, { changes: [{ email: other.email, channel: "email", state: "subscribed", decidedAt: iso(t) }] });
        expect(await push(BIG_ID_SHOP)).toMatchObject({ applied: 1 });
        expect(sim.store.customer(BIG_ID_SHOP, other.id).emailConsent).toMatchObject({ state: "SUBSCRIBED", updatedAt: t });
        expect(await db().consentChange.findFirst({ where: { shop: BIG_ID_SHOP } })).toMatchObject({ customerId: other.id });
      });

      it("GIVEN the email switch is off WHEN an email consent webhook arrives late THEN nothing is recorded or emitted", async () => {
        await db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "consent_email" } }, data: { enabled: false, status: "off" } });
        const c = withEmail()[0];
        sim.store.updateConsent(SHOP, c.id, { email: { state: "SUBSCRIBED" } });
        await deliver(EMAIL_TOPIC, emailBody(c));
        expect(await db().consentRecord.count()).toBe(0);
        expect(await consentEvents()).toHaveLength(0);
      });
    });

    describe("platform → Shopify", () => {
      it("GIVEN a batch with valid and invalid items WHEN accepted THEN valid ones are stored pending and each invalid one is reported with its reasons", async () => {
        const now = new Date();
        const result = await app.intake.acceptBatch(db(), SHOP, {
          changes: [
            { email: "a@example.com", channel: "email", state: "subscribed", optInLevel: "single_opt_in", decidedAt: iso(now.getTime() - 1000) },
            { channel: "email", state: "subscribed", decidedAt: iso(now.getTime()) },
            { phone: "+49 151 1234567", channel: "sms", state: "opted_in", decidedAt: "yesterday" },
            { email: "b@example.com", channel: "email", state: "pending", decidedAt: iso(now.getTime() + 10 * 60_000) },
            "not an object",
          ],
        }, now);
        expect(result.accepted).toBe(1);
        expect(result.results.map((r) => r.status)).toEqual(["queued", "rejected", "rejected", "rejected", "rejected"]);
        const fields = (i: number) => (result.results[i] as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
        expect(fields(1)).toEqual(["email"]);
        expect(fields(2)).toEqual(["decidedAt", "state"]);
        expect(fields(3)).toEqual(["decidedAt"]);
        const stored = await db().consentChange.findMany({ where: { shop: SHOP } });
        expect(stored).toHaveLength(1);
        expect(stored[0]).toMatchObject({ key: "a@example.com", state: "SUBSCRIBED", optInLevel: "SINGLE_OPT_IN", status: "pending" });
        expect(await db().job.count({ where: { shop: SHOP, type: "consent.push" } })).toBe(1);
        await expect(app.intake.acceptBatch(db(), SHOP, { changes: Array.from({ length: 1001 }, () => ({})) })).rejects.toMatchObject({ status: 413 });
      });

      it("GIVEN the platform's API key WHEN it posts a batch to /api/v1/consent THEN the answer is 202 with a result per item; a wrong key gets 401 and stores nothing", async () => {
        const { action } = await import("~/routes/api.v1.consent");
        const { issueApiKey } = await import("~/platform/api-key.server");
        const { apiKey } = await issueApiKey(db(), SHOP);
        const post = (authorization: string, body: unknown) =>
          settle(() =>
            action({
              request: new Request(`${TEST_APP_URL}/api/v1/consent`, {
                method: "POST",
                headers: { Authorization: authorization, "Content-Type": "application/json" },
                body: JSON.stringify(body),
              }),
              params: {},
              context: {},
            }),
          );
        const batch = { changes: [{ email: "x@example.com", channel: "email", state: "subscribed", decidedAt: iso(Date.now() - 1000) }, { channel: "sms" }] };
        // The key with its last character changed (a key that already ends in 0 gets a 1: never the real key).
        const wrongKey = `${apiKey.slice(0, -1)}${apiKey.at(-1) === "0" ? "1" : "0"}`;
        const refused = await post(`Bearer ${wrongKey}`, batch);
        expect(refused.status).toBe(401);
        expect(await db().consentChange.count()).toBe(0);
        const ok = await post(`Bearer ${apiKey}`, batch);
        expect(ok.status).toBe(202);
        expect(await ok.json()).toMatchObject({ accepted: 1, rejected: 1, results: [{ index: 0, status: "queued" }, { index: 1, status: "rejected" }] });
        expect(await db().consentChange.count({ where: { shop: SHOP } })).toBe(1);
        expect((await post(`Bearer ${apiKey}`, { changes: [] })).status).toBe(400);
        expect((await post(`Bearer ${apiKey}`, { changes: [{ channel: "sms" }] })).status).toBe(422);
      });

      it("GIVEN the SMS switch is off WHEN an SMS change is posted THEN it is rejected with that reason", async () => {
        await db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "consent_sms" } }, data: { enabled: false, status: "off" } });
        const result = await app.intake.acceptBatch(db(), SHOP, { changes: [{ phone: "+4915112345", channel: "sms", state: "subscribed", decidedAt: iso(Date.now()) }] });
        expect(result.results[0]).toMatchObject({ status: "rejected", errors: [{ field: "channel", message: "SMS consent sync is turned off for this shop" }] });
      });

      it("GIVEN changes for known, unknown and missing customers WHEN pushed THEN Shopify holds each decision with its real time, a missing customer is created, and superseded ones are not written", async () => {
        const [a, b] = withEmail();
        const p = withPhone().find((c) => c.id !== a.id && c.id !== b.id)!;
        const t = Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000;
        // a is known to the app (a webhook came before); b and p are not.
        sim.store.updateConsent(SHOP, a.id, { email: { state: "UNSUBSCRIBED", consentUpdatedAt: t - HOUR } });
        await deliver(EMAIL_TOPIC, emailBody(a));
        await app.intake.acceptBatch(db(), SHOP, {
          changes: [
            { email: a.email, channel: "email", state: "subscribed", optInLevel: "confirmed_opt_in", decidedAt: iso(t) },
            { email: b.email!.toUpperCase(), channel: "email", state: "unsubscribed", decidedAt: iso(t + 1000) },
            // Two decisions of p: only the newer one is written, whatever the order they were posted in.
            { phone: p.phone, channel: "sms", state: "subscribed", decidedAt: iso(t + 5000) },
            { phone: p.phone, channel: "sms", state: "unsubscribed", decidedAt: iso(t + 2000) },
            { email: "new.person@example.org", phone: "+4917099990000", channel: "email", state: "subscribed", decidedAt: iso(t + 3000) },
          ],
        });
        const summary = await push();
        expect(summary).toMatchObject({ applied: 4, superseded: 1, failed: 0, stale: 0, created: 1, writes: 4 });

        const sa = sim.store.customer(SHOP, a.id).emailConsent!;
        expect([sa.state, sa.optInLevel, sa.updatedAt]).toEqual(["SUBSCRIBED", "CONFIRMED_OPT_IN", t]);
        expect(sim.store.customer(SHOP, b.id).emailConsent).toMatchObject({ state: "UNSUBSCRIBED", updatedAt: t + 1000 });
        expect(sim.store.customer(SHOP, p.id).smsConsent).toMatchObject({ state: "SUBSCRIBED", updatedAt: t + 5000 });
        const created = customers().find((c) => c.email === "new.person@example.org")!;
        expect(created.phone).toBe("+4917099990000");
        expect(created.emailConsent).toMatchObject({ state: "SUBSCRIBED", updatedAt: t + 3000 });

        const changes = await db().consentChange.findMany({ where: { shop: SHOP }, orderBy: { decidedAt: "asc" } });
        expect(changes.map((c) => [c.state, c.status, c.created])).toEqual([
          ["SUBSCRIBED", "applied", false],
          ["UNSUBSCRIBED", "applied", false],
          ["UNSUBSCRIBED", "superseded", false],
          ["SUBSCRIBED", "applied", true],
          ["SUBSCRIBED", "applied", false],
        ]);
        // Nothing the app wrote was sent back to the platform as a Shopify change (b's and p's consent as the lookups
        // found it before the writes is Shopify's, and is sent).
        const events = await consentEvents();
        const written = new Set([t, t + 1000, t + 5000, t + 3000].map(iso));
        expect(events.filter((e) => written.has(String(e.consentUpdatedAt)))).toEqual([]);
        expect(events.filter((e) => e.origin === "webhook").map((e) => e.customerId)).toEqual([a.id]);
        expect(events.filter((e) => e.origin === "lookup").map((e) => e.customerId).sort()).toEqual([b.id, p.id].sort());
      });

      it("GIVEN Shopify holds a newer decision WHEN an older platform change is pushed THEN it is skipped as stale and Shopify is not written", async () => {
        const [known, unknown] = withEmail();
        const t = Math.floor(Date.now() / 1000) * 1000 - HOUR;
        for (const c of [known, unknown]) sim.store.updateConsent(SHOP, c.id, { email: { state: "SUBSCRIBED", consentUpdatedAt: t } });
        await deliver(EMAIL_TOPIC, emailBody(known)); // the app knows `known`'s consent; `unknown` is looked up
        await app.intake.acceptBatch(db(), SHOP, {
          changes: [known, unknown].map((c) => ({ email: c.email, channel: "email", state: "unsubscribed", decidedAt: iso(t - 60_000) })),
        });
        const before = sim.graphql.faults.stats(SHOP).requests;
        const summary = await push();
        expect(summary).toMatchObject({ stale: 2, applied: 0, writes: 0 });
        expect(sim.graphql.faults.stats(SHOP).requests - before).toBe(1); // the lookup of `unknown`, no mutation
        for (const c of [known, unknown]) expect(sim.store.customer(SHOP, c.id).emailConsent).toMatchObject({ state: "SUBSCRIBED", updatedAt: t });
        const changes = await db().consentChange.findMany({ where: { shop: SHOP } });
        expect(changes.every((c) => c.status === "stale" && c.reason?.includes(iso(t)))).toBe(true);
      });

      it("GIVEN the app's record is behind Shopify WHEN an older change is written THEN Shopify keeps the newer decision and the change is reported stale", async () => {
        const c = withEmail()[0];
        const t = Math.floor(Date.now() / 1000) * 1000 - HOUR;
        sim.store.updateConsent(SHOP, c.id, { email: { state: "UNSUBSCRIBED", consentUpdatedAt: t - HOUR } });
        await deliver(EMAIL_TOPIC, emailBody(c));
        // A newer change in Shopify whose webhook has not arrived yet.
        sim.store.updateConsent(SHOP, c.id, { email: { state: "UNSUBSCRIBED", consentUpdatedAt: t } });
        await app.intake.acceptBatch(db(), SHOP, { changes: [{ email: c.email, channel: "email", state: "subscribed", decidedAt: iso(t - 60_000) }] });
        expect(await push()).toMatchObject({ stale: 1, applied: 0 });
        expect(sim.store.customer(SHOP, c.id).emailConsent).toMatchObject({ state: "UNSUBSCRIBED", updatedAt: t });
      });

      it("GIVEN changes Shopify refuses WHEN pushed THEN each fails with Shopify's reason and the rest of the batch is applied", async () => {
        const [owner, other] = withEmail().filter((c) => c.phone);
        const t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
        await app.intake.acceptBatch(db(), SHOP, {
          changes: [
            // A new customer by phone whose email belongs to someone else.
            { phone: "+4917011112222", email: owner.email, channel: "sms", state: "subscribed", decidedAt: iso(t) },
            // A phone Shopify does not accept.
            { phone: "12-34", channel: "sms", state: "subscribed", decidedAt: iso(t) },
            { email: other.email, channel: "email", state: "pending", decidedAt: iso(t) },
          ],
        });
        const summary = await push();
        expect(summary).toMatchObject({ failed: 2, applied: 1 });
        const changes = await db().consentChange.findMany({ where: { shop: SHOP }, orderBy: { key: "asc" } });
        const byKey = new Map(changes.map((c) => [c.key, c]));
        expect(byKey.get("+4917011112222")).toMatchObject({ status: "failed" });
        expect(byKey.get("+4917011112222")!.reason).toContain("Email has already been taken");
        expect(byKey.get("1234")).toMatchObject({ status: "failed" });
        expect(byKey.get("1234")!.reason).toContain("Phone is invalid");
        expect(sim.store.customer(SHOP, other.id).emailConsent).toMatchObject({ state: "PENDING", updatedAt: t });
      });

      it("GIVEN pending changes WHEN the consent.push job runs THEN they are applied (the job the batch enqueued)", async () => {
        const c = withEmail()[0];
        const t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
        await app.intake.acceptBatch(db(), SHOP, { changes: [{ email: c.email, channel: "email", state: "subscribed", decidedAt: iso(t) }] });
        await app.runUntilIdle({ db: db() });
        expect(await db().consentChange.findFirst({ where: { shop: SHOP } })).toMatchObject({ status: "applied", customerId: c.id });
        expect(sim.store.customer(SHOP, c.id).emailConsent).toMatchObject({ state: "SUBSCRIBED", updatedAt: t });
      });
    });

    describe("no echo", () => {
      it("GIVEN the app wrote a platform decision WHEN Shopify's webhook for that write arrives (twice) THEN it is not emitted, AND a later change by the customer still is", async () => {
        const c = withEmail()[0];
        const t = Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000;
        await app.intake.acceptBatch(db(), SHOP, { changes: [{ email: c.email, channel: "email", state: "subscribed", decidedAt: iso(t) }] });
        expect(await push()).toMatchObject({ applied: 1 });
        // The push looked the customer up first: Shopify's consent before the write went to the platform then.
        const before = await consentEvents();
        expect(before.map((e) => e.origin)).toEqual(["lookup"]);
        const echo = emailBody(c); // what Shopify sends after the app's write
        expect(JSON.parse(echo)).toMatchObject({ email_marketing_consent: { state: "subscribed" } });
        await deliver(EMAIL_TOPIC, echo);
        await deliver(EMAIL_TOPIC, echo);
        expect(await consentEvents()).toEqual(before);

        // The customer unsubscribes from an email a minute later: a real change, it flows.
        sim.store.updateConsent(SHOP, c.id, { email: { state: "UNSUBSCRIBED" } });
        await deliver(EMAIL_TOPIC, emailBody(c));
        await deliver(EMAIL_TOPIC, echo); // the echo arriving late changes nothing
        const events = (await consentEvents()).slice(before.length);
        expect(events.map((e) => [e.state, e.origin])).toEqual([["UNSUBSCRIBED", "webhook"]]);
        const record = await db().consentRecord.findFirst({ where: { shop: SHOP, customerId: c.id, channel: "email" } });
        expect(record).toMatchObject({ state: "UNSUBSCRIBED", source: "shopify" });
      });

      it("GIVEN the echo arrives before the write's answer was recorded WHEN handled THEN it is still recognised as the app's own", async () => {
        const c = withEmail()[0];
        const t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
        const { rememberWrite } = await import("~/consent/records.server");
        await rememberWrite(db(), SHOP, { customerId: c.id, channel: "email", address: c.email!, state: "SUBSCRIBED", consentAt: new Date(t) });
        sim.store.updateConsent(SHOP, c.id, { email: { state: "SUBSCRIBED", consentUpdatedAt: t } });
        await deliver(EMAIL_TOPIC, emailBody(c));
        expect(await consentEvents()).toHaveLength(0);
        expect(await db().consentRecord.findFirst({ where: { shop: SHOP, customerId: c.id } })).toMatchObject({ state: "SUBSCRIBED", source: "platform" });
      });
    });

    describe("adversarial orders", () => {
      /** A small seeded PRNG, so a failing order can be replayed. */
      function prng(seed: number) {
        let x = seed >>> 0 || 1;
        return () => {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          return (x >>> 0) / 4294967296;
        };
      }

      it.each([1, 2, 3])(
        "GIVEN Shopify and platform decisions for the same customers, webhooks shuffled and duplicated, batches interleaved (seed %i) WHEN everything is processed THEN Shopify and the app hold the most recent decision and no platform decision is sent back",
        async (seed) => {
          const random = prng(seed);
          const pick = <T,>(list: readonly T[]) => list[Math.floor(random() * list.length)];
          const people = customers().filter((c) => c.email && c.phone).slice(0, 6);
          const base = Math.floor(Date.now() / 1000) * 1000 - 2 * HOUR;
          const states = ["SUBSCRIBED", "UNSUBSCRIBED", "PENDING"] as const;
          // Distinct whole seconds, so "most recent" is never a tie.
          const times = Array.from({ length: 200 }, (_, i) => base + i * 7_000).sort(() => random() - 0.5);
          type Decision = { customer: CustomerRecord; channel: "email" | "sms"; state: (typeof states)[number]; at: number; by: "shopify" | "platform" };
          const decisions: Decision[] = [];
          for (const customer of people) {
            for (const channel of ["email", "sms"] as const) {
              for (let i = 0; i < 4; i++) decisions.push({ customer, channel, state: pick(states), at: times.pop()!, by: random() < 0.5 ? "shopify" : "platform" });
            }
          }
          decisions.sort(() => random() - 0.5);

          const webhooks: { topic: string; body: string }[] = [];
          const platformPending: Decision[] = [];
          for (const d of decisions) {
            if (d.by === "shopify") {
              const changed = sim.store.updateConsent(SHOP, d.customer.id, { [d.channel]: { state: d.state, consentUpdatedAt: d.at } });
              if (changed[d.channel]) {
                webhooks.push(
                  d.channel === "email" ? { topic: EMAIL_TOPIC, body: emailBody(d.customer) } : { topic: SMS_TOPIC, body: smsBody(d.customer) },
                );
              }
            } else {
              platformPending.push(d);
            }
            // Now and then: a batch goes out, a push runs, a few webhooks arrive (in any order, some twice).
            if (random() < 0.25 && platformPending.length) {
              const batch = platformPending.splice(0, platformPending.length);
              await app.intake.acceptBatch(db(), SHOP, {
                changes: batch.map((p) => ({
                  ...(p.channel === "email" ? { email: p.customer.email } : { phone: p.customer.phone }),
                  channel: p.channel,
                  state: p.state.toLowerCase(),
                  decidedAt: iso(p.at),
                })),
              });
            }
            if (random() < 0.2) await push();
            if (random() < 0.3 && webhooks.length) {
              webhooks.sort(() => random() - 0.5);
              const some = webhooks.splice(0, Math.ceil(webhooks.length / 2));
              for (const w of [...some, ...some.filter(() => random() < 0.3)]) await deliver(w.topic, w.body);
            }
          }
          if (platformPending.length) {
            await app.intake.acceptBatch(db(), SHOP, {
              changes: platformPending.map((p) => ({
                ...(p.channel === "email" ? { email: p.customer.email } : { phone: p.customer.phone }),
                channel: p.channel,
                state: p.state.toLowerCase(),
                decidedAt: iso(p.at),
              })),
            });
          }
          await push();
          webhooks.sort(() => random() - 0.5);
          for (const w of [...webhooks, ...webhooks.slice(0, 3)]) await deliver(w.topic, w.body);

          for (const customer of people) {
            for (const channel of ["email", "sms"] as const) {
              const mine = decisions.filter((d) => d.customer.id === customer.id && d.channel === channel);
              const latest = mine.reduce((a, b) => (b.at > a.at ? b : a));
              const held = channel === "email" ? sim.store.customer(SHOP, customer.id).emailConsent! : sim.store.customer(SHOP, customer.id).smsConsent!;
              expect([customer.id, channel, held.state, held.updatedAt]).toEqual([customer.id, channel, latest.state, latest.at]);
              const record = await db().consentRecord.findUnique({ where: { shop_customerId_channel: { shop: SHOP, customerId: customer.id, channel } } });
              expect([record?.state, record?.consentAt?.getTime()]).toEqual([latest.state, latest.at]);
            }
          }
          expect(await db().consentChange.count({ where: { shop: SHOP, status: { in: ["pending", "applying", "failed"] } } })).toBe(0);
          const fromPlatform = new Set(decisions.filter((d) => d.by === "platform").map((d) => `${d.customer.id}:${d.channel}:${iso(d.at)}`));
          const echoed = (await consentEvents()).filter((e) => fromPlatform.has(`${String(e.customerId)}:${String(e.channel)}:${String(e.consentUpdatedAt)}`));
          expect(echoed).toEqual([]);
        },
      );
    });

    describe("switches", () => {
      it("GIVEN both channels WHEN switched on and off THEN consent.push is scheduled every minute while either is on", async () => {
        const hooks = await import("~/syncs/hooks.server");
        const schedule = () => db().schedule.findUnique({ where: { name: `consent.push:${SHOP}` } });
        await hooks.runSwitchedOn(db(), SHOP, "consent_email");
        await hooks.runSwitchedOn(db(), SHOP, "consent_sms");
        expect(await schedule()).toMatchObject({ type: "consent.push", shop: SHOP, intervalSeconds: 60 });
        // Email off while SMS is still on: the schedule stays.
        await db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "consent_email" } }, data: { enabled: false, status: "off" } });
        await hooks.runSwitchedOff(db(), SHOP, "consent_email");
        expect(await schedule()).not.toBeNull();
        await db().syncSetting.update({ where: { shop_sync: { shop: SHOP, sync: "consent_sms" } }, data: { enabled: false, status: "off" } });
        await hooks.runSwitchedOff(db(), SHOP, "consent_sms");
        expect(await schedule()).toBeNull();
      });
    });

    describe("compliance", () => {
      it("GIVEN consent rows of two customers WHEN one is exported and redacted THEN only that customer's rows are exported and deleted", async () => {
        const { customerDataHolders } = await import("~/compliance/customer-data.server");
        const holder = customerDataHolders.find((h) => h.name === "marketing consent")!;
        const [x, y] = withEmail().filter((c) => c.phone);
        for (const c of [x, y]) {
          sim.store.updateConsent(SHOP, c.id, { email: { state: "SUBSCRIBED", consentUpdatedAt: Date.now() - HOUR }, sms: { state: "SUBSCRIBED", consentUpdatedAt: Date.now() - HOUR } });
          await deliver(EMAIL_TOPIC, emailBody(c));
          await deliver(SMS_TOPIC, smsBody(c));
        }
        await app.intake.acceptBatch(db(), SHOP, {
          changes: [x, y].map((c) => ({ email: c.email, channel: "email", state: "unsubscribed", decidedAt: iso(Date.now() - 1000) })),
        });
        const ref = { id: x.id, email: x.email, phone: x.phone };
        const exported = (await holder.export(db(), SHOP, ref, [])) as { kind: string; address?: string; email?: string }[];
        expect(exported.map((e) => e.kind).sort()).toEqual(["consent", "consent", "consent change from the platform"]);
        expect(JSON.stringify(exported)).not.toContain(y.email!);
        expect(await holder.redact(db(), SHOP, ref, [])).toBe(3);
        expect(await db().consentRecord.count({ where: { shop: SHOP, customerId: x.id } })).toBe(0);
        expect(await db().consentChange.count({ where: { shop: SHOP, email: x.email } })).toBe(0);
        expect(await db().consentRecord.count({ where: { shop: SHOP, customerId: y.id } })).toBe(2);
        expect(await db().consentChange.count({ where: { shop: SHOP, email: y.email } })).toBe(1);
      });
    });

    describe("import", () => {
      it("GIVEN customers in Shopify WHEN imported (twice) THEN every customer's consent is recorded and sent to the platform once", async () => {
        const expected = withEmail().length + withPhone().length;
        // One customer's consent already came by webhook: the import does not send it again.
        const c = withEmail()[0];
        sim.store.updateConsent(SHOP, c.id, { email: { state: "SUBSCRIBED", consentUpdatedAt: Date.now() - HOUR } });
        await deliver(EMAIL_TOPIC, emailBody(c));
        for (let round = 0; round < 2; round++) {
          const { run } = await app.importer.startConsentImport(db(), SHOP);
          expect(await driveRun(run.id)).toMatchObject({ status: "completed", linesProcessed: customers().length });
        }
        expect(await db().consentRecord.count({ where: { shop: SHOP } })).toBe(expected);
        const events = await consentEvents();
        expect(events).toHaveLength(expected);
        expect(events.filter((e) => e.origin === "import")).toHaveLength(expected - 1);
        const status = await app.importer.loadImportStatus(db(), SHOP);
        expect(status.run).toMatchObject({ phase: "completed", percent: 100 });
      });
    });
  });
});
