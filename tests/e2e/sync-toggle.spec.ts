import { expect, test, type APIRequestContext, type FrameLocator, type Page } from "@playwright/test";

import { resolve } from "node:path";

import Database from "better-sqlite3";

import { SYNC_SWITCHES, webhookPath } from "../../app/syncs/definitions";

/**
 * A merchant flips sync switches in the admin shell. The simulator (one per Playwright run) keeps its state across
 * tests, so every test sets the scopes it starts from through the control API and turns off what it turned on.
 */
const SHOP = "syncline-demo.myshopify.com";
const APP_URL = `http://127.0.0.1:${process.env.E2E_APP_PORT ?? 3210}`;
const ADMIN_APP = "/store/syncline-demo/apps/syncline";
// The e2e app's database (DATABASE_URL in playwright.config.ts), read only to await a webhook's processing.
const APP_DATABASE = resolve(process.cwd(), ".cache/e2e/app.sqlite");

interface SimSubscription {
  topic: string;
  uri: string;
}

async function simSubscriptions(request: APIRequestContext): Promise<SimSubscription[]> {
  const response = await request.get(`/_simulator/shops/${SHOP}/subscriptions`);
  expect(response.ok()).toBe(true);
  const list = (await response.json()) as SimSubscription[];
  return list.map(({ topic, uri }) => ({ topic, uri })).sort((a, b) => a.topic.localeCompare(b.topic));
}

/** The scopes the app has recorded for the shop: what its app/scopes_update handler (a job) last stored. */
function appRecordedScopes(): string[] | null {
  const db = new Database(APP_DATABASE, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT scopes FROM "Shop" WHERE shop = ?').get(SHOP) as { scopes: string } | undefined;
    return row ? row.scopes.split(",").filter(Boolean).sort() : null;
  } finally {
    db.close();
  }
}

/**
 * Changes what Shopify has granted the app, as the merchant or Shopify would, and waits until the app has processed
 * the app/scopes_update this sends. Without the wait, a revocation processed late would turn off a switch the test
 * has turned on since.
 */
async function setScopes(request: APIRequestContext, change: { grant?: string[]; revoke?: string[] }) {
  const before = (await (await request.get(`/_simulator/shops/${SHOP}`)).json()) as { scopes: string[] };
  const response = await request.post(`/_simulator/shops/${SHOP}/scopes`, { data: change });
  expect(response.ok()).toBe(true);
  const { scopes } = (await response.json()) as { scopes: string[] };
  const expected = [...scopes].sort();
  // Shopify (and the simulator) send nothing when nothing changed.
  if (expected.join(",") === [...before.scopes].sort().join(",")) return;
  await expect.poll(appRecordedScopes, { timeout: 20_000, message: "the app processed app/scopes_update" }).toEqual(expected);
}

async function revokeScopes(request: APIRequestContext, scopes: readonly string[]) {
  await setScopes(request, { revoke: [...scopes] });
}

// A hydration mismatch or a failed request in the app shows up as a console error in its frame: fail on it.
let appErrors: string[] = [];
// What a test expects the browser to log (a 409 answer is logged as a failed resource, for instance).
let expectedErrors: RegExp[] = [];
test.beforeEach(({ page }) => {
  appErrors = [];
  expectedErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error" && message.location().url.startsWith(APP_URL)) appErrors.push(message.text());
  });
  page.on("pageerror", (error) => appErrors.push(error.message));
});
test.afterEach(() => {
  const unexpected = appErrors.filter((text) => !expectedErrors.some((pattern) => pattern.test(text)));
  expect(unexpected, "errors in the app's console").toEqual([]);
});

/** The switch's region: the card and anything below it, labelled by the section heading. */
function section(app: FrameLocator, title: string) {
  return app.getByRole("region", { name: title });
}

function grantDialog(page: Page) {
  return page.getByRole("dialog", { name: "Syncline is requesting more access" });
}

/**
 * Resolves when the shell shows this toast. Started before the click: a toast lives 5 s, which a slow machine can
 * spend on the revalidation that follows the action.
 */
function toast(page: Page, message: string): Promise<void> {
  const seen = page.getByRole("status").filter({ hasText: message }).waitFor({ state: "attached", timeout: 30_000 });
  // The caller awaits it; this only keeps a test that failed earlier from also reporting an unhandled rejection.
  seen.catch(() => undefined);
  return seen;
}

async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

test("the merchant turns purchase sync on through Shopify's grant screen, then off", async ({ page, request }) => {
  const purchases = SYNC_SWITCHES.find((s) => s.key === "purchases")!;
  const expected = purchases.topics
    .map((topic) => ({ topic, uri: `${APP_URL}${webhookPath(topic)}` }))
    .sort((a, b) => a.topic.localeCompare(b.topic));

  // GIVEN the app has not been granted the orders permission, and the shop has none of our subscriptions
  await revokeScopes(request, purchases.scopes);
  expect(await simSubscriptions(request)).toEqual([]);

  // WHEN the merchant opens the Purchases page in the admin
  await page.goto(`${ADMIN_APP}/app/purchases`);
  const app = page.frameLocator("#app-frame");
  const card = section(app, "Purchase sync");
  await expect(card.getByText("Off", { exact: true })).toBeVisible();
  await expect(app.getByText("View orders")).toBeVisible();

  // AND turns the sync on
  await card.getByRole("button", { name: "Turn on Purchase sync" }).click();

  // THEN Shopify's grant screen asks for the orders permission
  const dialog = grantDialog(page);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText("read_orders")).toBeVisible();

  // WHEN the merchant approves
  const toastOn = toast(page, "Purchase sync is on");
  await dialog.getByRole("button", { name: "Approve" }).click();

  // THEN the sync turns on without another click, with a toast, and every subscription is healthy
  await expect(dialog).toBeHidden();
  await expect(card.getByText("On", { exact: true })).toBeVisible();
  await toastOn;
  await expect(card.getByRole("button", { name: "Turn off Purchase sync" })).toBeEnabled();
  for (const label of ["Order created", "Order updated", "Refund created"]) {
    await expect(card.getByRole("listitem").filter({ hasText: label }).getByText("Active")).toBeVisible();
  }
  // AND the simulator holds exactly the three shop-specific subscriptions on the app's webhook routes
  expect(await simSubscriptions(request)).toEqual(expected);
  await screenshot(page, "purchases-on");

  // WHEN the merchant turns it off
  const toastOff = toast(page, "Purchase sync is off");
  await card.getByRole("button", { name: "Turn off Purchase sync" }).click();

  // THEN the card shows Off, with a toast, and the simulator holds none of our subscriptions
  await expect(card.getByText("Off", { exact: true })).toBeVisible();
  await toastOff;
  await expect(card.getByRole("button", { name: "Turn on Purchase sync" })).toBeEnabled();
  expect(await simSubscriptions(request)).toEqual([]);
  await screenshot(page, "purchases-off");
});

test("the consent page has a switch per channel, both off", async ({ page }) => {
  // GIVEN a shop where no consent sync was turned on
  // WHEN the merchant opens the Consent page
  await page.goto(`${ADMIN_APP}/app/consent`);
  const app = page.frameLocator("#app-frame");
  // THEN email and SMS have a switch each, both off, each asking for the customer permissions
  for (const title of ["Email consent", "SMS consent"]) {
    const card = section(app, title);
    await expect(card.getByText("Off", { exact: true })).toBeVisible();
    await expect(card.getByRole("button", { name: `Turn on ${title}` })).toBeEnabled();
  }
  await expect(app.getByText("Edit customers").first()).toBeVisible();
  await screenshot(page, "consent");
});

test("declining the grant screen leaves catalog sync off and says why", async ({ page, request }) => {
  const catalog = SYNC_SWITCHES.find((s) => s.key === "catalog")!;
  // GIVEN the app has not been granted the product and inventory permissions
  await revokeScopes(request, catalog.scopes);
  const before = await simSubscriptions(request);

  // WHEN the merchant turns catalog sync on and declines on Shopify's grant screen
  await page.goto(`${ADMIN_APP}/app/catalog`);
  const app = page.frameLocator("#app-frame");
  const card = section(app, "Catalog sync");
  await card.getByRole("button", { name: "Turn on Catalog sync" }).click();
  const dialog = grantDialog(page);
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Decline" }).click();

  // THEN the sync stays off, and a banner names the declined permissions, why they are needed and how to retry
  await expect(dialog).toBeHidden();
  const banner = card.getByText(/You declined/);
  await expect(banner).toBeVisible();
  await expect(banner).toContainText("“View products” and “View inventory”");
  await expect(banner).toContainText("to include stock levels in the feed");
  await expect(banner).toContainText("Turn the sync on again");
  await expect(card.getByText("Off", { exact: true })).toBeVisible();
  await expect(card.getByRole("button", { name: "Turn on Catalog sync" })).toBeEnabled();
  // AND nothing was subscribed
  expect(await simSubscriptions(request)).toEqual(before);
  await screenshot(page, "catalog-declined");

  // WHEN the merchant comes back to the page later
  await page.reload();
  // THEN it still says why the sync is off
  await expect(card.getByText(/You declined/)).toContainText("“View products” and “View inventory”");
  await expect(card.getByText("Off", { exact: true })).toBeVisible();
});

test("a permission removed after the page loaded is asked for when the merchant turns the sync on", async ({
  page,
  request,
}) => {
  // GIVEN the page was loaded while the orders permission was granted
  await setScopes(request, { grant: ["read_orders"] });
  await page.goto(`${ADMIN_APP}/app/purchases`);
  const app = page.frameLocator("#app-frame");
  const card = section(app, "Purchase sync");
  await expect(app.getByText("View orders · granted")).toBeVisible();
  // AND the permission was removed since
  await revokeScopes(request, ["read_orders"]);
  expectedErrors = [/status of 409 \(Conflict\)/];

  // WHEN the merchant turns purchase sync on
  await card.getByRole("button", { name: "Turn on Purchase sync" }).click();

  // THEN the server's "needs scopes" answer opens Shopify's grant screen, and approving completes the toggle
  const dialog = grantDialog(page);
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Approve" }).click();
  await expect(card.getByText("On", { exact: true })).toBeVisible();
  expect((await simSubscriptions(request)).map((s) => s.topic)).toEqual(["ORDERS_CREATE", "ORDERS_UPDATED", "REFUNDS_CREATE"]);

  // cleanup: the next test starts with none of our subscriptions
  await card.getByRole("button", { name: "Turn off Purchase sync" }).click();
  await expect(card.getByText("Off", { exact: true })).toBeVisible();
  expect(await simSubscriptions(request)).toEqual([]);
});

test("when Shopify removes a permission the sync is off and the page says so", async ({ page, request }) => {
  // GIVEN purchase sync is on
  await setScopes(request, { grant: ["read_orders"] });
  await page.goto(`${ADMIN_APP}/app/purchases`);
  const app = page.frameLocator("#app-frame");
  const card = section(app, "Purchase sync");
  await card.getByRole("button", { name: "Turn on Purchase sync" }).click();
  await expect(card.getByText("On", { exact: true })).toBeVisible();

  // WHEN the orders permission is revoked in Shopify (app/scopes_update reaches the app and is processed by a job)
  await revokeScopes(request, ["read_orders"]);

  // THEN the page shows the sync off with a warning that says why and what to do
  await expect(async () => {
    await page.reload();
    await expect(card.getByText("Access removed", { exact: true })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(card.getByText("Shopify access was removed, so Purchase sync is off")).toBeVisible();
  await expect(card.getByRole("button", { name: "Turn on Purchase sync" })).toBeEnabled();
  await screenshot(page, "purchases-revoked");

  // WHEN the merchant turns it on again and approves
  await card.getByRole("button", { name: "Turn on Purchase sync" }).click();
  await grantDialog(page).getByRole("button", { name: "Approve" }).click();
  // THEN it is on with exactly one subscription per topic (what Shopify kept is adopted, not duplicated)
  await expect(card.getByText("On", { exact: true })).toBeVisible();
  expect((await simSubscriptions(request)).map((s) => s.topic)).toEqual(["ORDERS_CREATE", "ORDERS_UPDATED", "REFUNDS_CREATE"]);

  // cleanup
  await card.getByRole("button", { name: "Turn off Purchase sync" }).click();
  await expect(card.getByText("Off", { exact: true })).toBeVisible();
  expect(await simSubscriptions(request)).toEqual([]);
});
