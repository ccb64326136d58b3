import { expect, test, type APIRequestContext, type FrameLocator, type Page } from "@playwright/test";

import { resolve } from "node:path";

import Database from "better-sqlite3";

/**
 * Issue 4 end to end, as a merchant and the storefront would do it: turn purchase sync on through Shopify's grant
 * screen, set the upsell delay to Off, the simulator places an order, the purchase shows up as registered on the
 * Purchases list; then the storefront's web pixel reports the same order with another total (posted to the app's
 * pixel endpoint exactly as the pixel posts it) and the purchase shows as a mismatch, with both totals, on the list,
 * in the Mismatches view and on the purchase's page.
 */
// A shop of its own: the purchases and platform events this spec creates (the events wait for a platform
// connection) must not reach the demo shop's platform in settings.spec.ts, nor its subscriptions in the others.
const STORE = "syncline-e2e-purchases";
const SHOP = `${STORE}.myshopify.com`;
const APP_URL = `http://127.0.0.1:${process.env.E2E_APP_PORT ?? 3210}`;
const ADMIN_APP = `/store/${STORE}/apps/syncline`;
// The e2e app's database (DATABASE_URL in playwright.config.ts), read only to await a webhook's processing.
const APP_DATABASE = resolve(process.cwd(), ".cache/e2e/app.sqlite");

interface SimOrder {
  id: string | number;
  name: string;
  email: string | null;
  currency: string;
  totalPrice: string;
  createdAt: string;
  lineItems: { variantId: string | number; productId: string | number; sku: string | null; title: string; quantity: number; price: string }[];
}

function appRecordedScopes(): string[] | null {
  const db = new Database(APP_DATABASE, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT scopes FROM "Shop" WHERE shop = ?').get(SHOP) as { scopes: string } | undefined;
    return row ? row.scopes.split(",").filter(Boolean).sort() : null;
  } finally {
    db.close();
  }
}

/** Removes the orders permission and waits until the app has processed the app/scopes_update it causes. */
async function revokeOrders(request: APIRequestContext) {
  const before = (await (await request.get(`/_simulator/shops/${SHOP}`)).json()) as { scopes: string[] };
  const response = await request.post(`/_simulator/shops/${SHOP}/scopes`, { data: { revoke: ["read_orders"] } });
  expect(response.ok()).toBe(true);
  const { scopes } = (await response.json()) as { scopes: string[] };
  if ([...scopes].sort().join(",") === [...before.scopes].sort().join(",")) return;
  await expect.poll(appRecordedScopes, { timeout: 20_000, message: "the app processed app/scopes_update" }).toEqual([...scopes].sort());
}

test.beforeAll(async ({ request }) => {
  if ((await request.get(`/_simulator/shops/${SHOP}`)).ok()) return;
  const created = await request.post("/_simulator/shops", {
    data: { domain: SHOP, name: "Syncline E2E Purchases", currency: "EUR", products: 5, customers: 5, orders: 0 },
  });
  expect(created.status()).toBe(201);
});

let appErrors: string[] = [];
// What a test expects the browser to log.
let expectedErrors: RegExp[] = [];
test.beforeEach(({ page }) => {
  appErrors = [];
  expectedErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error" && message.location().url.startsWith(APP_URL)) appErrors.push(message.text());
  });
  page.on("pageerror", (error) => appErrors.push(error.message));
});
test.afterEach(async ({ page }, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    await page.screenshot({ path: "test-results/screenshots/purchases-failure.png", fullPage: true });
    // The simulator outlives this spec: leave no subscription of ours behind for the next one.
    await page.goto(`${ADMIN_APP}/app/purchases`);
    const turnOff = page.frameLocator("#app-frame").getByRole("button", { name: "Turn off Purchase sync" });
    if (await turnOff.isVisible({ timeout: 10_000 }).catch(() => false)) {
      await turnOff.click();
      await expect(page.frameLocator("#app-frame").getByRole("button", { name: "Turn on Purchase sync" })).toBeVisible();
    }
  }
  const unexpected = appErrors.filter((text) => !expectedErrors.some((pattern) => pattern.test(text)));
  expect(unexpected, "errors in the app's console").toEqual([]);
});

/** Resolves when the shell shows this toast (error toasts are alerts). Started before the click that causes it. */
function toast(page: Page, message: string, role: "status" | "alert" = "status"): Promise<void> {
  const seen = page.getByRole(role).filter({ hasText: message }).waitFor({ state: "attached", timeout: 30_000 });
  seen.catch(() => undefined);
  return seen;
}

/** The whole app page: the admin's frame scrolls inside itself, so the window grows to its height for the shot. */
async function screenshot(page: Page, name: string) {
  const frame = page.frame({ url: (url) => url.origin === APP_URL });
  const height = frame ? await frame.evaluate(() => document.documentElement.scrollHeight) : 0;
  const size = page.viewportSize() ?? { width: 1400, height: 900 };
  if (height > size.height - 120) await page.setViewportSize({ width: size.width, height: Math.min(height + 160, 6000) });
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
  await page.setViewportSize(size);
}

/** Reloads the list the way a merchant would (the admin's reload) until `check` passes. */
async function reloadUntil(page: Page, url: string, app: FrameLocator, check: () => Promise<void>) {
  await expect(async () => {
    await page.goto(`${ADMIN_APP}${url}`);
    await expect(app.getByRole("heading", { name: "Purchases received", level: 1 })).toBeVisible();
    await check();
  }).toPass({ timeout: 30_000, intervals: [500, 1_000, 2_000] });
}

test("a purchase is registered, then a storefront report with another total shows it as a mismatch", async ({ page, request }) => {
  test.setTimeout(120_000);
  const app = page.frameLocator("#app-frame");

  // GIVEN the app has not been granted the orders permission
  await revokeOrders(request);

  // WHEN the merchant opens Purchases, turns the sync on and approves Shopify's grant screen
  await page.goto(`${ADMIN_APP}/app/purchases`);
  const sync = app.getByRole("region", { name: "Purchase sync" });
  await sync.getByRole("button", { name: "Turn on Purchase sync" }).click();
  const dialog = page.getByRole("dialog", { name: "Syncline is requesting more access" });
  await expect(dialog.getByText("read_orders")).toBeVisible();
  await dialog.getByRole("button", { name: "Approve" }).click();
  // THEN the sync is on
  await expect(sync.getByText("On", { exact: true })).toBeVisible();

  // WHEN the merchant sets the upsell delay to Off and saves with the admin's save bar
  const options = app.getByRole("region", { name: "Options" });
  await expect(options.getByRole("radio", { name: /Wait before sending/ })).toBeChecked();
  await expect(options.getByRole("spinbutton", { name: "Minutes to wait" })).toHaveValue("10");
  // (a value out of range is refused by the server with the reason under the field, and nothing is saved)
  const minutes = options.getByRole("spinbutton", { name: "Minutes to wait" });
  await minutes.fill("90");
  const saveBar = page.locator("#savebar");
  const refused = toast(page, "Purchase options not saved", "alert");
  // The browser logs the refused save (HTTP 400) as a failed resource.
  expectedErrors = [/status of 400 \(Bad Request\)/];
  await saveBar.getByRole("button", { name: "Save" }).click();
  await refused;
  await expect(options.getByText("Enter a whole number of minutes from 1 to 60, or choose to forward at once.")).toBeVisible();
  await screenshot(page, "purchases-options-error");
  // Polaris draws its own radio over the input: the merchant clicks the label.
  await options.getByText(/^Off: send each purchase/).click();
  await expect(options.getByRole("radio", { name: /^Off/ })).toBeChecked();
  await expect(saveBar).toBeVisible();
  await screenshot(page, "purchases-options-editing");
  const saved = toast(page, "Purchase options saved");
  await saveBar.getByRole("button", { name: "Save" }).click();
  // THEN the options are saved, the save bar closes, and they stay after a reload
  await saved;
  await expect(saveBar).toBeHidden();
  await page.reload();
  await expect(options.getByRole("radio", { name: /^Off/ })).toBeChecked();
  await expect(app.getByText("No purchases registered yet")).toBeVisible();
  await screenshot(page, "purchases-options");

  // WHEN a customer places an order (the simulator sends orders/create to the app's subscription)
  const products = (await (await request.get(`/_simulator/shops/${SHOP}/products?limit=20`)).json()) as {
    status: string;
    variants: { id: string | number; price: string }[];
  }[];
  const variant = products.find((p) => p.status === "ACTIVE" && p.variants.length > 0)!.variants[0];
  const placed = await request.post(`/_simulator/shops/${SHOP}/orders`, {
    // `browser: false`: the simulated storefront stays silent; this test posts the pixel's report itself below.
    data: { lines: [{ variantId: String(variant.id), quantity: 2 }], email: "e2e-buyer@example.com", sourceName: "web", browser: false },
  });
  expect(placed.status()).toBe(201);
  const order = (await placed.json()) as SimOrder;
  const orderId = String(order.id);

  // THEN it appears on the Purchases list, registered (the delay is off), with its total and channel
  const row = app.getByRole("row").filter({ hasText: order.name });
  await reloadUntil(page, "/app/purchases/list", app, async () => {
    await expect(row.getByText("Registered", { exact: true })).toBeVisible({ timeout: 2_000 });
  });
  await expect(row.getByText(`${order.totalPrice} ${order.currency}`)).toBeVisible();
  await expect(row.getByText("e2e-buyer@example.com")).toBeVisible();
  await expect(row.getByText("Online Store")).toBeVisible();
  await expect(row.getByText("Not reported yet")).toBeVisible();
  await expect(app.getByRole("tab", { name: /Registered/ })).toBeVisible();
  await screenshot(page, "purchases-list");

  // WHEN the storefront's pixel reports the same order with another total
  const reportedTotal = (Number(order.totalPrice) + 5).toFixed(2);
  const report = await request.post(`${APP_URL}/pixel/purchases`, {
    headers: { "content-type": "application/json", origin: `https://${SHOP}` },
    data: {
      shop: SHOP,
      eventId: `e2e-${orderId}-${Date.now()}`,
      orderId,
      orderName: order.name,
      totalPrice: reportedTotal,
      currency: order.currency,
      email: order.email,
      lineItems: order.lineItems.map((line) => ({
        variantId: String(line.variantId),
        productId: String(line.productId),
        sku: line.sku,
        title: line.title,
        quantity: line.quantity,
        price: line.price,
      })),
      occurredAt: new Date().toISOString(),
    },
  });
  expect(report.status(), `POST /pixel/purchases answered ${report.status()}: ${await report.text()}`).toBeLessThan(300);

  // THEN the list shows the purchase as a mismatch, naming the differing total on both sides
  const totals = `Total: ${order.totalPrice} in Shopify, ${reportedTotal} in the storefront`;
  await reloadUntil(page, "/app/purchases/list", app, async () => {
    await expect(row.getByText("Mismatch", { exact: true })).toBeVisible({ timeout: 2_000 });
  });
  await expect(row.getByText(totals)).toBeVisible();

  // AND the Mismatches view lists it, with the count on its tab
  await app.getByRole("tab", { name: /Mismatches/ }).click();
  await expect(app.getByRole("tab", { name: /Mismatches/, selected: true })).toBeVisible();
  await expect(row.getByText(totals)).toBeVisible();
  await screenshot(page, "purchases-mismatches");

  // AND the sync page counts it
  await page.goto(`${ADMIN_APP}/app/purchases`);
  await expect(app.getByText(/1 purchase differs between the storefront and Shopify/)).toBeVisible();

  // WHEN the merchant opens the purchase
  await page.goto(`${ADMIN_APP}/app/purchases/list?status=mismatch`);
  await row.getByRole("link", { name: order.name }).click();
  // THEN its page shows both sides of the total, the storefront report and the event sent for it
  await expect(app.getByRole("heading", { name: order.name, level: 1 })).toBeVisible();
  await expect(app.getByText("The storefront reported this purchase differently")).toBeVisible();
  const totalRow = app.getByRole("row").filter({ hasText: /^Total/ });
  await expect(totalRow.getByText(`${order.totalPrice} ${order.currency}`, { exact: true })).toBeVisible();
  await expect(totalRow.getByText(`${reportedTotal} ${order.currency}`, { exact: true })).toBeVisible();
  const reportRow = app.getByRole("row").filter({ hasText: reportedTotal }).filter({ hasText: "Matched" });
  await expect(reportRow.getByText("Matched", { exact: true })).toBeVisible();
  await expect(app.getByText("purchase.registered").first()).toBeVisible();
  await expect(app.getByText(orderId, { exact: true })).toBeVisible();
  await screenshot(page, "purchase-detail");

  // cleanup: the sync off, so the next spec starts with none of our subscriptions
  await page.goto(`${ADMIN_APP}/app/purchases`);
  await sync.getByRole("button", { name: "Turn off Purchase sync" }).click();
  await expect(sync.getByText("Off", { exact: true })).toBeVisible();
});
