/**
 * POST /app/events/:id/replay as the activity log's Replay button sends it: an embedded-admin request (session
 * token) for the shop that owns the event, or another shop.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { adminRequest, form, installShop, loadAppFor, settle, unloadApp } from "../support/app";

const pgUp = await postgresAvailable();
const SHOP = "replay-shop.myshopify.com";
const OTHER_SHOP = "other-replay-shop.myshopify.com";

type App = {
  action: typeof import("~/routes/app.events.$id.replay").action;
  emitEvent: typeof import("~/events/emit.server").emitEvent;
  replayToast: typeof import("~/events/replay-result").replayToast;
};

describe.each(["sqlite", "postgresql"] as const)("the replay route on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let app: App;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "replay_route" });
      await loadAppFor(database);
      app = {
        action: (await import("~/routes/app.events.$id.replay")).action,
        emitEvent: (await import("~/events/emit.server")).emitEvent,
        replayToast: (await import("~/events/replay-result")).replayToast,
      };
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      const db = database.prisma;
      for (const model of [db.outboundEvent, db.platformConnection, db.job, db.session, db.shop]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      await installShop(db, SHOP);
      await installShop(db, OTHER_SHOP);
    });

    const replay = async (asShop: string, id: string, fields: Record<string, string> = {}) =>
      settle(async () =>
        app.action({
          request: await adminRequest(asShop, `/app/events/${id}/replay`, { method: "POST", body: form(fields) }),
          params: { id },
          context: {},
        }),
      );

    it("queues the shop's event again and sends the merchant back with a toast-able result", async () => {
      // GIVEN a delivered event
      const { id } = await app.emitEvent(database.prisma, { shop: SHOP, type: "purchase.registered", data: {} });
      await database.prisma.outboundEvent.update({ where: { id }, data: { status: "delivered", attempts: 1 } });
      // WHEN its shop replays it from the activity log
      const response = await replay(SHOP, id, { returnTo: "/app/activity?kind=platform" });
      // THEN a new delivery attempt is queued and the answer redirects back
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get("Location") ?? "", "http://x");
      expect(location.pathname).toBe("/app/activity");
      expect(location.searchParams.get("kind")).toBe("platform");
      expect(location.searchParams.get("replayed")).toBe(id);
      // (no destination yet: the replay waits, and the toast says so)
      expect(app.replayToast(location.search)?.message).toMatch(/once the platform connection is complete/);
      expect(await database.prisma.outboundEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "pending" });
      const jobs = await database.prisma.job.findMany({ where: { type: "events.deliver" }, orderBy: { createdAt: "asc" } });
      expect(jobs.map((j) => JSON.parse(j.payload).attempt)).toEqual([1, 2]);
    });

    it("answers 404 to another shop's event id and queues nothing", async () => {
      const { id } = await app.emitEvent(database.prisma, { shop: OTHER_SHOP, type: "purchase.registered", data: {} });
      const response = await replay(SHOP, id);
      expect(response.status).toBe(404);
      expect(await database.prisma.job.count({ where: { type: "events.deliver" } })).toBe(1);
    });

    it("never redirects outside the app", async () => {
      const { id } = await app.emitEvent(database.prisma, { shop: SHOP, type: "purchase.registered", data: {} });
      for (const returnTo of ["https://evil.example/", "//evil.example/app", "/auth/login", "/application"]) {
        const response = await replay(SHOP, id, { returnTo });
        expect(new URL(response.headers.get("Location") ?? "", "http://x").pathname).toBe("/app/activity");
      }
    });

    it("refuses a request without a session token", async () => {
      const { id } = await app.emitEvent(database.prisma, { shop: SHOP, type: "purchase.registered", data: {} });
      const response = await settle(() =>
        app.action({
          request: new Request(`http://127.0.0.1:3999/app/events/${id}/replay`, { method: "POST", body: form({}) }),
          params: { id },
          context: {},
        }),
      );
      // the library sends it to log in; nothing was replayed
      expect(response.headers.get("Location")).toBe("/auth/login");
      expect(await database.prisma.job.count({ where: { type: "events.deliver" } })).toBe(1);
    });
  });
});
