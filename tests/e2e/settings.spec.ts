import { expect, test } from "@playwright/test";

import { startReceiver, verifyStandardWebhook, type Receiver } from "../events/receiver";

const APP_ORIGIN = `http://127.0.0.1:${process.env.E2E_APP_PORT ?? 3210}`;

let receiver: Receiver;

test.beforeAll(async () => {
  receiver = await startReceiver();
});

test.afterAll(async () => {
  await receiver?.close();
});

// A failure shows what the merchant saw, and what the app's frame logged.
const consoleErrors: string[] = [];
test.beforeEach(({ page }) => {
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(error.message));
});
test.afterEach(async ({ page }, testInfo) => {
  if (testInfo.status === testInfo.expectedStatus) return;
  await page.screenshot({ path: "test-results/screenshots/settings-failure.png", fullPage: true });
  if (consoleErrors.length > 0) console.error(`browser errors:\n${consoleErrors.join("\n")}`);
});

test("the merchant connects the platform: destination, signing secret, test event, API key", async ({ page }) => {
  // GIVEN the Settings page of the demo shop in the simulated admin, and a platform listening on 127.0.0.1
  await page.goto("/store/syncline-demo/apps/syncline/app/settings");
  const app = page.frameLocator("#app-frame");
  await expect(app.getByRole("heading", { name: "Platform connection" })).toBeVisible();
  await expect(app.getByText("No signing secret yet.")).toBeVisible();

  // WHEN the merchant types the destination URL, the admin's save bar appears; Save stores it
  await app.getByLabel("Destination URL").fill(receiver.url);
  const saveBar = page.locator("#savebar");
  await expect(saveBar).toBeVisible();
  await saveBar.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Destination saved" })).toBeVisible();
  await expect(saveBar).toBeHidden();

  // AND generates the signing secret: it is shown once, in full
  await app.getByRole("button", { name: "Generate secret" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Signing secret generated" })).toBeVisible();
  const secretField = app.getByRole("textbox", { name: "Signing secret" });
  const secret = await secretField.inputValue();
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

  // AND sends a test event
  await app.getByRole("button", { name: "Send test event" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Test event sent" })).toBeVisible();

  // THEN the platform receives it, signed with that secret
  const delivery = await receiver.request(1, 15_000);
  expect(verifyStandardWebhook(secret, delivery)).toBe(true);
  expect(JSON.parse(delivery.body)).toMatchObject({
    type: "connection.test",
    data: { shop: "syncline-demo.myshopify.com" },
  });
  // and the page reports the delivery
  await expect(app.getByText("Delivered", { exact: true })).toBeVisible();
  await expect(app.getByText(/HTTP 200/)).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/settings.png", fullPage: true });

  // WHEN the merchant leaves the secret banner and comes back, the secret is not shown again
  await page.reload();
  await expect(app.getByRole("heading", { name: "Platform connection" })).toBeVisible();
  await expect(app.getByText(/^Created /).first()).toBeVisible();
  await expect(app.getByRole("textbox", { name: "Signing secret" })).toHaveCount(0);
  expect(await app.locator("body").innerText()).not.toContain(secret.slice(6));

  // WHEN the merchant generates an API key, the platform can call the app's API with it
  await app.getByRole("button", { name: "Generate API key" }).click();
  await expect(page.getByRole("status").filter({ hasText: "API key generated" })).toBeVisible();
  const apiKey = await app.getByRole("textbox", { name: "API key" }).inputValue();
  expect(apiKey).toMatch(/^syn_[0-9a-f]{16}_[0-9a-f]{64}$/);
  const status = await fetch(`${APP_ORIGIN}/api/v1/status`, { headers: { Authorization: `Bearer ${apiKey}` } });
  expect(status.status).toBe(200);
  expect(await status.json()).toMatchObject({ shop: "syncline-demo.myshopify.com" });

  // AND rotating the key (after confirming in the admin's modal) locks the old one out
  await page.reload();
  await app.getByRole("button", { name: "Rotate key" }).click();
  await expect(app.getByText("The current key stops working at once")).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/settings-rotate-modal.png" });
  await app.getByRole("button", { name: "Rotate key" }).last().click();
  await expect(page.getByRole("status").filter({ hasText: "API key rotated" })).toBeVisible();
  const rotatedKey = await app.getByRole("textbox", { name: "API key" }).inputValue();
  expect(rotatedKey).not.toBe(apiKey);
  const old = await fetch(`${APP_ORIGIN}/api/v1/status`, { headers: { Authorization: `Bearer ${apiKey}` } });
  expect(old.status).toBe(401);
  await page.screenshot({ path: "test-results/screenshots/settings-api-key.png", fullPage: true });
});
