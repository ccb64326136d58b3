import { expect, test } from "@playwright/test";

/**
 * A merchant reads the activity log: a compliance webhook Shopify sent shows up, the direction filter narrows the
 * list, and the entry shows the delivery with customer data hidden.
 */
const SHOP = "syncline-demo.myshopify.com";
const ADMIN_APP = "/store/syncline-demo/apps/syncline";

test("the merchant finds a received webhook in the activity log, filters by direction and opens it", async ({ page, request }) => {
  // GIVEN Shopify sent a customers/data_request for one of the shop's customers
  const customers = (await (await request.get(`/_simulator/shops/${SHOP}/customers?limit=1`)).json()) as { id: string }[];
  const sent = await request.post(`/_simulator/shops/${SHOP}/compliance`, {
    data: { topic: "customers/data_request", customerId: String(customers[0].id) },
  });
  expect(sent.ok()).toBe(true);
  expect((await request.get("/_simulator/webhooks/idle?timeoutMs=10000")).ok()).toBe(true);

  // WHEN the merchant opens the activity log
  const app = page.frameLocator("#app-frame");
  const webhookRow = app.getByRole("row").filter({ hasText: "CUSTOMERS_DATA_REQUEST" });
  const jobRow = app.getByRole("row").filter({ hasText: "customers/data_request export" });
  // THEN the webhook is there once its job has processed it (the entry is written by the job, a moment later)
  await expect(async () => {
    await page.goto(`${ADMIN_APP}/app/activity`);
    await expect(app.getByRole("heading", { name: "Activity log", level: 1 })).toBeVisible();
    await expect(webhookRow).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  await expect(webhookRow.getByText("Processed")).toBeVisible();
  await expect(jobRow).toBeVisible(); // the export the job assembled: an internal entry

  // WHEN the merchant keeps only what Syncline received
  await app.getByRole("button", { name: "Direction" }).click();
  const received = app.getByRole("checkbox", { name: "Received" });
  await received.click();
  await expect(received).toBeChecked();
  await page.keyboard.press("Escape");
  // THEN the internal entry is gone, the webhook stays, and the applied filter says so
  await expect(jobRow).toHaveCount(0);
  await expect(webhookRow).toBeVisible();
  await expect(app.getByText("Direction: Received")).toBeVisible();
  await expect(app.getByRole("row").filter({ hasText: /Internal|Sent/ })).toHaveCount(0);
  await page.screenshot({ path: "test-results/screenshots/activity-list.png", fullPage: true });

  // WHEN the merchant opens the entry
  await webhookRow.getByRole("link", { name: "CUSTOMERS_DATA_REQUEST" }).click();
  // THEN the delivery is shown with Shopify's times, and the customer's email and phone are hidden
  await expect(app.getByRole("heading", { name: "Webhook delivery" })).toBeVisible();
  await expect(app.getByText("Processed").first()).toBeVisible();
  await expect(app.getByText('"email": "[redacted]"')).toBeVisible();
  await expect(app.getByText(/@example|@syncline/)).toHaveCount(0);
  await page.screenshot({ path: "test-results/screenshots/activity-detail.png", fullPage: true });

  // WHEN the merchant goes back THEN the log opens again
  await app.getByRole("link", { name: "Activity log" }).first().click();
  await expect(app.getByRole("heading", { name: "Activity log", level: 1 })).toBeVisible();
});
