/**
 * The "Import past orders" route (routes/app.purchases.import.tsx) as the card calls it: GET for the status it polls,
 * POST to start. Driving a run to the end is tests/purchases/catchup-backfill.test.ts's part.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { adminRequest, installShop, loadAppFor, settle, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";

const pgUp = await postgresAvailable();
const SHOP = "import-shop.myshopify.com";
const OTHER = "other-shop.myshopify.com";

type Route = typeof import("~/routes/app.purchases.import");

describe.each(["sqlite", "postgresql"] as const)("the import route on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let route: Route;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "import_route" });
      await loadAppFor(database);
      route = await import("~/routes/app.purchases.import");
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      const db = database.prisma;
      for (const model of [db.bulkRun, db.job, db.syncSetting, db.session, db.shop]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      await installShop(db, SHOP);
      await installShop(db, OTHER);
    });

    const enable = (shop = SHOP) =>
      database.prisma.syncSetting.create({ data: { shop, sync: "purchases", enabled: true, status: "on", enabledAt: new Date() } });
    const get = async (shop = SHOP) => {
      const response = await settle(async () => route.loader({ request: await adminRequest(shop, "/app/purchases/import"), params: {}, context: {} }));
      return { status: response.status, body: await response.json() };
    };
    const post = async (shop = SHOP) => {
      const response = await settle(async () =>
        route.action({ request: await adminRequest(shop, "/app/purchases/import", { method: "POST" }), params: {}, context: {} }),
      );
      return { status: response.status, body: await response.json() };
    };

    it("GIVEN the switch off THEN the status says why and a start is refused with 409", async () => {
      const status = await get();
      expect(status).toMatchObject({ status: 200, body: { canStart: false, blockedReason: "Turn on purchase sync to import past orders.", run: null } });
      expect(status.body.range).toMatchObject({ days: 60, allOrders: false });
      const refused = await post();
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatch(/Turn on purchase sync first/);
      expect(await database.prisma.bulkRun.count()).toBe(0);
    });

    it("GIVEN the switch on WHEN the merchant starts THEN 202 with the run queued; a second start answers 200 with the same run", async () => {
      await enable();
      const first = await post();
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ canStart: false, blockedReason: "An import is already running.", run: { phase: "queued", active: true }, error: null });
      const second = await post();
      expect(second.status).toBe(200);
      expect(second.body.run.id).toBe(first.body.run.id);
      expect(await database.prisma.bulkRun.count({ where: { shop: SHOP } })).toBe(1);
      expect(await database.prisma.job.count({ where: { shop: SHOP, type: "bulk.run" } })).toBe(1);
      // Another shop sees nothing of it.
      expect((await get(OTHER)).body).toMatchObject({ run: null, counts: null });
    });

    it("GIVEN read_all_orders THEN the range offered is a year", async () => {
      await enable();
      await database.prisma.shop.update({ where: { shop: SHOP }, data: { scopes: "read_orders,read_all_orders" } });
      expect((await get()).body.range).toMatchObject({ days: 365, allOrders: true });
    });
  });
});
