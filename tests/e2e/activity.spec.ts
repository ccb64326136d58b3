import { expect, test } from "@playwright/test";

/**
 * A merchant reads the activity log: a compliance webhook Shopify sent shows up, filters narrow the list, and the
 * detail shows the delivery with customer data hidden.
 */
const SHOP = "syncline-demo.myshopify.com";
const ADMIN_APP = "/store/syncline-demo/apps/syncline";

test("the merchant finds a received webhook in the activity log and opens it", async ({ page, request }) => {
  // GIVEN Shopify sent a customers/data_request for one of the shop's customers
  const customers = (await (await request.get(`/_simulator/shops/${SHOP}/customers?limit=1`)).json()) as { id: string }[];
  const sent = await request.post(`/_simulator/shops/${SHOP}/compliance`, {
    data: { topic: "customers/data_request", customerId: String(customers[0].id) },
  });
  expect(sent.ok()).toBe(true);
  await request.get("/_simulator/webhooks/idle?timeoutMs=10000");

  // WHEN the merchant opens the activity log, showing only what Syncline received
  await page.goto(`${ADMIN_APP}/app/activity`);
  const app = page.frameLocator("#app-frame");
  await expect(app.getByRole("heading", { name: "Activity log" })).toBeVisible();
  await app.getByLabel("Direction").selectOption("in");
  // THEN the webhook is there once the job has processed it (the list is re-read until it is)
  const row = app.getByRole("row").filter({ hasText: "CUSTOMERS_DATA_REQUEST" }).first();
  await expect(async () => {
    await page.frameLocator("#app-frame").getByLabel("Time").selectOption("hour");
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(app.getByRole("row").filter({ hasText: "Sent" })).toHaveCount(0);
  await page.screenshot({ path: "test-results/screenshots/activity-list.png", fullPage: true });

  // WHEN the merchant opens the entry
  await row.getByRole("link", { name: "CUSTOMERS_DATA_REQUEST" }).click();
  // THEN the delivery is shown with Shopify's times, and the customer's email is hidden
  await expect(app.getByRole("heading", { name: "Webhook delivery" })).toBeVisible();
  await expect(app.getByText('"[redacted]"').first()).toBeVisible();
  await expect(app.getByText(/@/)).toHaveCount(0);
  await page.screenshot({ path: "test-results/screenshots/activity-detail.png", fullPage: true });
});
