import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests in Debian's Chromium (never `npx playwright install`): the demo stack (simulator + built app on
 * a fresh SQLite database) on ports of its own, driven through the simulator's admin shell like a merchant would.
 */
const appPort = Number(process.env.E2E_APP_PORT ?? 3210);
const simulatorPort = Number(process.env.E2E_SIMULATOR_PORT ?? 4210);

export const SIMULATOR_ORIGIN = `http://127.0.0.1:${simulatorPort}`;

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL: SIMULATOR_ORIGIN,
    // The Shopify library answers 410 to user agents that look like bots, HeadlessChrome included.
    userAgent:
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    viewport: { width: 1400, height: 900 },
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: "npx tsx scripts/demo.ts",
    url: `${SIMULATOR_ORIGIN}/_simulator/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    env: {
      PORT: String(appPort),
      SIMULATOR_PORT: String(simulatorPort),
      DATABASE_URL: "file:./.cache/e2e/app.sqlite",
      DEMO_RESET_DB: "1",
      LOG_LEVEL: "warn",
    },
  },
});
