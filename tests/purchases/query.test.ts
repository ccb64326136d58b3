/**
 * What the Purchases pages read (app/purchases/query.server.ts), on SQLite and PostgreSQL: the list's filters and
 * its keyset cursor (stable while orders arrive, ties broken by id), the counts behind the tabs and the sync page,
 * the storefront reports no order matched, one purchase in detail (ids above 2^53 digit for digit, refunds,
 * reports, platform events and their activity entries), and that no query ever returns another shop's rows. The
 * list and detail routes are called as the embedded admin calls them, for the same isolation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { PrismaClient } from "~/db.server";
import { EMPTY_PURCHASE_FILTERS, parsePurchaseFilters, purchaseFiltersToParams, type PurchaseFilters } from "~/purchases/filters";
import {
  countMismatches,
  countPurchaseViews,
  getPurchaseDetail,
  listPurchases,
  listServerMissingReports,
  purchaseCursorOf,
  purchaseWhere,
} from "~/purchases/query.server";

import { adminRequest, installShop, loadAppFor, settle, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";

const pgUp = await postgresAvailable();
const SHOP = "query-a.myshopify.com";
const OTHER = "query-b.myshopify.com";
// Above 2^53: a JS number would turn these into ...992 and ...984.
const BIG_ORDER_ID = "9007199254740993";
const BIG_VARIANT_ID = "18014398509481985";
const T0 = Date.parse("2026-11-01T10:00:00.000Z");
const MINUTE = 60_000;

const filters = (query: string): PurchaseFilters => parsePurchaseFilters(new URLSearchParams(query));

describe("parsePurchaseFilters / purchaseWhere", () => {
  it("GIVEN no parameters THEN every purchase of the shop, newest first", () => {
    expect(filters("")).toEqual(EMPTY_PURCHASE_FILTERS);
    expect(purchaseWhere(SHOP, filters("")).AND).toEqual([{ shop: SHOP }]);
  });

  it("GIVEN values it does not know THEN it drops them instead of failing", () => {
    expect(filters("status=lost&source=fax&after=x&before=1_")).toEqual(EMPTY_PURCHASE_FILTERS);
  });

  it("GIVEN a status, sources and a cursor THEN the shop stays first and the rest is ANDed to it", () => {
    const cursor = `${T0}_abc`;
    expect(purchaseWhere(SHOP, filters(`status=excluded&source=pos&source=web&after=${cursor}`)).AND).toEqual([
      { shop: SHOP },
      { status: "excluded" },
      { sourceName: { in: ["web", "pos"] } },
      { OR: [{ orderCreatedAt: { lt: new Date(T0) } }, { orderCreatedAt: new Date(T0), id: { lt: "abc" } }] },
    ]);
  });

  it("GIVEN the mismatch view THEN it filters on the mismatch flag, not on a status", () => {
    expect(purchaseWhere(SHOP, filters("status=mismatch")).AND).toEqual([{ shop: SHOP }, { mismatch: true }]);
  });

  it("GIVEN 'other' THEN it means no source or any source that is not a named channel", () => {
    expect(purchaseWhere(SHOP, filters("source=other")).AND[1]).toEqual({
      OR: [{ sourceName: null }, { sourceName: { notIn: ["web", "pos", "shopify_draft_order", "subscription_contract"] } }],
    });
    // Every channel ticked is no filter at all.
    expect(purchaseWhere(SHOP, filters("source=web&source=pos&source=shopify_draft_order&source=subscription_contract&source=other")).AND).toEqual([
      { shop: SHOP },
    ]);
  });

  it("GIVEN both cursors THEN only `after` counts; round-trips through purchaseFiltersToParams", () => {
    const cursor = `${T0}_abc`;
    expect(filters(`after=${cursor}&before=${cursor}`)).toMatchObject({ after: cursor, before: null });
    const f = filters(`status=refunded&source=other&before=${cursor}`);
    expect(filters(purchaseFiltersToParams(f).toString())).toEqual(f);
  });
});

interface Seed {
  shop?: string;
  orderId: string;
  at: number;
  status?: "registered" | "pending_delay" | "excluded" | "refunded";
  source?: string | null;
  mismatchFields?: unknown[];
  id?: string;
}

async function seedPurchase(db: PrismaClient, seed: Seed) {
  const status = seed.status ?? "registered";
  return db.purchase.create({
    data: {
      ...(seed.id ? { id: seed.id } : {}),
      shop: seed.shop ?? SHOP,
      orderId: seed.orderId,
      orderName: `#${seed.orderId.slice(-4)}`,
      orderNumber: seed.orderId.slice(-4),
      email: `buyer-${seed.orderId}@example.com`,
      currency: "EUR",
      totalPrice: "25.00",
      sourceName: seed.source === undefined ? "web" : seed.source,
      orderCreatedAt: new Date(seed.at),
      sourceUpdatedAt: new Date(seed.at),
      status,
      excludedReason: status === "excluded" ? "source:pos" : null,
      forwardedAt: status === "registered" || status === "refunded" ? new Date(seed.at + MINUTE) : null,
      refundedAt: status === "refunded" ? new Date(seed.at + 2 * MINUTE) : null,
      mismatch: !!seed.mismatchFields,
      mismatchFields: seed.mismatchFields ? JSON.stringify(seed.mismatchFields) : null,
      mismatchAt: seed.mismatchFields ? new Date(seed.at + 60 * MINUTE) : null,
    },
  });
}

async function seedReport(
  db: PrismaClient,
  report: { shop?: string; eventId: string; orderId?: string | null; orderName?: string | null; at: number; matchedTo?: string; flagged?: boolean },
) {
  return db.browserPurchase.create({
    data: {
      shop: report.shop ?? SHOP,
      eventId: report.eventId,
      orderId: report.orderId ?? null,
      orderName: report.orderName ?? null,
      totalPrice: "20.00",
      currency: "EUR",
      email: "buyer@example.com",
      itemCount: 2,
      lineItems: `[{"variantId":"${BIG_VARIANT_ID}","productId":"7001","sku":"TEE","title":"T-shirt","quantity":2,"price":"10.00"}]`,
      occurredAt: new Date(report.at),
      receivedAt: new Date(report.at + 1000),
      purchaseOrderId: report.matchedTo ?? null,
      matchedAt: report.matchedTo ? new Date(report.at + 2000) : null,
      mismatchAt: report.flagged ? new Date(report.at + 60 * MINUTE) : null,
    },
  });
}

const DIFFERS = [{ field: "total", server: "25.00", browser: "20.00" }];
const BROWSER_MISSING = [{ field: "browser", server: "present", browser: "missing" }];

describe.each(["sqlite", "postgresql"] as const)("purchase queries on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let routes: {
      list: typeof import("~/routes/app.purchases_.list").loader;
      detail: typeof import("~/routes/app.purchases_.$orderId").loader;
    };
    const db = () => database.prisma;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "purchase_query" });
      await loadAppFor(database);
      routes = {
        list: (await import("~/routes/app.purchases_.list")).loader,
        detail: (await import("~/routes/app.purchases_.$orderId")).loader,
      };
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      for (const model of [
        db().purchase,
        db().purchaseRefund,
        db().browserPurchase,
        db().outboundEvent,
        db().activityLog,
        db().session,
        db().shop,
      ]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
    });

    /** A shop with one purchase of each kind, and a decoy of the other shop for each. */
    async function seedMixed() {
      await seedPurchase(db(), { orderId: "1001", at: T0, status: "registered" });
      await seedPurchase(db(), { orderId: "1002", at: T0 + MINUTE, status: "pending_delay" });
      await seedPurchase(db(), { orderId: "1003", at: T0 + 2 * MINUTE, status: "excluded", source: "pos" });
      await seedPurchase(db(), { orderId: "1004", at: T0 + 3 * MINUTE, status: "refunded", source: null });
      await seedPurchase(db(), { orderId: "1005", at: T0 + 4 * MINUTE, status: "registered", mismatchFields: DIFFERS });
      await seedPurchase(db(), { orderId: "1006", at: T0 + 5 * MINUTE, status: "registered", source: "580111", mismatchFields: BROWSER_MISSING });
      await seedReport(db(), { eventId: "evt-lonely", orderId: "1999", at: T0 + 6 * MINUTE, flagged: true });
      await seedReport(db(), { eventId: "evt-waiting", orderId: "1998", at: T0 + 7 * MINUTE });
      await seedReport(db(), { eventId: "evt-matched", orderId: "1005", at: T0 + 4 * MINUTE, matchedTo: "1005" });
      for (const [i, status] of (["registered", "excluded", "refunded"] as const).entries()) {
        await seedPurchase(db(), { shop: OTHER, orderId: `200${i}`, at: T0 + 10 * MINUTE, status, mismatchFields: DIFFERS });
      }
      await seedReport(db(), { shop: OTHER, eventId: "evt-other", orderId: "2999", at: T0, flagged: true });
    }

    const orderIds = async (query: string, pageSize?: number) =>
      (await listPurchases(db(), SHOP, filters(query), pageSize)).purchases.map((p) => p.orderId);

    it("GIVEN purchases of two shops WHEN listing THEN only the shop's, newest first", async () => {
      await seedMixed();
      expect(await orderIds("")).toEqual(["1006", "1005", "1004", "1003", "1002", "1001"]);
    });

    it.each([
      ["status=registered", ["1006", "1005", "1001"]],
      ["status=pending_delay", ["1002"]],
      ["status=excluded", ["1003"]],
      ["status=refunded", ["1004"]],
      ["status=mismatch", ["1006", "1005"]],
      ["source=pos", ["1003"]],
      ["source=web&source=pos", ["1005", "1003", "1002", "1001"]],
      ["source=other", ["1006", "1004"]],
      ["status=mismatch&source=other", ["1006"]],
    ])("GIVEN the view %s THEN exactly those purchases", async (query, expected) => {
      await seedMixed();
      expect(await orderIds(query)).toEqual(expected);
    });

    it("GIVEN a mismatch THEN the row carries its fields as text on both sides", async () => {
      await seedMixed();
      const { purchases } = await listPurchases(db(), SHOP, filters("status=mismatch"));
      expect(purchases.find((p) => p.orderId === "1005")?.mismatchFields).toEqual([{ field: "total", server: "25.00", browser: "20.00" }]);
      expect(purchases.find((p) => p.orderId === "1006")?.mismatchFields).toEqual([{ field: "browser", server: "present", browser: "missing" }]);
    });

    it("GIVEN orders arriving between page loads THEN the next and previous pages stay the same; ties are broken by id", async () => {
      // Seven purchases, three of them at the same instant: only the id orders those.
      for (let i = 0; i < 7; i++) {
        await seedPurchase(db(), { orderId: `30${i}`, at: T0 + (i < 3 ? 0 : i) * MINUTE, id: `p${i}` });
      }
      const first = await listPurchases(db(), SHOP, filters(""), 3);
      expect(first.purchases.map((p) => p.orderId)).toEqual(["306", "305", "304"]);
      expect(first.hasPrevious).toBe(false);

      // A new order arrives (newest) and an old one is backfilled (oldest) while the merchant reads page 1.
      await seedPurchase(db(), { orderId: "399", at: T0 + 60 * MINUTE });
      await seedPurchase(db(), { orderId: "398", at: T0 - 60 * MINUTE, id: "p-old" });

      const second = await listPurchases(db(), SHOP, { ...EMPTY_PURCHASE_FILTERS, after: first.nextCursor }, 3);
      expect(second.purchases.map((p) => p.orderId)).toEqual(["303", "302", "301"]);
      const third = await listPurchases(db(), SHOP, { ...EMPTY_PURCHASE_FILTERS, after: second.nextCursor }, 3);
      expect(third.purchases.map((p) => p.orderId)).toEqual(["300", "398"]);
      expect(third.nextCursor).toBeNull();

      // Back from page 2: page 1 as it was, plus nothing from the new order (that is on the page before).
      const back = await listPurchases(db(), SHOP, { ...EMPTY_PURCHASE_FILTERS, before: second.previousCursor }, 3);
      expect(back.purchases.map((p) => p.orderId)).toEqual(["306", "305", "304"]);
      expect(back.hasPrevious).toBe(true);
      expect(back.nextCursor).toBe(purchaseCursorOf({ orderCreatedAt: new Date(T0 + 4 * MINUTE), id: "p4" }));
    });

    it("GIVEN both shops WHEN counting THEN each status, the mismatch kinds and the tabs count the shop's own rows", async () => {
      await seedMixed();
      const { views, mismatches } = await countPurchaseViews(db(), SHOP);
      expect(views).toEqual({ all: 6, registered: 3, pending_delay: 1, excluded: 1, refunded: 1, mismatch: 3 });
      expect(mismatches).toEqual({ differing: 1, browserMissing: 1, serverMissing: 1, total: 3 });
      expect(await countMismatches(db(), OTHER)).toEqual({ differing: 3, browserMissing: 0, serverMissing: 1, total: 4 });
    });

    it("GIVEN a channel filter WHEN counting THEN the tabs count that channel, and reports (no channel) are left out", async () => {
      await seedMixed();
      const { views, mismatches } = await countPurchaseViews(db(), SHOP, ["web"]);
      expect(views).toEqual({ all: 3, registered: 2, pending_delay: 1, excluded: 0, refunded: 0, mismatch: 1 });
      expect(mismatches).toEqual({ differing: 1, browserMissing: 0, serverMissing: 0, total: 1 });
    });

    it("GIVEN storefront reports WHEN listing those Shopify never sent THEN only flagged, unmatched ones of the shop, paged", async () => {
      await seedMixed();
      await seedReport(db(), { eventId: "evt-lonely-2", orderId: null, orderName: "1777", at: T0 + 8 * MINUTE, flagged: true });
      const page1 = await listServerMissingReports(db(), SHOP, { limit: 1 });
      expect(page1.reports.map((r) => r.eventId)).toEqual(["evt-lonely-2"]);
      const page2 = await listServerMissingReports(db(), SHOP, { after: page1.nextCursor, limit: 1 });
      expect(page2.reports.map((r) => r.eventId)).toEqual(["evt-lonely"]);
      expect(page2.nextCursor).toBeNull();
      expect(page2.reports[0].lineItems[0].variantId).toBe(BIG_VARIANT_ID);
    });

    it("GIVEN an order with refunds, reports and events THEN the detail has them all, ids digit for digit", async () => {
      await db().purchase.create({
        data: {
          shop: SHOP,
          orderId: BIG_ORDER_ID,
          orderName: "#1042",
          orderNumber: "1042",
          customerId: "9007199254740995",
          email: "ada@example.com",
          currency: "EUR",
          totalPrice: "25.00",
          presentmentCurrency: "USD",
          presentmentTotal: "27.10",
          discountCodes: '[{"code":"WELCOME","amount":"5.00","type":"fixed_amount"}]',
          // Written as a bare number, as a careless writer might: still shown exactly.
          lineItems: `[{"lineItemId":"11001","productId":"7001","variantId":${BIG_VARIANT_ID},"sku":"TEE-M","title":"T-shirt","quantity":2,"price":"15.00"}]`,
          sourceName: "web",
          tags: "vip, gift",
          orderCreatedAt: new Date(T0),
          sourceUpdatedAt: new Date(T0),
          status: "registered",
          forwardAt: new Date(T0 + 10 * MINUTE),
          decidedAt: new Date(T0 + 10 * MINUTE),
          forwardedAt: new Date(T0 + 10 * MINUTE),
          mismatch: true,
          mismatchFields: JSON.stringify([
            { field: "total", server: "27.10", browser: "20.00" },
            { field: "itemCount", server: 2, browser: 1 },
          ]),
          mismatchAt: new Date(T0 + 11 * MINUTE),
          browserReportedAt: new Date(T0 + 11 * MINUTE),
        },
      });
      await db().purchaseRefund.create({
        data: { shop: SHOP, refundId: "9007199254740997", orderId: BIG_ORDER_ID, amount: "5.00", refundCreatedAt: new Date(T0 + 20 * MINUTE) },
      });
      await seedReport(db(), { eventId: "evt-by-id", orderId: BIG_ORDER_ID, at: T0 + 1000, matchedTo: BIG_ORDER_ID });
      await seedReport(db(), { eventId: "evt-by-name", orderName: "1042", at: T0 + 2000 });
      // Same name in the other shop: never shown here.
      await seedReport(db(), { shop: OTHER, eventId: "evt-foreign", orderId: BIG_ORDER_ID, orderName: "#1042", at: T0 });
      const event = (id: string, type: string, dedupeKey: string, data: object, at: number) =>
        db().outboundEvent.create({
          data: {
            id,
            shop: SHOP,
            type,
            dedupeKey,
            payload: JSON.stringify({ type, timestamp: new Date(at).toISOString(), data }),
            status: "delivered",
            attempts: 1,
            lastStatus: 200,
            createdAt: new Date(at),
          },
        });
      await event("msg_reg", "purchase.registered", `${SHOP}|purchase.registered|${BIG_ORDER_ID}`, { orderId: BIG_ORDER_ID }, T0 + 10 * MINUTE);
      await event("msg_refund", "refund.created", `${SHOP}|refund.created|9007199254740997`, { refundId: "9007199254740997" }, T0 + 20 * MINUTE);
      // A mismatch event under a key the reconciliation chose: found by the order id in its payload.
      await event("msg_mismatch", "purchase.mismatch", `${SHOP}|purchase.mismatch|${BIG_ORDER_ID}:differs:0123456789abcdef`, { kind: "differs", orderId: BIG_ORDER_ID }, T0 + 11 * MINUTE);
      // Another order's mismatch and another shop's event with the same key shape: not this order's.
      await event("msg_unrelated", "purchase.mismatch", `${SHOP}|purchase.mismatch|x`, { kind: "differs", orderId: "1" }, T0 + 11 * MINUTE);
      await db().outboundEvent.create({
        data: { id: "msg_foreign", shop: OTHER, type: "purchase.registered", dedupeKey: `${OTHER}|purchase.registered|${BIG_ORDER_ID}`, payload: "{}" },
      });
      for (const [i, ref] of ["msg_reg", "msg_reg", "msg_refund"].entries()) {
        await db().activityLog.create({
          data: {
            id: `act-${i}`,
            shop: SHOP,
            direction: "out",
            kind: "platform",
            name: "purchase.registered",
            status: i === 0 ? "retrying" : "delivered",
            reference: ref,
            createdAt: new Date(T0 + (ref === "msg_reg" ? 10 : 20) * MINUTE + i * 1000),
          },
        });
      }
      // The events' updatedAt is now: the attempt window reaches it.

      const detail = await getPurchaseDetail(db(), SHOP, BIG_ORDER_ID);
      expect(detail).not.toBeNull();
      const purchase = detail!.purchase!;
      expect(purchase.orderId).toBe(BIG_ORDER_ID);
      expect(purchase.customerId).toBe("9007199254740995");
      expect(purchase.lineItems).toEqual([
        { lineItemId: "11001", productId: "7001", variantId: BIG_VARIANT_ID, sku: "TEE-M", title: "T-shirt", quantity: 2, price: "15.00" },
      ]);
      expect(purchase.discountCodes).toEqual([{ code: "WELCOME", amount: "5.00", type: "fixed_amount" }]);
      expect(purchase.mismatchFields).toEqual([
        { field: "total", server: "27.10", browser: "20.00" },
        { field: "itemCount", server: "2", browser: "1" },
      ]);
      expect(detail!.refunds.map((r) => [r.refundId, r.amount, r.currency])).toEqual([["9007199254740997", "5.00", "EUR"]]);
      expect(detail!.reports.map((r) => [r.eventId, r.matchedHere])).toEqual([
        ["evt-by-id", true],
        ["evt-by-name", false],
      ]);
      expect(detail!.events.map((e) => [e.id, e.type, e.latestActivityId, e.activityCount, e.subject])).toEqual([
        ["msg_reg", "purchase.registered", "act-1", 2, null],
        ["msg_mismatch", "purchase.mismatch", null, 0, null],
        ["msg_refund", "refund.created", "act-2", 1, "9007199254740997"],
      ]);

      expect(await getPurchaseDetail(db(), OTHER, BIG_ORDER_ID)).toMatchObject({ purchase: null, reports: [{ eventId: "evt-foreign" }] });
      expect(await getPurchaseDetail(db(), SHOP, "404")).toBeNull();
      expect(await getPurchaseDetail(db(), SHOP, "not-an-id")).toBeNull();
    });

    it("GIVEN only a storefront report for an order THEN the detail shows the report and its server-missing event", async () => {
      await seedReport(db(), { eventId: "evt-lonely", orderId: "1999", at: T0, flagged: true });
      await db().outboundEvent.create({
        data: {
          id: "msg_missing",
          shop: SHOP,
          type: "purchase.mismatch",
          dedupeKey: `${SHOP}|purchase.mismatch|browser:evt-lonely:server_missing`,
          payload: JSON.stringify({ type: "purchase.mismatch", data: { kind: "server_missing", orderId: "1999" } }),
        },
      });
      const detail = await getPurchaseDetail(db(), SHOP, "1999");
      expect(detail).toMatchObject({ orderId: "1999", purchase: null, refunds: [] });
      expect(detail!.reports.map((r) => r.eventId)).toEqual(["evt-lonely"]);
      expect(detail!.events.map((e) => [e.id, e.type])).toEqual([["msg_missing", "purchase.mismatch"]]);
    });

    it("GIVEN shop B's purchases WHEN shop A opens the list or a detail, even naming B, THEN it sees only its own", async () => {
      await installShop(db(), SHOP);
      await installShop(db(), OTHER);
      await seedMixed();
      const list = await routes.list({
        request: await adminRequest(SHOP, `/app/purchases/list?status=mismatch&shop=${OTHER}`),
        params: {},
        context: {},
      });
      expect(list.purchases.map((p) => p.orderId)).toEqual(["1006", "1005"]);
      expect(list.reports?.reports.map((r) => r.eventId)).toEqual(["evt-lonely"]);
      expect(list.counts.views.all).toBe(6);

      const open = async (orderId: string) =>
        settle(async () =>
          Response.json(
            await routes.detail({ request: await adminRequest(SHOP, `/app/purchases/${orderId}`), params: { orderId }, context: {} }),
          ),
        );
      expect((await open("2000")).status).toBe(404);
      const own = await open("1005");
      expect(own.status).toBe(200);
      expect(((await own.json()) as { detail: { purchase: { orderId: string } } }).detail.purchase.orderId).toBe("1005");
    });
  });
});
