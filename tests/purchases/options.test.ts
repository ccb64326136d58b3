/**
 * The purchase options form on the Purchases page: validation in the merchant's words (pure), and the route's
 * action on SQLite and PostgreSQL: it stores only `options`, never disturbs a switch toggle in flight (its claim's
 * version and age stay as they were, and settling the toggle keeps the options), and of two saves of the same
 * loaded form exactly one wins while the other is told the options changed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { DEFAULT_PURCHASE_OPTIONS, type PurchaseOptions } from "~/purchases/options";
import { OPTION_FIELDS, optionsToForm, parseOptionsForm } from "~/purchases/options-form";

import { adminRequest, installShop, loadAppFor, settle, unloadApp } from "../support/app";
import { createTestDatabase, postgresAvailable, postgresSkipReason, type TestDatabase } from "../support/db";

const pgUp = await postgresAvailable();
const SHOP = "options-shop.myshopify.com";
const REVISION = "0123456789abcdef";

const CHOSEN: PurchaseOptions = {
  upsellDelayMinutes: 0,
  excludedSources: ["pos", "580111"],
  excludedTags: ["wholesale", "B2B"],
  skipTestOrders: false,
  matchByOrderName: true,
  mismatchGraceMinutes: 120,
};

function withField(form: FormData, name: string, ...values: string[]): FormData {
  form.delete(name);
  for (const value of values) form.append(name, value);
  return form;
}

describe("parseOptionsForm", () => {
  it("GIVEN every option set THEN it reads them back exactly, with the revision", () => {
    expect(parseOptionsForm(optionsToForm(CHOSEN, REVISION))).toEqual({ ok: true, options: CHOSEN, revision: REVISION });
    expect(parseOptionsForm(optionsToForm(DEFAULT_PURCHASE_OPTIONS, REVISION))).toMatchObject({ ok: true, options: DEFAULT_PURCHASE_OPTIONS });
  });

  it("GIVEN lists with blanks, spaces and the same entry in other capitals THEN each entry is kept once, trimmed", () => {
    const form = withField(optionsToForm(CHOSEN, REVISION), OPTION_FIELDS.excludedTag, " VIP ", "vip", "", "  ", "gift");
    expect(parseOptionsForm(form)).toMatchObject({ ok: true, options: { excludedTags: ["VIP", "gift"] } });
  });

  it.each([
    ["0 minutes with the delay on", OPTION_FIELDS.upsellDelayMinutes, "0", "upsellDelayMinutes"],
    ["61 minutes", OPTION_FIELDS.upsellDelayMinutes, "61", "upsellDelayMinutes"],
    ["a fraction of a minute", OPTION_FIELDS.upsellDelayMinutes, "10.5", "upsellDelayMinutes"],
    ["an exponent", OPTION_FIELDS.upsellDelayMinutes, "1e1", "upsellDelayMinutes"],
    ["no minutes with the delay on", OPTION_FIELDS.upsellDelayMinutes, "", "upsellDelayMinutes"],
    ["an unknown delay choice", OPTION_FIELDS.upsellDelay, "later", "upsellDelayMinutes"],
    ["a grace period of 4 minutes", OPTION_FIELDS.mismatchGraceMinutes, "4", "mismatchGraceMinutes"],
    ["a grace period over a day", OPTION_FIELDS.mismatchGraceMinutes, "1441", "mismatchGraceMinutes"],
    ["a grace period in words", OPTION_FIELDS.mismatchGraceMinutes, "an hour", "mismatchGraceMinutes"],
    ["a tag with a comma", OPTION_FIELDS.excludedTag, "vip,gift", "excludedTags"],
    ["a tag longer than 255 characters", OPTION_FIELDS.excludedTag, "x".repeat(256), "excludedTags"],
    ["a channel longer than 255 characters", OPTION_FIELDS.excludedSource, "x".repeat(256), "excludedSources"],
    ["no answer for test orders", OPTION_FIELDS.skipTestOrders, "maybe", "skipTestOrders"],
    ["no answer for order-name matching", OPTION_FIELDS.matchByOrderName, "", "matchByOrderName"],
    ["no revision", OPTION_FIELDS.revision, "", "form"],
  ])("GIVEN %s THEN the form is refused with a message on that field", (_name, field, value, errorKey) => {
    const form = withField(optionsToForm({ ...CHOSEN, upsellDelayMinutes: 10 }, REVISION), field, value);
    const parsed = parseOptionsForm(form);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors)).toEqual([errorKey]);
    expect(parsed.errors[errorKey as keyof typeof parsed.errors]).toMatch(/\w{3,}.*\./);
  });

  it("GIVEN more than 100 tags THEN the form is refused saying the limit", () => {
    const tags = Array.from({ length: 101 }, (_, i) => `tag-${i}`);
    const parsed = parseOptionsForm(withField(optionsToForm(CHOSEN, REVISION), OPTION_FIELDS.excludedTag, ...tags));
    expect(parsed).toEqual({ ok: false, errors: { excludedTags: "Exclude at most 100 tags." } });
  });
});

describe.each(["sqlite", "postgresql"] as const)("saving purchase options on %s", (provider) => {
  const skip = provider === "postgresql" && !pgUp;
  describe.skipIf(skip)(skip ? `skipped: ${postgresSkipReason()}` : "against a fresh database", () => {
    let database: TestDatabase;
    let route: typeof import("~/routes/app.purchases");
    let options: typeof import("~/purchases/options.server");
    let claims: typeof import("~/syncs/claim.server");
    const db = () => database.prisma;

    beforeAll(async () => {
      database = await createTestDatabase(provider, { name: "purchase_options" });
      await loadAppFor(database);
      route = await import("~/routes/app.purchases");
      options = await import("~/purchases/options.server");
      claims = await import("~/syncs/claim.server");
    });

    afterAll(async () => {
      await unloadApp(database);
    });

    beforeEach(async () => {
      for (const model of [db().syncSetting, db().session, db().shop]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
      await installShop(db(), SHOP);
    });

    const post = async (form: FormData) => {
      const response = await settle(async () =>
        route.action({ request: await adminRequest(SHOP, "/app/purchases", { method: "POST", body: form }), params: {}, context: {} }),
      );
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const stored = async () => (await db().syncSetting.findUnique({ where: { shop_sync: { shop: SHOP, sync: "purchases" } } }))!;

    it("GIVEN a shop that never turned the sync on WHEN the merchant saves options THEN they are stored and the switch stays off", async () => {
      const { revision } = await options.loadPurchaseOptions(db(), SHOP);
      const saved = await post(optionsToForm(CHOSEN, revision));
      expect(saved.status).toBe(200);
      expect(saved.body).toMatchObject({ intent: "options", ok: true, options: CHOSEN });
      const row = await stored();
      expect(JSON.parse(row.options)).toEqual(CHOSEN);
      expect(row).toMatchObject({ enabled: false, status: "off", version: 0 });
      expect(await options.loadPurchaseOptions(db(), SHOP)).toEqual({ options: CHOSEN, revision: saved.body.revision });
    });

    it("GIVEN an invalid form WHEN posted THEN 400 with the field's message, and nothing is stored", async () => {
      const { revision } = await options.loadPurchaseOptions(db(), SHOP);
      const form = withField(optionsToForm({ ...CHOSEN, upsellDelayMinutes: 10 }, revision), OPTION_FIELDS.upsellDelayMinutes, "90");
      const answer = await post(form);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        intent: "options",
        ok: false,
        errors: { upsellDelayMinutes: "Enter a whole number of minutes from 1 to 60, or choose to forward at once." },
      });
      expect(await db().syncSetting.count()).toBe(0);
    });

    it("GIVEN a toggle in flight WHEN options are saved THEN its claim keeps its version and age, and settling it keeps the options", async () => {
      await db().syncSetting.create({ data: { shop: SHOP, sync: "purchases", enabled: false, status: "off", version: 4 } });
      const claim = await claims.claimSwitch(db(), SHOP, "purchases", "enabling");
      const claimed = await stored();
      const { revision } = await options.loadPurchaseOptions(db(), SHOP);

      expect((await post(optionsToForm(CHOSEN, revision))).status).toBe(200);
      const during = await stored();
      expect(during).toMatchObject({ status: "enabling", version: claim.version, enabled: false });
      // The claim's age is updatedAt: a save must not keep an abandoned claim alive.
      expect(during.updatedAt.getTime()).toBe(claimed.updatedAt.getTime());

      await claims.settleClaim(db(), claim, { enabled: true, status: "on", lastError: null, lastErrorAt: null, enabledAt: new Date() });
      const after = await stored();
      expect(after).toMatchObject({ enabled: true, status: "on", version: claim.version });
      expect(JSON.parse(after.options)).toEqual(CHOSEN);
    });

    it("GIVEN two tabs saving the form they loaded at the same time THEN exactly one is stored and the other is told, with what is stored", async () => {
      const { revision } = await options.loadPurchaseOptions(db(), SHOP);
      const mine = { ...CHOSEN, excludedTags: ["mine"] };
      const theirs = { ...CHOSEN, excludedTags: ["theirs"] };
      const answers = await Promise.all([post(optionsToForm(mine, revision)), post(optionsToForm(theirs, revision))]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const winner = answers.find((a) => a.status === 200)!;
      const loser = answers.find((a) => a.status === 409)!;
      const storedOptions = JSON.parse((await stored()).options) as PurchaseOptions;
      expect(storedOptions).toEqual((winner.body as { options: PurchaseOptions }).options);
      expect(loser.body).toEqual({
        intent: "options",
        ok: false,
        errors: {},
        conflict: { options: storedOptions, revision: winner.body.revision },
      });

      // The loser saves again with the revision it was given: now it replaces the other tab's options.
      const retry = await post(optionsToForm(theirs, String(winner.body.revision)));
      expect(retry.status).toBe(200);
      expect(JSON.parse((await stored()).options)).toEqual(theirs);
    });

    it("GIVEN a form loaded before another save WHEN posted THEN 409 and the stored options stay", async () => {
      const { revision } = await options.loadPurchaseOptions(db(), SHOP);
      expect((await post(optionsToForm(CHOSEN, revision))).status).toBe(200);
      const stale = await post(optionsToForm(DEFAULT_PURCHASE_OPTIONS, revision));
      expect(stale.status).toBe(409);
      expect(JSON.parse((await stored()).options)).toEqual(CHOSEN);
    });

    it("GIVEN the switch form WHEN posted to the same page THEN the sync page action handles it, not the options", async () => {
      const form = new FormData();
      form.set("intent", "declined");
      form.set("key", "purchases");
      form.append("scope", "read_orders");
      const answer = await post(form);
      expect(answer.body).toEqual({ ok: true, intent: "declined", key: "purchases", scopes: ["read_orders"] });
      expect((await stored()).options).toBe("{}");
    });
  });
});
