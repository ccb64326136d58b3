/** The activity log's loaders, retention and health facts against real databases. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { PrismaClient } from "~/db.server";
import { getActivityEntry, listActivity, loadHealth, parseActivityFilters, PAGE_SIZE } from "~/activity/query.server";
import { ACTIVITY_RETENTION, deleteExpiredActivity } from "~/activity/retention.server";
import { enqueue } from "~/jobs/queue.server";
import { runUntilIdle } from "~/jobs/worker.server";

import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";

const pgUp = await postgresAvailable();
const SHOP = "a-shop.myshopify.com";
const OTHER = "b-shop.myshopify.com";
const DAY = 86_400_000;

describe.each(["sqlite", "postgresql"] as const)("activity log on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let db: PrismaClient;
    const now = new Date();
    const entry = (shop: string, minutesAgo: number, extra: Partial<{ sync: string | null; status: string; direction: string; kind: string; reference: string; detail: string; name: string }> = {}) =>
      db.activityLog.create({
        data: {
          shop,
          direction: extra.direction ?? "in",
          kind: extra.kind ?? "webhook",
          name: extra.name ?? "ORDERS_CREATE",
          status: extra.status ?? "processed",
          sync: extra.sync === undefined ? "purchases" : extra.sync,
          reference: extra.reference ?? null,
          detail: extra.detail ?? "{}",
          createdAt: new Date(now.getTime() - minutesAgo * 60_000),
        },
      });

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "activity" });
      db = database.prisma;
    });
    afterAll(async () => {
      await database?.drop();
    });
    beforeEach(async () => {
      await db.job.deleteMany();
      await db.activityLog.deleteMany();
      await db.webhookDelivery.deleteMany();
      await db.syncSetting.deleteMany();
      await db.shop.deleteMany();
      await db.outboundEvent.deleteMany();
    });

    it("lists only the shop's entries, newest first, paged by cursors that new rows do not shift", async () => {
      for (let i = 0; i < PAGE_SIZE + 5; i++) await entry(SHOP, i + 1);
      await entry(OTHER, 1);
      const filters = parseActivityFilters(new URLSearchParams());
      const first = await listActivity(db, SHOP, filters, now);
      expect(first.entries).toHaveLength(PAGE_SIZE);
      expect(first.hasPrevious).toBe(false);
      expect(first.nextCursor).not.toBeNull();
      // A new entry arrives between the two pages.
      const newest = await entry(SHOP, 0);
      const second = await listActivity(db, SHOP, { ...filters, after: first.nextCursor! }, now);
      expect(second.entries).toHaveLength(5);
      expect(second.nextCursor).toBeNull();
      const all = [...first.entries, ...second.entries];
      expect(new Set(all.map((e) => e.id)).size).toBe(PAGE_SIZE + 5);
      const times = all.map((e) => e.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
      // Back from the second page: the first page as it was, and now one newer entry before it.
      expect(second.hasPrevious).toBe(true);
      const back = await listActivity(db, SHOP, { ...filters, before: second.previousCursor! }, now);
      expect(back.entries.map((e) => e.id)).toEqual(first.entries.map((e) => e.id));
      expect(back.hasPrevious).toBe(true);
      const top = await listActivity(db, SHOP, { ...filters, before: back.previousCursor! }, now);
      expect(top.entries.map((e) => e.id)).toEqual([newest.id]);
      expect(top.hasPrevious).toBe(false);
      expect(top.nextCursor).not.toBeNull();
    });

    it("pages entries written in the same millisecond without losing or repeating one", async () => {
      const at = new Date(now.getTime() - 60_000);
      for (let i = 0; i < PAGE_SIZE + 3; i++) {
        await db.activityLog.create({ data: { shop: SHOP, direction: "in", kind: "webhook", name: `T${i}`, status: "processed", createdAt: at } });
      }
      const filters = parseActivityFilters(new URLSearchParams());
      const first = await listActivity(db, SHOP, filters, now);
      const second = await listActivity(db, SHOP, { ...filters, after: first.nextCursor! }, now);
      const ids = [...first.entries, ...second.entries].map((e) => e.id);
      expect(ids).toHaveLength(PAGE_SIZE + 3);
      expect(new Set(ids).size).toBe(PAGE_SIZE + 3);
    });

    it("never lists another shop's entries, whatever the filters", async () => {
      await entry(SHOP, 5, { sync: "purchases", status: "failed" });
      await entry(OTHER, 5, { sync: "purchases", status: "failed" });
      await entry(OTHER, 5, { sync: null, direction: "out" });
      for (const query of ["", "sync=purchases", "sync=none&direction=out", "status=failed&range=hour", "range=custom"]) {
        const { entries } = await listActivity(db, SHOP, parseActivityFilters(new URLSearchParams(query)), now);
        expect(entries.every((e) => e.sync === "purchases" && e.status === "failed")).toBe(true);
        expect(entries.length).toBeLessThanOrEqual(1);
      }
    });

    it("filters by sync, direction, status and time", async () => {
      await entry(SHOP, 5, { sync: "purchases", status: "failed" });
      await entry(SHOP, 5, { sync: "catalog", direction: "out", kind: "admin_api", status: "ok" });
      await entry(SHOP, 5, { sync: null, name: "APP_UNINSTALLED" });
      await entry(SHOP, 3 * 60, { sync: "purchases", status: "failed" });
      const list = (query: string) => listActivity(db, SHOP, parseActivityFilters(new URLSearchParams(query)), now);
      expect((await list("sync=purchases&range=hour")).entries.map((e) => e.status)).toEqual(["failed"]);
      expect((await list("sync=purchases&range=day")).entries).toHaveLength(2);
      expect((await list("direction=out")).entries.map((e) => e.sync)).toEqual(["catalog"]);
      expect((await list("sync=none")).entries.map((e) => e.name)).toEqual(["APP_UNINSTALLED"]);
      expect((await list("status=failed")).entries).toHaveLength(2);
      expect((await list("status=ok")).entries).toHaveLength(2);
      expect((await list("sync=catalog&sync=none")).entries.map((e) => e.sync).sort()).toEqual(["catalog", null]);
      expect((await list("direction=in&status=ok")).entries.map((e) => e.name)).toEqual(["APP_UNINSTALLED"]);
      const today = now.toISOString().slice(0, 10);
      expect((await list(`range=custom&from=${today}&to=${today}`)).entries.length).toBeGreaterThanOrEqual(3);
      expect((await list("range=custom&to=2020-01-01")).entries).toHaveLength(0);
    });

    it("shows a webhook entry with its delivery, customer data hidden, and never another shop's entry", async () => {
      await db.webhookDelivery.create({
        data: { shop: SHOP, webhookId: "w-1", topic: "ORDERS_CREATE", status: "processed", payload: '{"id": 9007199254740993, "email": "ada@example.com", "customer": {"first_name": "Ada"}}' },
      });
      const row = await entry(SHOP, 1, { reference: "w-1", detail: '{"note":"x","phone":"+4930"}' });
      const shown = await getActivityEntry(db, SHOP, row.id);
      // Printed as the number Shopify sent, digit for digit, not rounded and not turned into a string.
      expect(shown?.delivery?.payload).toContain('"id": 9007199254740993');
      expect(shown?.delivery?.payload).not.toContain("ada@example.com");
      expect(shown?.delivery?.payload).not.toContain("Ada");
      expect(shown?.detail).not.toContain("+4930");
      expect(shown?.delivery?.status).toBe("processed");
      expect(await getActivityEntry(db, OTHER, row.id)).toBeNull();
      // The same webhook id in another shop's delivery is never shown for this shop's entry.
      await db.webhookDelivery.deleteMany();
      await db.webhookDelivery.create({ data: { shop: OTHER, webhookId: "w-1", topic: "ORDERS_CREATE", status: "processed", payload: "{}" } });
      expect((await getActivityEntry(db, SHOP, row.id))?.delivery).toBeNull();
    });

    it("offers Replay only for a platform entry that names its event", async () => {
      const platform = await entry(SHOP, 1, { kind: "platform", direction: "out", reference: "msg_1", name: "purchase.registered" });
      const bare = await entry(SHOP, 1, { kind: "platform", direction: "out", name: "purchase.registered" });
      const webhook = await entry(SHOP, 1, { reference: "w-2" });
      expect((await getActivityEntry(db, SHOP, platform.id))?.replayable).toBe(true);
      expect((await getActivityEntry(db, SHOP, bare.id))?.replayable).toBe(false);
      expect((await getActivityEntry(db, SHOP, webhook.id))?.replayable).toBe(false);
    });

    it("retention deletes entries, finished deliveries and settled events older than 7 days, keeps the rest", async () => {
      const old = new Date(now.getTime() - 8 * DAY);
      await entry(SHOP, 8 * 24 * 60);
      await entry(OTHER, 8 * 24 * 60);
      await entry(SHOP, 6 * 24 * 60);
      const otherRecent = await entry(OTHER, 6 * 24 * 60);
      for (const [id, status] of [["old-done", "processed"], ["old-failed", "failed"], ["old-waiting", "received"]] as const) {
        await db.webhookDelivery.create({ data: { shop: SHOP, webhookId: id, topic: "X", status, payload: "{}", receivedAt: old } });
      }
      await db.webhookDelivery.create({ data: { shop: SHOP, webhookId: "new", topic: "X", status: "processed", payload: "{}" } });
      for (const [id, status] of [["msg_old_sent", "delivered"], ["msg_old_failed", "failed"], ["msg_old_waiting", "pending"]] as const) {
        await db.outboundEvent.create({ data: { id, shop: SHOP, type: "connection.test", payload: "{}", status, createdAt: old } });
      }
      await db.outboundEvent.create({ data: { id: "msg_new", shop: SHOP, type: "connection.test", payload: "{}", status: "delivered" } });
      const result = await deleteExpiredActivity(db, new Date(now.getTime() - 7 * DAY));
      expect(result).toEqual({ activity: 2, deliveries: 2, events: 2, more: false });
      expect((await db.outboundEvent.findMany({ orderBy: { id: "asc" } })).map((e) => e.id)).toEqual(["msg_new", "msg_old_waiting"]);
      expect(await db.activityLog.count({ where: { shop: SHOP } })).toBe(1);
      expect(await db.activityLog.findMany({ where: { shop: OTHER }, select: { id: true } })).toEqual([{ id: otherRecent.id }]);
      expect((await db.webhookDelivery.findMany({ orderBy: { webhookId: "asc" } })).map((d) => d.webhookId)).toEqual(["new", "old-waiting"]);
    });

    it("health: a sync failing 3 times in the last hour, a revoked switch and a lost token reach the banner", async () => {
      for (let i = 0; i < 3; i++) await entry(SHOP, 10 + i, { sync: "catalog", status: i === 0 ? "dead" : "failed" });
      await entry(SHOP, 10, { sync: "purchases", status: "failed" });
      await entry(SHOP, 90, { sync: "purchases", status: "failed" });
      await entry(SHOP, 91, { sync: "purchases", status: "failed" });
      await db.syncSetting.create({ data: { shop: SHOP, sync: "consent_sms", status: "revoked", lastError: "Turned off because access to “Edit customers” was removed in Shopify." } });
      await db.shop.create({ data: { shop: SHOP, needsReauth: true } });
      const health = await loadHealth(db, SHOP, now);
      expect(health.failing.map((f) => [f.sync, f.failures, f.path, f.lastAt])).toEqual([
        ["catalog", 3, "/app/catalog", new Date(now.getTime() - 10 * 60_000).toISOString()],
      ]);
      expect(health.revoked).toEqual([
        { sync: "consent_sms", title: "SMS consent", path: "/app/consent", message: "Turned off because access to “Edit customers” was removed in Shopify." },
      ]);
      expect(health.needsReauth).toBe(true);
      expect(await loadHealth(db, OTHER, now)).toEqual({ now: now.toISOString(), failing: [], revoked: [], needsReauth: false });
    });

    it("health: failures count only inside the hour, only with a problem status, only for this shop", async () => {
      await entry(SHOP, 59, { sync: "purchases", status: "failed" });
      await entry(SHOP, 30, { sync: "purchases", status: "retrying", kind: "platform" });
      await entry(SHOP, 61, { sync: "purchases", status: "failed" });
      await entry(SHOP, 5, { sync: "purchases", status: "duplicate" });
      await entry(SHOP, 5, { sync: "purchases", status: "processed" });
      await entry(OTHER, 5, { sync: "purchases", status: "failed" });
      await entry(SHOP, 5, { sync: null, status: "failed" });
      expect((await loadHealth(db, SHOP, now)).failing).toEqual([]);
      // WHEN one more failure arrives inside the hour THEN the sync has failed 3 times: the banner shows
      await entry(SHOP, 1, { sync: "purchases", status: "error", kind: "admin_api", direction: "out" });
      expect((await loadHealth(db, SHOP, now)).failing.map((f) => [f.sync, f.failures])).toEqual([["purchases", 3]]);
      // and an hour later the oldest of them has left the window
      expect((await loadHealth(db, SHOP, new Date(now.getTime() + 2 * 60_000))).failing).toEqual([]);
    });

    it("the retention job drains a backlog in bounded runs, each queueing the next", async () => {
      await import("~/activity/retention.server"); // registers activity.retention with the runner
      for (let i = 0; i < 7; i++) await entry(i % 2 ? OTHER : SHOP, 8 * 24 * 60 + i);
      const keptOther = await entry(OTHER, 60);
      const keptShop = await entry(SHOP, 60);
      // Batches of 1, at most 4 per run: 7 old rows take two runs, the second queued by the first.
      await enqueue(db, { type: ACTIVITY_RETENTION, payload: { keepDays: 7, batchSize: 1 } });
      const ran = await runUntilIdle({ db });
      expect(ran).toBe(2);
      const left = await db.activityLog.findMany({ select: { id: true }, orderBy: { id: "asc" } });
      expect(left.map((r) => r.id).sort()).toEqual([keptOther.id, keptShop.id].sort());
      expect(await db.job.count({ where: { type: ACTIVITY_RETENTION, status: { not: "done" } } })).toBe(0);
    });
  });
});
