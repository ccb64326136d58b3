import { expect, test } from "@playwright/test";

test("the merchant opens Syncline in the admin and sees the shop and every sync off", async ({ page }) => {
  // GIVEN the simulated admin of the demo shop
  await page.goto("/");
  // WHEN the embedded app loads (session token -> token exchange -> Admin API through the simulator)
  const app = page.frameLocator("#app-frame");
  // THEN it shows the shop read from the Admin API, and a card per sync showing Off
  await expect(app.getByRole("heading", { name: "Syncline Demo" })).toBeVisible();
  await expect(app.getByText("syncline-demo.myshopify.com")).toBeVisible();
  for (const sync of ["Purchases", "Marketing consent", "Catalog"]) {
    const card = app.locator(".Polaris-ShadowBevel", { has: page.locator("h3", { hasText: sync }) });
    await expect(card.getByText("Off", { exact: true })).toBeVisible();
  }
  // and the admin shell shows the app's title bar
  await expect(page.getByText("Syncline").first()).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/home.png", fullPage: true });
  // WHEN the merchant sets up a sync from its card THEN its settings page opens
  const catalog = app.locator(".Polaris-ShadowBevel", { has: page.locator("h3", { hasText: "Catalog" }) });
  await catalog.getByRole("link", { name: "Set up" }).click();
  await expect(app.getByText("Catalog sync", { exact: true })).toBeVisible();
  await expect(page).toHaveURL(/\/apps\/syncline\/app\/catalog$/);
});
