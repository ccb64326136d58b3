import { expect, test, type Page } from "@playwright/test";

/**
 * Issue 5 end to end, as a merchant and the platform would do it: turn catalog sync on (approving Shopify's grant
 * screen for the product scopes), watch the first export finish on the Catalog page, copy the feed URL,
 * open it, and find every variant of the store in the ICML feed and the JSON feed; a wrong token gets an empty 404.
 */
// A shop of its own, so this spec's subscriptions and events do not reach the other specs' shops.
const STORE = "syncline-e2e-catalog";
const SHOP = `${STORE}.myshopify.com`;
const APP_URL = `http://127.0.0.1:${process.env.E2E_APP_PORT ?? 3210}`;
const ADMIN_APP = `/store/${STORE}/apps/syncline`;

test.beforeAll(async ({ request }) => {
  if ((await request.get(`/_simulator/shops/${SHOP}`)).ok()) return;
  const created = await request.post("/_simulator/shops", {
    data: { domain: SHOP, name: "Syncline E2E Catalog & Co", currency: "EUR", products: 8, customers: 1, orders: 0 },
  });
  expect(created.status()).toBe(201);
});

let appErrors: string[] = [];
test.beforeEach(({ page }) => {
  appErrors = [];
  page.on("console", (message) => {
    const url = message.location().url;
    // Opening the feed URL in a tab makes the browser ask the app for /favicon.ico, which it does not serve.
    if (message.type() === "error" && url.startsWith(APP_URL) && !url.endsWith("/favicon.ico")) appErrors.push(message.text());
  });
  page.on("pageerror", (error) => appErrors.push(error.message));
});

async function turnOff(page: Page) {
  await page.goto(`${ADMIN_APP}/app/catalog`);
  const off = page.frameLocator("#app-frame").getByRole("button", { name: "Turn off Catalog sync" });
  if (await off.isVisible({ timeout: 10_000 }).catch(() => false)) {
    await off.click();
    await expect(page.frameLocator("#app-frame").getByRole("button", { name: "Turn on Catalog sync" })).toBeVisible();
  }
}

test.afterEach(async ({ page }, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) await page.screenshot({ path: "test-results/screenshots/catalog-failure.png", fullPage: true });
  // The simulator outlives this spec: leave no subscription of ours behind.
  await turnOff(page);
  expect(appErrors, "errors in the app's console").toEqual([]);
});

test("turning catalog sync on exports the store, and the feed URL serves every variant", async ({ page, request }) => {
  test.setTimeout(120_000);
  const app = page.frameLocator("#app-frame");

  // WHEN the merchant opens Catalog and turns the sync on, approving the product scopes Shopify asks for
  await page.goto(`${ADMIN_APP}/app/catalog`);
  const sync = app.getByRole("region", { name: "Catalog sync" });
  await sync.getByRole("button", { name: "Turn on Catalog sync" }).click();
  // The spec's shop is new (beforeAll), so Shopify always asks; isVisible would not wait for the dialog.
  const dialog = page.getByRole("dialog", { name: "Syncline is requesting more access" });
  await expect(dialog.getByText("read_products")).toBeVisible();
  await dialog.getByRole("button", { name: "Approve" }).click();
  await expect(sync.getByText("On", { exact: true })).toBeVisible();

  // THEN the first export finishes (the page follows it while it runs) and says so
  await expect(async () => {
    await page.goto(`${ADMIN_APP}/app/catalog`);
    await expect(app.getByText("Last export completed")).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 60_000, intervals: [1_000, 2_000] });
  await expect(app.getByText(/Last export: .*immediate/)).toBeVisible();
  await expect(app.getByText(/Next scheduled export: /)).toBeVisible();
  const products = (await (await request.get(`/_simulator/shops/${SHOP}/products?limit=100`)).json()) as { variants: { id: string | number; price: string }[] }[];
  const variants = products.flatMap((p) => p.variants);
  await expect(app.getByTestId("catalog-variant-count")).toHaveText(String(variants.length));

  // WHEN the merchant copies the feed URL
  const xmlField = app.getByRole("textbox", { name: "ICML (XML)" });
  const xmlUrl = await xmlField.inputValue();
  expect(xmlUrl).toMatch(new RegExp(`^${APP_URL}/feeds/catalog/[A-Za-z0-9_-]+\\.xml$`));
  await app.getByRole("button", { name: "Copy the ICML (XML) feed URL" }).click();
  await expect(app.getByRole("button", { name: "Copy the ICML (XML) feed URL" })).toHaveText("Copied");
  await page.screenshot({ path: "test-results/screenshots/catalog-page.png", fullPage: true });

  // THEN the platform reading it gets an ICML catalog with one offer per variant, at the store's prices
  const xml = await request.get(xmlUrl, { headers: { "Accept-Encoding": "gzip" } });
  expect(xml.status()).toBe(200);
  expect(xml.headers()["content-type"]).toBe("application/xml; charset=utf-8");
  expect(xml.headers()["etag"]).toBeTruthy();
  const text = await xml.text();
  expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  expect(text).toContain("<name>Syncline E2E Catalog &amp; Co</name>");
  for (const v of variants) expect(text).toContain(`<offer id="${v.id}"`);
  expect(text.split("</offer>").length - 1).toBe(variants.length);

  // AND the JSON twin holds the same offers
  const json = (await (await request.get(xmlUrl.replace(/\.xml$/, ".json"))).json()) as { offers: { id: string; price: string }[] };
  expect(json.offers.map((o) => o.id).sort()).toEqual(variants.map((v) => String(v.id)).sort());
  for (const v of variants) expect(json.offers.find((o) => o.id === String(v.id))!.price).toBe(v.price);

  // AND opening the URL in the browser shows the feed; a wrong token shows nothing
  await page.goto(xmlUrl);
  await expect(page.locator("body")).toContainText("yml_catalog");
  const wrong = await request.get(xmlUrl.replace(/\/[A-Za-z0-9_-]+\.xml$/, "/wrongwrongwrongwrongwrong.xml"));
  expect(wrong.status()).toBe(404);
  expect(await wrong.text()).toBe("");
});
