// The generated client works with @shopify/shopify-app-session-storage-prisma on both databases
// (it needs the `session` model and, for its duplicate-key retry, real error classes from @prisma/client).
import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";

const pgUp = await postgresAvailable();
const cases = [
  { provider: "sqlite" as const, skip: false, label: "SQLite" },
  { provider: "postgresql" as const, skip: !pgUp, label: pgUp ? "PostgreSQL" : `PostgreSQL — skipped: ${postgresSkipReason()}` },
];

for (const { provider, skip, label } of cases) {
  describe(`PrismaSessionStorage on ${label}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      if (!skip) db = await createTestDatabase(provider, { name: "sessions" });
    });
    afterAll(() => db?.drop());

    it.skipIf(skip)("GIVEN an offline session WHEN stored, loaded, listed and deleted THEN it round-trips", async () => {
      // The storage is typed against @prisma/client's PrismaClient; ours is generated separately.
      const storage = new PrismaSessionStorage(db.prisma as never, { connectionRetries: 1, connectionRetryIntervalMs: 10 });
      const session = new Session({
        id: "offline_syncline-demo.myshopify.com",
        shop: "syncline-demo.myshopify.com",
        state: "state",
        isOnline: false,
        scope: "read_products,write_customers",
        accessToken: "shpat_test",
      });
      expect(await storage.storeSession(session)).toBe(true);
      expect(await storage.storeSession(session)).toBe(true); // an upsert: storing twice is fine
      const loaded = await storage.loadSession(session.id);
      expect(loaded?.toObject()).toEqual(session.toObject());
      expect((await storage.findSessionsByShop("syncline-demo.myshopify.com")).map((s) => s.id)).toEqual([session.id]);
      await storage.deleteSessions([session.id]);
      expect(await storage.loadSession(session.id)).toBeUndefined();
    });
  });
}
