/** The activity log's loaders, retention and health facts against real databases. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { PrismaClient } from "~/db.server";
import { getActivityEntry, listActivity, loadHealth, parseActivityFilters, PAGE_SIZE } from "~/activity/query.server";
import { deleteExpiredActivity } from "~/activity/retention.server";

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
      await db.activityLog.deleteMany();
      await db.webhookDelivery.deleteMany();
      await db.syncSetting.deleteMany();
      await db.shop.deleteMany();
      await db.outboundEvent.deleteMany();
    });

    it("lists only the shop's entries, newest first, paged by a cursor that new rows do not shift", async () => {
      for (let i = 0; i < PAGE_SIZE + 5; i++) await entry(SHOP, i + 1);
      await entry(OTHER, 1);
      const filters = parseActivityFilters(new URLSearchParams());
      const first = await listActivity(db, SHOP, filters, now);
      expect(first.entries).toHaveLength(PAGE_SIZE);
      expect(first.nextCursor).not.toBeNull();
      // A new entry arrives between the two pages.
      await entry(SHOP, 0);
      const second = await listActivity(db, SHOP, { ...filters, cursor: first.nextCursor! }, now);
      expect(second.entries).toHaveLength(5);
      expect(second.nextCursor).toBeNull();
      const all = [...first.entries, ...second.entries];
      expect(new Set(all.map((e) => e.id)).size).toBe(PAGE_SIZE + 5);
      const times = all.map((e) => e.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
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
      expect((await list("status=problems")).entries).toHaveLength(2);
      expect((await list("status=ok")).entries).toHaveLength(2);
    });

    it("shows a webhook entry with its delivery, customer data hidden, and never another shop's entry", async () => {
      await db.webhookDelivery.create({
        data: { shop: SHOP, webhookId: "w-1", topic: "ORDERS_CREATE", status: "processed", payload: '{"id": 9007199254740993, "email": "ada@example.com", "customer": {"first_name": "Ada"}}' },
      });
      const row = await entry(SHOP, 1, { reference: "w-1", detail: '{"note":"x","phone":"+4930"}' });
      const shown = await getActivityEntry(db, SHOP, row.id);
      expect(shown?.delivery?.payload).toContain("9007199254740993");
      expect(shown?.delivery?.payload).not.toContain("ada@example.com");
      expect(shown?.delivery?.payload).not.toContain("Ada");
      expect(shown?.detail).not.toContain("+4930");
      expect(await getActivityEntry(db, OTHER, row.id)).toBeNull();
    });

    it("retention deletes entries, finished deliveries and settled events older than 7 days, keeps the rest", async () => {
      const old = new Date(now.getTime() - 8 * DAY);
      await entry(SHOP, 8 * 24 * 60);
      await entry(OTHER, 8 * 24 * 60);
      await entry(SHOP, 6 * 24 * 60);
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
      expect(await db.activityLog.count()).toBe(1);
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
      expect(health.failing.map((f) => [f.sync, f.failures, f.path])).toEqual([["catalog", 3, "/app/catalog"]]);
      expect(health.revoked).toEqual([
        { sync: "consent_sms", title: "SMS consent", path: "/app/consent", message: "Turned off because access to “Edit customers” was removed in Shopify." },
      ]);
      expect(health.needsReauth).toBe(true);
      expect(await loadHealth(db, OTHER, now)).toEqual({ failing: [], revoked: [], needsReauth: false });
    });
  });
});
