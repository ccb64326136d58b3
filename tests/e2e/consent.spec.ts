import { expect, test, type FrameLocator, type Page } from "@playwright/test";

/**
 * Issue 6 end to end, as a merchant, a customer and the platform would do it: the merchant turns Email consent on
 * through Shopify's grant screen; a customer subscribes in Shopify and the change shows on the Consent page as
 * coming from Shopify; the platform posts an unsubscribe for another customer to /api/v1/consent with the shop's API
 * key, the app applies it in Shopify (the simulator's customer holds it, with the platform's decision time) and the
 * page shows it as applied.
 */
// A shop of its own: its subscriptions, customers and API key must not meet the other specs' demo shop.
const STORE = "syncline-e2e-consent";
const SHOP = `${STORE}.myshopify.com`;
const APP_URL = `http://127.0.0.1:${process.env.E2E_APP_PORT ?? 3210}`;
const ADMIN_APP = `/store/${STORE}/apps/syncline`;

interface SimCustomer {
  id: string | number;
  email: string | null;
  emailConsent: { state: string; consentUpdatedAt: string | null } | null;
}

test.beforeAll(async ({ request }) => {
  if ((await request.get(`/_simulator/shops/${SHOP}`)).ok()) return;
  const created = await request.post("/_simulator/shops", {
    data: { domain: SHOP, name: "Syncline E2E Consent", currency: "EUR", products: 1, customers: 6, orders: 0 },
  });
  expect(created.status()).toBe(201);
});

let appErrors: string[] = [];
test.beforeEach(({ page }) => {
  appErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error" && message.location().url.startsWith(APP_URL)) appErrors.push(message.text());
  });
  page.on("pageerror", (error) => appErrors.push(error.message));
});

test.afterEach(async ({ page }, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    await page.screenshot({ path: "test-results/screenshots/consent-failure.png", fullPage: true });
  }
  // The simulator outlives this spec: leave no subscription of ours behind.
  await page.goto(`${ADMIN_APP}/app/consent`);
  const turnOff = page.frameLocator("#app-frame").getByRole("button", { name: "Turn off Email consent" });
  if (await turnOff.isVisible({ timeout: 10_000 }).catch(() => false)) {
    await turnOff.click();
    await expect(page.frameLocator("#app-frame").getByRole("button", { name: "Turn on Email consent" })).toBeVisible();
  }
  expect(appErrors, "errors in the app's console").toEqual([]);
});

/** Reloads the Consent page the way a merchant would until `check` passes. */
async function reloadUntil(page: Page, app: FrameLocator, check: () => Promise<void>) {
  await expect(async () => {
    await page.goto(`${ADMIN_APP}/app/consent`);
    await expect(page.getByRole("heading", { name: "Marketing consent", level: 1 })).toBeVisible();
    await expect(app.getByRole("region", { name: "Latest from Shopify" })).toBeVisible();
    await check();
  }).toPass({ timeout: 30_000, intervals: [500, 1_000, 2_000] });
}

test("Email consent on: a customer's change reaches the platform side, the platform's change reaches Shopify", async ({ page, request }) => {
  test.setTimeout(120_000);
  const app = page.frameLocator("#app-frame");

  // GIVEN the platform holds the shop's API key (Settings → Platform connection)
  await page.goto(`${ADMIN_APP}/app/settings`);
  await app.getByRole("button", { name: "Generate API key" }).click();
  await expect(page.getByRole("status").filter({ hasText: "API key generated" })).toBeVisible();
  const apiKey = await app.getByRole("textbox", { name: "API key" }).inputValue();
  expect(apiKey).toMatch(/^syn_/);

  // WHEN the merchant opens Marketing consent, turns Email consent on and approves Shopify's grant screen
  await page.goto(`${ADMIN_APP}/app/consent`);
  const sync = app.getByRole("region", { name: "Email consent" });
  await sync.getByRole("button", { name: "Turn on Email consent" }).click();
  // The spec's shop is new (beforeAll), so Shopify always asks. (isVisible does not wait: checking it raced the
  // dialog's arrival on a loaded machine and went on without approving.)
  const dialog = page.getByRole("dialog", { name: "Syncline is requesting more access" });
  await expect(dialog.getByText("write_customers")).toBeVisible();
  await dialog.getByRole("button", { name: "Approve" }).click();
  // THEN the switch is on
  await expect(sync.getByText("On", { exact: true })).toBeVisible();

  const customers = ((await (await request.get(`/_simulator/shops/${SHOP}/customers`)).json()) as SimCustomer[]).filter((c) => c.email);
  const [subscriber, leaver] = customers;

  // WHEN a customer subscribes to email marketing in Shopify (the simulator sends the consent webhook)
  const subscribed = await request.post(`/_simulator/shops/${SHOP}/customers/${subscriber.id}/consent`, {
    data: { email: { state: "SUBSCRIBED", optInLevel: "SINGLE_OPT_IN" } },
  });
  expect(subscribed.ok()).toBe(true);
  // THEN the Consent page lists it among the changes from Shopify (sent to the platform as consent.changed)
  const fromShopify = app.getByRole("region", { name: "Latest from Shopify" });
  await reloadUntil(page, app, async () => {
    await expect(fromShopify.getByRole("row").filter({ hasText: subscriber.email!.toLowerCase() }).filter({ hasText: "Subscribed" })).toBeVisible({
      timeout: 1_000,
    });
  });

  // WHEN the platform posts that another customer unsubscribed a minute ago
  const decidedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString();
  const posted = await fetch(`${APP_URL}/api/v1/consent`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ changes: [{ email: leaver.email, channel: "email", state: "unsubscribed", decidedAt }] }),
  });
  expect(posted.status).toBe(202);
  expect(await posted.json()).toMatchObject({ accepted: 1, rejected: 0 });

  // THEN Shopify holds it, with the platform's decision time
  await expect
    .poll(async () => ((await (await request.get(`/_simulator/shops/${SHOP}/customers/${leaver.id}`)).json()) as SimCustomer).emailConsent, {
      timeout: 30_000,
    })
    .toMatchObject({ state: "UNSUBSCRIBED", consentUpdatedAt: decidedAt });
  // AND the page shows it applied, and Shopify's webhook for the app's own write is not listed as a change from Shopify
  const fromPlatform = app.getByRole("region", { name: "Latest from your platform" });
  await reloadUntil(page, app, async () => {
    await expect(fromPlatform.getByRole("row").filter({ hasText: leaver.email!.toLowerCase() }).filter({ hasText: "Applied" })).toBeVisible({
      timeout: 1_000,
    });
  });
  await expect(fromShopify.getByRole("row").filter({ hasText: leaver.email!.toLowerCase() })).toHaveCount(0);
  await fromPlatform.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/screenshots/consent-flow.png", fullPage: true });
});
