/**
 * The platform's way in: `Authorization: Bearer syn_<keyId>_<secret>` on /api/v1/*, checked by
 * authenticatePlatform, exercised through the real GET /api/v1/status route on SQLite and PostgreSQL.
 */
import { createHash } from "node:crypto";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";
import { TEST_APP_URL } from "../support/webhooks";
import { installShop, loadAppFor, settle, unloadApp } from "../support/app";

const pgUp = await postgresAvailable();
const SHOP = "api-shop.myshopify.com";
const OTHER_SHOP = "other-api-shop.myshopify.com";

type App = {
  statusLoader: typeof import("~/routes/api.v1.status").loader;
  issueApiKey: typeof import("~/platform/api-key.server").issueApiKey;
  verifyApiKey: typeof import("~/platform/api-key.server").verifyApiKey;
};

describe.each(["sqlite", "postgresql"] as const)("platform API authentication on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let app: App;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "platform_api" });
      await loadAppFor(database);
      app = {
        statusLoader: (await import("~/routes/api.v1.status")).loader,
        issueApiKey: (await import("~/platform/api-key.server")).issueApiKey,
        verifyApiKey: (await import("~/platform/api-key.server")).verifyApiKey,
      };
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      const db = database.prisma;
      for (const model of [db.platformConnection, db.syncSetting, db.session, db.shop]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      await installShop(db, SHOP);
      await installShop(db, OTHER_SHOP);
    });

    const getStatus = (authorization?: string) =>
      settle(() =>
        app.statusLoader({
          request: new Request(`${TEST_APP_URL}/api/v1/status`, {
            headers: authorization === undefined ? {} : { Authorization: authorization },
          }),
          params: {},
          context: {},
        }),
      );

    async function expectUnauthorized(response: Response) {
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="syncline"');
      // the same body whatever was wrong: no hint which part failed
      expect(await response.json()).toEqual({
        error: "unauthorized",
        message: "Send a valid Syncline API key as Authorization: Bearer <key>.",
      });
    }

    it("answers 200 with the shop's sync switches to the right key", async () => {
      // GIVEN a key and one sync on
      const { apiKey } = await app.issueApiKey(database.prisma, SHOP);
      await database.prisma.syncSetting.create({ data: { shop: SHOP, sync: "purchases", enabled: true, status: "on" } });
      // WHEN the platform calls with it
      const response = await getStatus(`Bearer ${apiKey}`);
      // THEN
      expect(response.status).toBe(200);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      expect(await response.json()).toEqual({
        shop: SHOP,
        syncs: [
          { key: "purchases", enabled: true, status: "on" },
          { key: "consent_email", enabled: false, status: "off" },
          { key: "consent_sms", enabled: false, status: "off" },
          { key: "catalog", enabled: false, status: "off" },
        ],
      });
    });

    it("answers 401 to the right key id with a wrong secret", async () => {
      const { apiKey } = await app.issueApiKey(database.prisma, SHOP);
      const lastChar = apiKey.at(-1) === "0" ? "1" : "0";
      await expectUnauthorized(await getStatus(`Bearer ${apiKey.slice(0, -1)}${lastChar}`));
    });

    it("answers 401 to an unknown key id", async () => {
      const { apiKey } = await app.issueApiKey(database.prisma, SHOP);
      await expectUnauthorized(await getStatus(`Bearer syn_${"0".repeat(16)}_${apiKey.split("_")[2]}`));
    });

    it.each([
      ["no Authorization header", undefined],
      ["an empty header", ""],
      ["the Basic scheme", "Basic c3luOnNlY3JldA=="],
      ["Bearer without a key", "Bearer "],
      ["a key of the wrong shape", "Bearer syn_abc_def"],
      ["two tokens", "Bearer a b"],
    ])("answers 401 to %s", async (_case, header) => {
      await app.issueApiKey(database.prisma, SHOP);
      await expectUnauthorized(await getStatus(header));
    });

    it("answers 401 to the old key once the key was rotated, 200 to the new one", async () => {
      const old = await app.issueApiKey(database.prisma, SHOP);
      const rotated = await app.issueApiKey(database.prisma, SHOP);
      expect(rotated.apiKey).not.toBe(old.apiKey);
      await expectUnauthorized(await getStatus(`Bearer ${old.apiKey}`));
      expect((await getStatus(`Bearer ${rotated.apiKey}`)).status).toBe(200);
    });

    it("lets each shop's key reach only its own shop", async () => {
      // GIVEN two shops with different switches, each with its key
      const mine = await app.issueApiKey(database.prisma, SHOP);
      const theirs = await app.issueApiKey(database.prisma, OTHER_SHOP);
      await database.prisma.syncSetting.create({ data: { shop: OTHER_SHOP, sync: "catalog", enabled: true, status: "on" } });
      // WHEN each key is used
      const mineBody = await (await getStatus(`Bearer ${mine.apiKey}`)).json();
      const theirsBody = await (await getStatus(`Bearer ${theirs.apiKey}`)).json();
      // THEN each sees its own shop only
      expect(mineBody.shop).toBe(SHOP);
      expect(mineBody.syncs.find((s: { key: string }) => s.key === "catalog").enabled).toBe(false);
      expect(theirsBody.shop).toBe(OTHER_SHOP);
      expect(theirsBody.syncs.find((s: { key: string }) => s.key === "catalog").enabled).toBe(true);
      // and one shop's secret under the other shop's key id gets nowhere
      const mixed = `syn_${mine.keyId}_${theirs.apiKey.split("_")[2]}`;
      await expectUnauthorized(await getStatus(`Bearer ${mixed}`));
    });

    it("answers 401 to a valid key of a shop that uninstalled the app", async () => {
      const { apiKey } = await app.issueApiKey(database.prisma, SHOP);
      await database.prisma.shop.update({ where: { shop: SHOP }, data: { uninstalledAt: new Date() } });
      await expectUnauthorized(await getStatus(`Bearer ${apiKey}`));
    });

    it("stores only the key id and the SHA-256 of the secret", async () => {
      const { apiKey, keyId } = await app.issueApiKey(database.prisma, SHOP);
      const secret = apiKey.split("_")[2];
      expect(apiKey).toMatch(/^syn_[0-9a-f]{16}_[0-9a-f]{64}$/);
      const row = await database.prisma.platformConnection.findUniqueOrThrow({ where: { shop: SHOP } });
      expect(row.apiKeyId).toBe(keyId);
      expect(row.apiKeyHash).toBe(createHash("sha256").update(secret).digest("hex"));
      expect(JSON.stringify(row)).not.toContain(secret);
    });

    it("verifies keys directly too: the shop for the right key, null for anything else", async () => {
      const { apiKey } = await app.issueApiKey(database.prisma, SHOP);
      await expect(app.verifyApiKey(database.prisma, apiKey)).resolves.toEqual({ shop: SHOP });
      await expect(app.verifyApiKey(database.prisma, apiKey.toUpperCase())).resolves.toBeNull();
      await expect(app.verifyApiKey(database.prisma, "")).resolves.toBeNull();
    });
  });
});
