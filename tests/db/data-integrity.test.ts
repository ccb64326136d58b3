// Behaviour the rest of the app relies on, identical on both databases: idempotency through the unique
// webhook id (P2002), and Shopify ids that never pass through a JS number.
import { Prisma as LegacyPrisma } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../../app/db.server";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";

const pgUp = await postgresAvailable();

// Above 2^53 and 20 digits long, as Shopify ids can be. (Larger than a signed 64-bit integer, too.)
const TWENTY_DIGITS = "12345678901234567890";
const ABOVE_2_53 = 9007199254740993n; // 2^53 + 1: a JS number would round it to ...992

const cases = [
  { provider: "sqlite" as const, skip: false, label: "SQLite" },
  { provider: "postgresql" as const, skip: !pgUp, label: pgUp ? "PostgreSQL" : `PostgreSQL — skipped: ${postgresSkipReason()}` },
];

for (const { provider, skip, label } of cases) {
  describe(label, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      if (!skip) db = await createTestDatabase(provider, { name: "integrity" });
    });
    afterAll(() => db?.drop());

    const delivery = (webhookId: string) => ({
      shop: "syncline-demo.myshopify.com",
      webhookId,
      topic: "orders/create",
      payload: `{"id":${TWENTY_DIGITS}}`,
    });

    it.skipIf(skip)("GIVEN a recorded webhook WHEN the same webhook id is recorded again THEN Prisma raises P2002", async () => {
      await db.prisma.webhookDelivery.create({ data: delivery("wh-duplicate") });
      const error = await db.prisma.webhookDelivery.create({ data: delivery("wh-duplicate") }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
      // The class @shopify/shopify-app-session-storage-prisma checks for its retry, from "@prisma/client".
      expect(error).toBeInstanceOf(LegacyPrisma.PrismaClientKnownRequestError);
      expect((error as Prisma.PrismaClientKnownRequestError).code).toBe("P2002");
      expect(await db.prisma.webhookDelivery.count({ where: { webhookId: "wh-duplicate" } })).toBe(1);
    });

    it.skipIf(skip)("GIVEN a duplicate inside a transaction WHEN it fails THEN the transaction's other writes are undone", async () => {
      await db.prisma.webhookDelivery.create({ data: delivery("wh-tx") });
      await expect(
        db.prisma.$transaction(async (tx) => {
          await tx.job.create({ data: { type: "webhook.process", shop: "syncline-demo.myshopify.com" } });
          await tx.webhookDelivery.create({ data: delivery("wh-tx") });
        }),
      ).rejects.toMatchObject({ code: "P2002" });
      expect(await db.prisma.job.count()).toBe(0);
    });

    it.skipIf(skip)("GIVEN 20-digit ids in string columns WHEN stored and read back THEN they are byte-identical", async () => {
      await db.prisma.shop.create({ data: { shop: "big.myshopify.com", shopifyId: TWENTY_DIGITS } });
      await db.prisma.webhookDelivery.create({ data: delivery(TWENTY_DIGITS) });
      const shop = await db.prisma.shop.findUniqueOrThrow({ where: { shop: "big.myshopify.com" } });
      const hook = await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { webhookId: TWENTY_DIGITS } });
      expect(shop.shopifyId).toBe(TWENTY_DIGITS);
      expect(hook.webhookId).toBe(TWENTY_DIGITS);
      expect(hook.payload).toBe(`{"id":${TWENTY_DIGITS}}`);
    });

    it.skipIf(skip)("GIVEN a BigInt column WHEN a value above 2^53 is stored THEN it reads back exactly, as a bigint", async () => {
      await db.prisma.session.create({
        data: { id: "offline_big", shop: "big.myshopify.com", state: "s", accessToken: "t", userId: ABOVE_2_53 },
      });
      const session = await db.prisma.session.findUniqueOrThrow({ where: { id: "offline_big" } });
      expect(session.userId).toBe(ABOVE_2_53);
    });
  });
}
