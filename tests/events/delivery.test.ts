/**
 * Outbound events end to end inside the app, on SQLite and PostgreSQL: emitEvent → the events.deliver job →
 * a real HTTP POST to a receiver on 127.0.0.1 that verifies the Standard Webhooks signature on its own.
 * Time is faked (only Date: sockets and timers stay real), so retry schedules and the 24-hour window are walked
 * through by moving the clock to each job's runAt, never by waiting.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { loadAppFor, unloadApp } from "../support/app";
import { startReceiver, verifyStandardWebhook, type Receiver } from "./receiver";

const pgUp = await postgresAvailable();
const SHOP = "events-shop.myshopify.com";
const OTHER_SHOP = "other-events-shop.myshopify.com";
const T0 = new Date("2026-11-22T10:00:00.000Z");
const DAY_MS = 24 * 3600 * 1000;

type App = {
  emitEvent: typeof import("~/events/emit.server").emitEvent;
  replayEvent: typeof import("~/events/deliver.server").replayEvent;
  attemptDelivery: typeof import("~/events/deliver.server").attemptDelivery;
  EventNotFoundError: typeof import("~/events/deliver.server").EventNotFoundError;
  saveDestination: typeof import("~/platform/connection.server").saveDestination;
  rotateSigningSecret: typeof import("~/platform/connection.server").rotateSigningSecret;
  sendTestEvent: typeof import("~/platform/connection.server").sendTestEvent;
  loadPlatformConnection: typeof import("~/platform/connection.server").loadPlatformConnection;
  decryptSecret: typeof import("~/events/secrets.server").decryptSecret;
  runUntilIdle: typeof import("~/jobs/worker.server").runUntilIdle;
  STRICT_POLICY: typeof import("~/events/destination.server").STRICT_POLICY;
};

describe.each(["sqlite", "postgresql"] as const)("outbound events on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let app: App;
    let receiver: Receiver | undefined;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "events" });
      await loadAppFor(database);
      const deliver = await import("~/events/deliver.server");
      const connection = await import("~/platform/connection.server");
      app = {
        emitEvent: (await import("~/events/emit.server")).emitEvent,
        replayEvent: deliver.replayEvent,
        attemptDelivery: deliver.attemptDelivery,
        EventNotFoundError: deliver.EventNotFoundError,
        saveDestination: connection.saveDestination,
        rotateSigningSecret: connection.rotateSigningSecret,
        sendTestEvent: connection.sendTestEvent,
        loadPlatformConnection: connection.loadPlatformConnection,
        decryptSecret: (await import("~/events/secrets.server")).decryptSecret,
        runUntilIdle: (await import("~/jobs/worker.server")).runUntilIdle,
        STRICT_POLICY: (await import("~/events/destination.server")).STRICT_POLICY,
      };
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(T0);
      const db = database.prisma;
      for (const model of [db.outboundEvent, db.platformConnection, db.job, db.activityLog, db.shop]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
    });

    afterEach(async () => {
      vi.useRealTimers();
      await receiver?.close();
      receiver = undefined;
    });

    const db = () => database.prisma;

    /** Runs every due job, then moves the clock to the next queued job and runs again, until none is queued. */
    async function drain(maxRounds = 100): Promise<void> {
      for (let round = 0; round < maxRounds; round += 1) {
        await app.runUntilIdle({ db: db(), concurrency: 1, leaseMs: 30_000 });
        const next = await db().job.findFirst({ where: { status: "queued" }, orderBy: { runAt: "asc" } });
        if (!next) return;
        vi.setSystemTime(new Date(Math.max(Date.now(), next.runAt.getTime())));
      }
      throw new Error(`jobs still queued after ${maxRounds} rounds`);
    }

    async function connect(shop: string, url: string): Promise<string> {
      const saved = await app.saveDestination(db(), shop, url);
      expect(saved).toMatchObject({ ok: true });
      return (await app.rotateSigningSecret(db(), shop)).secret;
    }

    const platformEntries = (reference?: string) =>
      db().activityLog.findMany({
        where: { kind: "platform", ...(reference ? { reference } : {}) },
        orderBy: { createdAt: "asc" },
      });

    it("delivers an emitted event, signed so that the platform can verify it", async () => {
      // GIVEN a shop connected to a receiving platform
      receiver = await startReceiver();
      const secret = await connect(SHOP, receiver.url);
      // WHEN a producer emits an event and the worker runs
      const { id, created } = await app.emitEvent(db(), {
        shop: SHOP,
        type: "purchase.registered",
        data: { orderId: "9007199254740993", total: "12.50", currency: "EUR" },
      });
      await drain();
      // THEN the platform received it once, with a valid signature over the exact body
      expect(created).toBe(true);
      expect(id).toMatch(/^msg_[0-9A-Z]{26}$/);
      expect(receiver.received).toHaveLength(1);
      const delivery = receiver.received[0];
      expect(verifyStandardWebhook(secret, delivery)).toBe(true);
      expect(delivery.headers["webhook-id"]).toBe(id);
      expect(delivery.headers["webhook-timestamp"]).toBe(String(T0.getTime() / 1000));
      expect(delivery.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(delivery.body)).toEqual({
        type: "purchase.registered",
        timestamp: T0.toISOString(),
        data: { orderId: "9007199254740993", total: "12.50", currency: "EUR" },
      });
      // and the event and the activity log say so
      const event = await db().outboundEvent.findUniqueOrThrow({ where: { id } });
      expect(event).toMatchObject({ status: "delivered", attempts: 1, lastStatus: 200, lastError: null, nextAttemptAt: null });
      const entries = await platformEntries(id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        shop: SHOP,
        direction: "out",
        kind: "platform",
        name: "purchase.registered",
        sync: "purchases",
        status: "delivered",
      });
      expect(entries[0].durationMs).toEqual(expect.any(Number));
      expect(JSON.parse(entries[0].detail)).toEqual({ host: new URL(receiver.url).host, httpStatus: 200, attempt: 1 });
    });

    it("retries a failing platform with backoff: 500, 500, then 200 is delivered on attempt 3", async () => {
      // GIVEN a platform that fails twice
      receiver = await startReceiver((n) => (n <= 2 ? 500 : 200));
      const secret = await connect(SHOP, receiver.url);
      // WHEN an event is emitted and every due attempt runs
      const { id } = await app.emitEvent(db(), { shop: SHOP, type: "consent.changed", data: { customerId: "1" } });
      await drain();
      // THEN three POSTs with the same webhook-id, each freshly timestamped and validly signed
      expect(receiver.received).toHaveLength(3);
      expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([id, id, id]);
      const stamps = receiver.received.map((r) => Number(r.headers["webhook-timestamp"]));
      expect(stamps[1] - stamps[0]).toBeGreaterThanOrEqual(27); // ~30 s
      expect(stamps[1] - stamps[0]).toBeLessThanOrEqual(33);
      expect(stamps[2] - stamps[1]).toBeGreaterThanOrEqual(54); // ~1 min
      expect(stamps[2] - stamps[1]).toBeLessThanOrEqual(66);
      for (const delivery of receiver.received) {
        expect(verifyStandardWebhook(secret, delivery, new Date(Number(delivery.headers["webhook-timestamp"]) * 1000))).toBe(true);
      }
      // and three activity entries tell the story
      const entries = await platformEntries(id);
      expect(entries.map((e) => [e.status, JSON.parse(e.detail).attempt, JSON.parse(e.detail).httpStatus])).toEqual([
        ["retrying", 1, 500],
        ["retrying", 2, 500],
        ["delivered", 3, 200],
      ]);
      expect(entries.every((e) => e.sync === "consent" && e.name === "consent.changed")).toBe(true);
      const event = await db().outboundEvent.findUniqueOrThrow({ where: { id } });
      expect(event).toMatchObject({ status: "delivered", attempts: 3, lastStatus: 200 });
      // and HTTP failures did not count as job failures (no "job retry" entries, nothing dead)
      expect(await db().activityLog.count({ where: { kind: "job" } })).toBe(0);
      expect(await db().job.count({ where: { status: { not: "done" } } })).toBe(0);
    });

    it("gives up 24 hours after the first attempt and marks the event failed", async () => {
      // GIVEN a platform that is down for good
      receiver = await startReceiver(() => 503);
      await connect(SHOP, receiver.url);
      // WHEN an event is emitted and the clock runs through every retry
      const { id } = await app.emitEvent(db(), { shop: SHOP, type: "catalog.exported", data: { variants: 12 } });
      await drain();
      // THEN attempts spread over exactly the 24-hour window, the last one at its end
      const attempts = receiver.received.length;
      expect(attempts).toBeGreaterThanOrEqual(28);
      expect(attempts).toBeLessThanOrEqual(34);
      const last = Number(receiver.received.at(-1)?.headers["webhook-timestamp"]) * 1000;
      expect(last).toBe(T0.getTime() + DAY_MS);
      const event = await db().outboundEvent.findUniqueOrThrow({ where: { id } });
      expect(event.status).toBe("failed");
      expect(event.attempts).toBe(attempts);
      expect(event.nextAttemptAt).toBeNull();
      expect(event.lastError).toMatch(/HTTP 503; no successful delivery within 24 hours/);
      // and each attempt is in the activity log, the last one failed
      const entries = await platformEntries(id);
      expect(entries).toHaveLength(attempts);
      expect(entries.slice(0, -1).every((e) => e.status === "retrying")).toBe(true);
      expect(entries.at(-1)?.status).toBe("failed");
      expect(await db().job.count({ where: { status: "queued" } })).toBe(0);
    });

    it("stops at once when the platform answers 410 Gone", async () => {
      receiver = await startReceiver(() => 410);
      await connect(SHOP, receiver.url);
      const { id } = await app.emitEvent(db(), { shop: SHOP, type: "refund.created", data: { refundId: "5" } });
      await drain();
      expect(receiver.received).toHaveLength(1);
      expect(await db().outboundEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "failed", attempts: 1 });
    });

    it("counts a platform that does not answer in time as a failed attempt", async () => {
      receiver = await startReceiver(() => "hang");
      await connect(SHOP, receiver.url);
      const { id } = await app.emitEvent(db(), { shop: SHOP, type: "purchase.registered", data: { orderId: "1" } });
      const job = await db().job.findFirstOrThrow({ where: { type: "events.deliver" } });
      const report = await app.attemptDelivery(db(), JSON.parse(job.payload), { timeoutMs: 300 });
      expect(report).toMatchObject({ outcome: "retrying", error: "no answer within 0.3 s" });
      expect(await db().outboundEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({
        status: "pending",
        attempts: 1,
        lastStatus: null,
        lastError: "no answer within 0.3 s",
      });
    });

    it("replays an event with the same webhook-id and a new signature", async () => {
      // GIVEN a delivered event
      receiver = await startReceiver();
      const secret = await connect(SHOP, receiver.url);
      const { id } = await app.emitEvent(db(), { shop: SHOP, type: "purchase.mismatch", data: { orderId: "7" } });
      await drain();
      // WHEN the merchant replays it a minute later
      vi.setSystemTime(new Date(T0.getTime() + 60_000));
      const replay = await app.replayEvent(db(), SHOP, id);
      await drain();
      // THEN the platform gets the same id and body again, signed for the new timestamp
      expect(replay).toEqual({ id, type: "purchase.mismatch", waiting: false });
      expect(receiver.received).toHaveLength(2);
      const [first, second] = receiver.received;
      expect(second.headers["webhook-id"]).toBe(id);
      expect(second.body).toBe(first.body);
      expect(Number(second.headers["webhook-timestamp"]) - Number(first.headers["webhook-timestamp"])).toBe(60);
      expect(second.headers["webhook-signature"]).not.toBe(first.headers["webhook-signature"]);
      expect(verifyStandardWebhook(secret, second)).toBe(true);
      expect(await db().outboundEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "delivered", attempts: 2 });
      expect((await platformEntries(id)).map((e) => e.status)).toEqual(["delivered", "delivered"]);
    });

    it("a replay during the backoff takes the place of the scheduled retry instead of adding to it", async () => {
      // GIVEN an event whose first attempt failed, with a retry scheduled in ~30 s
      receiver = await startReceiver((n) => (n === 1 ? 500 : 200));
      await connect(SHOP, receiver.url);
      const { id } = await app.emitEvent(db(), { shop: SHOP, type: "purchase.registered", data: { orderId: "8" } });
      await app.runUntilIdle({ db: db(), concurrency: 1 });
      expect(receiver.received).toHaveLength(1);
      // WHEN the merchant replays it right away, and later the scheduled retry comes due
      await app.replayEvent(db(), SHOP, id);
      await drain();
      // THEN there is exactly one more POST
      expect(receiver.received).toHaveLength(2);
      expect(await db().outboundEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "delivered", attempts: 2 });
    });

    it("does not replay another shop's event", async () => {
      const { id } = await app.emitEvent(db(), { shop: OTHER_SHOP, type: "purchase.registered", data: {} });
      await expect(app.replayEvent(db(), SHOP, id)).rejects.toBeInstanceOf(app.EventNotFoundError);
      await expect(app.replayEvent(db(), SHOP, "msg_doesnotexist")).rejects.toBeInstanceOf(app.EventNotFoundError);
    });

    it("stores one event per dedupeKey, however often and however concurrently it is emitted", async () => {
      // GIVEN the same fact emitted five times, three of them at once
      const emit = (shop = SHOP, type: "purchase.registered" | "refund.created" = "purchase.registered") =>
        app.emitEvent(db(), { shop, type, data: { orderId: "42" }, dedupeKey: "order:42" });
      const results = await Promise.all([emit(), emit(), emit()]);
      results.push(await emit(), await emit());
      // THEN one event and one delivery job
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await db().outboundEvent.count()).toBe(1);
      expect(await db().job.count({ where: { type: "events.deliver" } })).toBe(1);
      // and the key is scoped to the shop and the event type
      expect((await emit(OTHER_SHOP)).created).toBe(true);
      expect((await emit(SHOP, "refund.created")).created).toBe(true);
      expect(await db().outboundEvent.count()).toBe(3);
    });

    it("emits inside the producer's transaction: a rollback leaves neither event nor job", async () => {
      await expect(
        db().$transaction(async (tx) => {
          await app.emitEvent(tx, { shop: SHOP, type: "purchase.registered", data: { orderId: "9" } });
          throw new Error("the producer's own write failed");
        }),
      ).rejects.toThrow("the producer's own write failed");
      expect(await db().outboundEvent.count()).toBe(0);
      expect(await db().job.count()).toBe(0);
    });

    it("keeps an event waiting while the connection is incomplete, then delivers it once it is set", async () => {
      // GIVEN a shop with no platform connection
      receiver = await startReceiver();
      const { id } = await app.emitEvent(db(), { shop: SHOP, type: "purchase.registered", data: { orderId: "10" } });
      // WHEN the worker runs, and runs again later
      await drain();
      vi.setSystemTime(new Date(T0.getTime() + 3 * 3600 * 1000));
      await drain();
      // THEN the event waits, with no job queued to hammer anything and nothing logged as an attempt
      expect(await db().outboundEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({
        status: "pending",
        attempts: 0,
        nextAttemptAt: null,
        lastError: "Waiting: no destination URL is set",
      });
      expect(await db().job.count({ where: { status: "queued" } })).toBe(0);
      expect(await platformEntries()).toHaveLength(0);
      expect((await app.loadPlatformConnection(db(), SHOP)).events.waiting).toBe(1);
      // WHEN the URL is saved: still no secret, still waiting
      expect(await app.saveDestination(db(), SHOP, receiver.url)).toMatchObject({ ok: true, resumed: 0 });
      await drain();
      expect(receiver.received).toHaveLength(0);
      // WHEN the secret is generated
      const { secret, resumed } = await app.rotateSigningSecret(db(), SHOP);
      await drain();
      // THEN the waiting event goes out
      expect(resumed).toBe(1);
      expect(receiver.received).toHaveLength(1);
      expect(verifyStandardWebhook(secret, receiver.received[0])).toBe(true);
      expect(await db().outboundEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "delivered", attempts: 1 });
    });

    it("refuses to deliver to a private address under the production policy", async () => {
      // GIVEN a destination on 127.0.0.1 saved while developing
      receiver = await startReceiver();
      await connect(SHOP, receiver.url);
      await app.emitEvent(db(), { shop: SHOP, type: "purchase.registered", data: {} });
      const job = await db().job.findFirstOrThrow({ where: { type: "events.deliver" } });
      // WHEN an attempt runs under the production policy
      const report = await app.attemptDelivery(db(), JSON.parse(job.payload), { policy: app.STRICT_POLICY });
      // THEN nothing is sent and the event waits for a usable URL
      expect(report).toMatchObject({ outcome: "waiting", reason: expect.stringMatching(/not allowed/) });
      expect(receiver.received).toHaveLength(0);
    });

    it("stores the signing secret encrypted: the column holds neither the secret nor its key bytes", async () => {
      // GIVEN a generated secret
      const { secret } = await app.rotateSigningSecret(db(), SHOP);
      // WHEN the row is read straight from the table
      const rows = await db().$queryRawUnsafe<Array<{ signingSecret: string }>>(
        `SELECT "signingSecret" FROM "PlatformConnection" WHERE "shop" = '${SHOP}'`,
      );
      // THEN
      const stored = rows[0].signingSecret;
      expect(stored).toMatch(/^v1\./);
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(secret.slice("whsec_".length));
      expect(stored).not.toContain(Buffer.from(secret.slice(6), "base64").toString("hex"));
      expect(app.decryptSecret(stored, { shop: SHOP, purpose: "signing-secret" })).toBe(secret);
      // and rotating replaces it
      const rotated = await app.rotateSigningSecret(db(), SHOP);
      expect(rotated.secret).not.toBe(secret);
      const view = await app.loadPlatformConnection(db(), SHOP);
      expect(view.signingSecret).toEqual({ createdAt: expect.any(String), readable: true });
      expect(JSON.stringify(view)).not.toContain(rotated.secret.slice(6));
    });

    it("sends a connection.test event from the settings, only once the connection is complete", async () => {
      receiver = await startReceiver();
      expect(await app.sendTestEvent(db(), SHOP)).toEqual({ ok: false, error: "Save a destination URL first." });
      await app.saveDestination(db(), SHOP, receiver.url);
      expect(await app.sendTestEvent(db(), SHOP)).toEqual({ ok: false, error: "Generate a signing secret first." });
      await app.rotateSigningSecret(db(), SHOP);
      const sent = await app.sendTestEvent(db(), SHOP);
      await drain();
      expect(sent.ok).toBe(true);
      expect(JSON.parse(receiver.received[0].body)).toMatchObject({ type: "connection.test", data: { shop: SHOP } });
      expect((await app.loadPlatformConnection(db(), SHOP)).latestTest).toMatchObject({ status: "delivered", lastStatus: 200 });
    });
  });
});
