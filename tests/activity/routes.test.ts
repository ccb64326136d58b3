/**
 * The activity routes' loaders as the embedded admin calls them (a session token for one shop): the shop comes
 * from the session, never from the URL, so shop A never sees shop B's entries, and every page's layout carries the
 * health banner's facts. The activity.retention schedule is among the system schedules.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../support/db";
import { adminRequest, installShop, loadAppFor, settle, unloadApp } from "../support/app";

const SHOP = "activity-a.myshopify.com";
const OTHER = "activity-b.myshopify.com";

type App = {
  list: typeof import("~/routes/app.activity").loader;
  detail: typeof import("~/routes/app.activity_.$id").loader;
  layout: typeof import("~/routes/app").loader;
  systemSchedules: typeof import("~/jobs/registry.server").systemSchedules;
};

describe("activity routes", () => {
  let database: TestDatabase;
  let app: App;

  beforeAll(async () => {
    database = await createTestDatabase("sqlite", { name: "activity_routes" });
    await loadAppFor(database);
    app = {
      list: (await import("~/routes/app.activity")).loader,
      detail: (await import("~/routes/app.activity_.$id")).loader,
      layout: (await import("~/routes/app")).loader,
      systemSchedules: (await import("~/jobs/registry.server")).systemSchedules,
    };
  });

  afterAll(async () => {
    await unloadApp(database);
  });

  beforeEach(async () => {
    const db = database.prisma;
    for (const model of [db.activityLog, db.session, db.shop]) {
      await (model as { deleteMany(): Promise<unknown> }).deleteMany();
    }
    await installShop(db, SHOP);
    await installShop(db, OTHER);
  });

  const failure = (shop: string, name: string) =>
    database.prisma.activityLog.create({
      data: { shop, direction: "in", kind: "webhook", sync: "purchases", name, status: "failed", reference: `${shop}-${name}` },
    });

  it("GIVEN entries of two shops WHEN shop A lists its log, even naming shop B in the URL, THEN it sees only its own", async () => {
    await failure(SHOP, "ORDERS_CREATE");
    await failure(OTHER, "ORDERS_UPDATED");
    const data = await app.list({
      request: await adminRequest(SHOP, `/app/activity?direction=in&shop=${OTHER}`),
      params: {},
      context: {},
    });
    expect(data.entries.map((e) => e.name)).toEqual(["ORDERS_CREATE"]);
  });

  it("GIVEN shop B's entry WHEN shop A opens it THEN 404; its own entry opens", async () => {
    const own = await failure(SHOP, "ORDERS_CREATE");
    const foreign = await failure(OTHER, "ORDERS_UPDATED");
    const open = async (id: string) =>
      settle(async () => {
        const data = await app.detail({ request: await adminRequest(SHOP, `/app/activity/${id}`), params: { id }, context: {} });
        return Response.json(data);
      });
    expect((await open(foreign.id)).status).toBe(404);
    const response = await open(own.id);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { entry: { name: string } }).entry.name).toBe("ORDERS_CREATE");
  });

  it("GIVEN shop B failing 3 times WHEN any page of shop A loads THEN its banner facts are A's alone", async () => {
    for (let i = 0; i < 3; i++) await failure(OTHER, `ORDERS_CREATE_${i}`);
    const load = async (shop: string) =>
      (await app.layout({ request: await adminRequest(shop, "/app"), params: {}, context: {} })).health;
    expect((await load(SHOP)).failing).toEqual([]);
    expect((await load(OTHER)).failing.map((f) => [f.sync, f.failures])).toEqual([["purchases", 3]]);
  });

  it("schedules activity.retention every hour as a system job", () => {
    expect(app.systemSchedules).toContainEqual(
      expect.objectContaining({ name: "activity.retention", type: "activity.retention", intervalSeconds: 3600 }),
    );
    expect(app.systemSchedules.find((s) => s.type === "activity.retention")?.shop ?? null).toBeNull();
  });
});
