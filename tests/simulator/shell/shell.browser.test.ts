// The admin shell and the App Bridge stand-in in Debian's Chromium, around a fake embedded app that behaves like
// @shopify/shopify-app-remix on the wire. Set SHELL_SCREENSHOTS_DIR to keep PNGs of the main states.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";

import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from "@playwright/test";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { Simulator } from "../server";
import { API_KEY, API_SECRET, startTestSimulator } from "../test-support";
import { sessionToken, startFakeApp, startShellHarness, TEST_SHOP, type FakeApp, type ShellHarness } from "./test-support";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const SHOTS = process.env.SHELL_SCREENSHOTS_DIR;
const WAIT = { timeout: 10_000 };

let browser: Browser;
let shell: ShellHarness;
let app: FakeApp;
let context: BrowserContext;
let page: Page;
let frame: FrameLocator;

async function shot(name: string) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

async function openShell(appPath = "") {
  await page.goto(`${shell.origin}/store/syncline-demo/apps/syncline${appPath}`);
  await frame.locator("#shop").filter({ hasText: TEST_SHOP }).waitFor(WAIT);
}

const result = () => frame.locator("#result").textContent();

describe.skipIf(!hasChromium)(`admin shell in Chromium${hasChromium ? "" : ` (skipped: ${CHROMIUM} is not installed)`}`, () => {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    shell = await startShellHarness();
    app = await startFakeApp({ simulatorOrigin: () => shell.origin, grantedScopes: () => shell.shop.grantedScopes });
    shell.ctx.appUrl = app.origin;
    context = await browser.newContext({
      viewport: { width: 1366, height: 800 },
      // The library answers 410 to user agents that look like bots (HeadlessChrome).
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    });
    page = await context.newPage();
    frame = page.frameLocator("#app-frame");
  });

  afterEach(async () => {
    await context?.close();
    await app?.close();
    await shell?.close();
  });

  it("GIVEN the app declares a nav menu and title bar WHEN the shell loads THEN the admin shows them and the document load was authenticated by id_token", async () => {
    await openShell();
    await expect.poll(() => page.locator("#titlebar-title").textContent(), WAIT).toBe("Home");
    const sub = page.locator("#app-nav-items a");
    await expect.poll(() => sub.allTextContents(), WAIT).toEqual(["Settings", "Activity"]);
    expect(await page.locator("#app-nav-home").getAttribute("aria-current")).toBe("page");
    expect(app.accepted.filter((a) => a.via === "id_token").map((a) => a.path)).toEqual(["/app"]);
    await shot("01-app-home");
  });

  it("GIVEN the app WHEN it fetches its own API THEN the request carries a fresh session token the server accepts", async () => {
    await openShell();
    await frame.locator("#whoami").click();
    await expect.poll(result, WAIT).toBe(`whoami ${TEST_SHOP}`);
    const bearer = app.accepted.filter((a) => a.via === "bearer");
    expect(bearer.map((a) => a.path)).toEqual(["/api/whoami"]);
    expect(bearer[0].payload.dest).toBe(`https://${TEST_SHOP}`);
  });

  it("GIVEN a nav link WHEN clicked in the admin THEN the app's router navigates (no reload) and the admin URL follows", async () => {
    await openShell();
    await page.locator("#app-nav-items").getByRole("link", { name: "Settings" }).click();
    await expect.poll(() => frame.locator("#page-heading").textContent(), WAIT).toBe("Settings");
    await expect.poll(() => new URL(page.url()).pathname, WAIT).toBe("/store/syncline-demo/apps/syncline/app/settings");
    await expect.poll(() => page.locator("#titlebar-title").textContent(), WAIT).toBe("Settings");
    expect(await page.locator("#app-nav-items").getByRole("link", { name: "Settings" }).getAttribute("aria-current")).toBe("page");
    // One document load: the navigation went through "shopify:navigate", not a new iframe URL.
    expect(app.accepted.filter((a) => a.via === "id_token")).toHaveLength(1);
  });

  it("GIVEN a deep link WHEN opened THEN the iframe loads that app path", async () => {
    await openShell("/app/activity");
    await expect.poll(() => frame.locator("#page-heading").textContent(), WAIT).toBe("Activity");
    expect(app.accepted.map((a) => a.path)).toEqual(["/app/activity"]);
  });

  it("GIVEN the title bar's primary action WHEN clicked in the admin THEN the app's button handler runs", async () => {
    await openShell();
    await page.locator("#titlebar-actions").getByRole("button", { name: "Sync now" }).click();
    await expect.poll(result, WAIT).toBe("title-bar primary clicked");
  });

  it("GIVEN shopify.toast.show WHEN called THEN the admin shows the toast", async () => {
    await openShell();
    await frame.locator("#toast").click();
    await page.locator("#toasts").getByRole("status").filter({ hasText: "Settings saved" }).waitFor(WAIT);
  });

  it("GIVEN a save bar WHEN the app shows it THEN the admin renders Save/Discard wired to the app's buttons and holds navigation", async () => {
    await openShell();
    await frame.locator("#dirty").click();
    const bar = page.getByRole("region", { name: "Unsaved changes" });
    await bar.waitFor(WAIT);
    await shot("02-save-bar");
    // Unsaved changes block admin navigation.
    await page.locator("#app-nav-items").getByRole("link", { name: "Settings" }).click();
    await expect.poll(() => page.locator("#savebar").getAttribute("class"), WAIT).toContain("attention");
    expect(await frame.locator("#page-heading").textContent()).toBe("Home");
    await bar.getByRole("button", { name: "Save" }).click();
    await expect.poll(result, WAIT).toBe("saved");
    await bar.waitFor({ state: "hidden", ...WAIT });
  });

  it("GIVEN a ui-modal WHEN shown THEN it renders over the app with its title bar buttons and the admin dims around it", async () => {
    await openShell();
    await frame.locator("#open-modal").click();
    const dialog = frame.getByRole("dialog", { name: "Confirm" });
    await dialog.waitFor(WAIT);
    await expect.poll(() => page.locator("body").getAttribute("class"), WAIT).toContain("modal-open");
    await shot("03-modal");
    await dialog.getByRole("button", { name: "Remove" }).click();
    await expect.poll(result, WAIT).toBe("modal confirmed");
    await expect.poll(() => page.locator("body").getAttribute("class"), WAIT).not.toContain("modal-open");
  });

  it("GIVEN shopify.scopes.request WHEN the merchant declines and then approves THEN the app gets declined-all, then granted-all with the scope granted", async () => {
    await openShell();
    await frame.locator("#request-scopes").click();
    const dialog = page.getByRole("dialog", { name: "Syncline is requesting more access" });
    await dialog.getByText("View customers").waitFor(WAIT);
    await shot("04-scopes-dialog");
    await dialog.getByRole("button", { name: "Decline" }).click();
    await expect.poll(result, WAIT).toBe("scopes declined-all ");
    expect(shell.grants).toEqual([]);

    await frame.locator("#request-scopes").click();
    await dialog.getByRole("button", { name: "Approve" }).click();
    await expect.poll(result, WAIT).toBe("scopes granted-all read_customers");
    expect(shell.grants).toEqual([{ shop: TEST_SHOP, scopes: ["read_customers"] }]);
  });

  it("GIVEN the app's server answers scopes.request with the reauthorize header WHEN approved THEN the merchant is back on the same app page and the retried action succeeds without another grant", async () => {
    await openShell("/app/settings");
    await frame.locator("#enable-orders").click();
    await page.waitForURL(/\/store\/syncline-demo\/oauth\/install\?/, WAIT);
    const grantUrl = new URL(page.url());
    expect(grantUrl.searchParams.get("optional_scopes")).toBe("read_orders");
    expect(grantUrl.searchParams.get("return_to")).toBe("/store/syncline-demo/apps/syncline/app/settings");
    await page.getByRole("listitem").filter({ hasText: "View orders" }).waitFor(WAIT);
    await shot("05-grant-page");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(`${shell.origin}/store/syncline-demo/apps/syncline/app/settings`, WAIT);
    await frame.locator("#shop").filter({ hasText: TEST_SHOP }).waitFor(WAIT);
    expect(shell.grants).toEqual([{ shop: TEST_SHOP, scopes: ["read_orders"] }]);

    await frame.locator("#enable-orders").click();
    await expect.poll(result, WAIT).toBe("enabled true");
    expect(new URL(page.url()).pathname).toBe("/store/syncline-demo/apps/syncline/app/settings");
  });

  it("GIVEN the server-side grant WHEN the merchant declines THEN nothing is granted and the app page is back", async () => {
    await openShell("/app/settings");
    await frame.locator("#enable-orders").click();
    await page.waitForURL(/\/oauth\/install\?/, WAIT);
    await page.getByRole("button", { name: "Decline" }).click();
    await page.waitForURL(`${shell.origin}/store/syncline-demo/apps/syncline/app/settings`, WAIT);
    await frame.locator("#shop").filter({ hasText: TEST_SHOP }).waitFor(WAIT);
    expect(shell.grants).toEqual([]);
  });

  it("GIVEN an expired id_token in the iframe URL WHEN the app bounces to its session-token page THEN the stand-in reloads it with a fresh token", async () => {
    let first = true;
    shell.ctx.signIdToken = (shop) => {
      if (!first) return sessionToken(shop);
      first = false;
      // Authentic but expired three minutes ago, beyond the library's clock tolerance.
      return sessionToken(shop, { issuedAt: Math.floor(Date.now() / 1000) - 240 });
    };
    await openShell("/app/settings");
    await expect.poll(() => frame.locator("#page-heading").textContent(), WAIT).toBe("Settings");
    expect(app.accepted.filter((a) => a.via === "id_token").map((a) => a.path)).toEqual(["/app/settings"]);
  });

  it("GIVEN a page without the stand-in in the iframe WHEN it loads THEN the admin explains what to check", async () => {
    shell.ctx.appUrl = `${app.origin}/no-app-bridge`;
    await page.goto(`${shell.origin}/store/syncline-demo/apps/syncline`);
    await page.getByRole("alert").filter({ hasText: "has not connected to the admin" }).waitFor(WAIT);
  });
});

describe.skipIf(!hasChromium)(`admin shell in Chromium through startSimulator${hasChromium ? "" : " (skipped: no Chromium)"}`, () => {
  let sim: Simulator;
  let simBrowser: Browser;

  beforeAll(async () => {
    simBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });

  afterAll(async () => {
    await simBrowser?.close();
  });

  afterEach(async () => {
    await context?.close();
    await app?.close();
    await sim?.close();
  });

  it("GIVEN the simulator's tokens and store WHEN the merchant opens the app, calls its API and approves a server-side scope request THEN the installation has the scope and the retried action succeeds", async () => {
    app = await startFakeApp({
      simulatorOrigin: () => sim.origin,
      grantedScopes: () => sim.store.shop(TEST_SHOP).installation.scopes,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
    });
    sim = await startTestSimulator({ appUrl: app.origin });
    context = await simBrowser.newContext({
      viewport: { width: 1366, height: 800 },
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    });
    page = await context.newPage();
    frame = page.frameLocator("#app-frame");

    await page.goto(`${sim.origin}/`);
    await frame.locator("#shop").filter({ hasText: TEST_SHOP }).waitFor(WAIT);
    await frame.locator("#whoami").click();
    await expect.poll(result, WAIT).toBe(`whoami ${TEST_SHOP}`);

    await page.locator("#app-nav-items").getByRole("link", { name: "Settings" }).click();
    await expect.poll(() => new URL(page.url()).pathname, WAIT).toBe("/store/syncline-demo/apps/syncline/app/settings");
    await frame.locator("#enable-orders").click();
    await page.waitForURL(/\/store\/syncline-demo\/oauth\/install\?/, WAIT);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(`${sim.origin}/store/syncline-demo/apps/syncline/app/settings`, WAIT);
    expect(sim.store.shop(TEST_SHOP).installation.scopes).toContain("read_orders");
    await frame.locator("#enable-orders").click();
    await expect.poll(result, WAIT).toBe("enabled true");
  });
});
