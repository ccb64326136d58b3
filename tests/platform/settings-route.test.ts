/**
 * The Settings page's loader and actions (routes/app.settings.tsx) as the embedded admin calls them: secrets and
 * keys come back in clear once, from the action that makes them, and never from the loader.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { adminRequest, form, installShop, loadAppFor, settle, unloadApp } from "../support/app";

const pgUp = await postgresAvailable();
const SHOP = "settings-shop.myshopify.com";

type Route = typeof import("~/routes/app.settings");

describe.each(["sqlite", "postgresql"] as const)("the Settings page on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let route: Route;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "settings_route" });
      await loadAppFor(database);
      route = await import("~/routes/app.settings");
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
    });

    const post = async (fields: Record<string, string>) => {
      const response = await settle(async () =>
        route.action({
          request: await adminRequest(SHOP, "/app/settings", { method: "POST", body: form(fields) }),
          params: {},
          context: {},
        }),
      );
      return { response, body: await response.clone().json() };
    };

    const load = async () => {
      const response = await settle(async () =>
        route.loader({ request: await adminRequest(SHOP, "/app/settings"), params: {}, context: {} }),
      );
      expect(response.status).toBe(200);
      return response.json();
    };

    it("shows an empty connection at first", async () => {
      expect(await load()).toMatchObject({
        destinationUrl: null,
        signingSecret: null,
        apiKey: null,
        events: { waiting: 0, retrying: 0, failed: 0 },
        latestTest: null,
        localHttpAllowed: true,
        apiBaseUrl: "http://127.0.0.1:3999/api/v1",
      });
    });

    it("refuses an invalid destination with a reason the merchant can act on, and saves a valid one", async () => {
      const bad = await post({ intent: "saveDestination", destinationUrl: "http://platform.example.com/hooks" });
      expect(bad.body).toEqual({ intent: "saveDestination", ok: false, error: expect.stringMatching(/https/) });
      expect((await load()).destinationUrl).toBeNull();

      const good = await post({ intent: "saveDestination", destinationUrl: " http://127.0.0.1:4999/hooks " });
      expect(good.body).toMatchObject({ intent: "saveDestination", ok: true, destinationUrl: "http://127.0.0.1:4999/hooks" });
      expect((await load()).destinationUrl).toBe("http://127.0.0.1:4999/hooks");
    });

    it("returns a new signing secret once; afterwards only its creation date is shown", async () => {
      const { response, body } = await post({ intent: "rotateSecret" });
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      expect(body).toMatchObject({ intent: "rotateSecret", ok: true, secret: expect.stringMatching(/^whsec_/), replaced: false });
      const view = await load();
      expect(view.signingSecret).toEqual({ createdAt: body.createdAt, readable: true });
      expect(JSON.stringify(view)).not.toContain(body.secret.slice(6));
      // a second one replaces it (the page then says "rotated")
      const again = await post({ intent: "rotateSecret" });
      expect(again.body).toMatchObject({ ok: true, replaced: true });
      expect(again.body.secret).not.toBe(body.secret);
    });

    it("returns a new API key once; afterwards only its id and date are shown", async () => {
      const { body } = await post({ intent: "rotateApiKey" });
      expect(body).toMatchObject({ intent: "rotateApiKey", ok: true, apiKey: expect.stringMatching(/^syn_/), replaced: false });
      const view = await load();
      expect(view.apiKey).toEqual({ keyId: body.apiKey.split("_")[1], createdAt: body.createdAt });
      expect(JSON.stringify(view)).not.toContain(body.apiKey.split("_")[2]);
    });

    it("sends a test event only when the connection is complete", async () => {
      expect((await post({ intent: "sendTest" })).body).toEqual({
        intent: "sendTest",
        ok: false,
        error: "Save a destination URL first.",
      });
      await post({ intent: "saveDestination", destinationUrl: "http://127.0.0.1:4999/hooks" });
      await post({ intent: "rotateSecret" });
      const sent = await post({ intent: "sendTest" });
      expect(sent.body).toMatchObject({ intent: "sendTest", ok: true, eventId: expect.stringMatching(/^msg_/) });
      expect((await load()).latestTest).toMatchObject({ id: sent.body.eventId, status: "pending", attempts: 0 });
    });

    it("answers 400 to an unknown intent", async () => {
      expect((await post({ intent: "dropTables" })).response.status).toBe(400);
    });
  });
});
