/**
 * `npm run demo`: the app's whole loop on the embedded defaults, with no Shopify account and no manual step.
 * Migrates the SQLite database, builds the app, starts the Shopify simulator (seeded demo shop) and the app
 * wired to it, and prints the one URL to open: the simulator's admin shell with the app embedded.
 *
 * Environment (all optional): PORT (app, 3000), SIMULATOR_PORT (4100), DATABASE_URL (SQLite data/dev.sqlite),
 * DEMO_SKIP_BUILD=1 to reuse an existing build/, DEMO_RESET_DB=1 to start from an empty SQLite database (tests).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { providerFromUrl, resolveDatabaseUrl, sqliteFilePath } from "../prisma/support/database-url";
import { startSimulator } from "../tests/simulator";

const root = resolve(import.meta.dirname, "..");
const host = "127.0.0.1";
const appPort = Number(process.env.PORT ?? 3000);
const simulatorPort = Number(process.env.SIMULATOR_PORT ?? 4100);
const apiKey = process.env.SHOPIFY_API_KEY ?? "syncline-demo-key";
const apiSecret = process.env.SHOPIFY_API_SECRET ?? "syncline-demo-secret";
const appUrl = `http://${host}:${appPort}`;
const simulatorOrigin = `http://${host}:${simulatorPort}`;

const appEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "production",
  HOST: host,
  PORT: String(appPort),
  SHOPIFY_API_KEY: apiKey,
  SHOPIFY_API_SECRET: apiSecret,
  SHOPIFY_APP_URL: appUrl,
  SHOPIFY_ADMIN_ORIGIN: simulatorOrigin,
  APP_BRIDGE_URL: `${simulatorOrigin}/app-bridge.js`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
};

function step(title: string, command: string, args: string[]) {
  const started = Date.now();
  process.stdout.write(`• ${title}… `);
  const result = spawnSync(command, args, { cwd: root, env: appEnv, encoding: "utf8" });
  if (result.status !== 0) {
    console.error(`failed\n${result.stdout}\n${result.stderr}`);
    process.exit(1);
  }
  console.log(`done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

const databaseUrl = resolveDatabaseUrl(process.env.DATABASE_URL);
if (process.env.DEMO_RESET_DB && providerFromUrl(databaseUrl) === "sqlite") {
  const file = sqliteFilePath(databaseUrl);
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${file}${suffix}`, { force: true });
}

step("Applying database migrations", "npx", ["prisma", "migrate", "deploy"]);
if (process.env.DEMO_SKIP_BUILD && existsSync(resolve(root, "build/server/index.js")) && existsSync(resolve(root, "build/scripts/serve.js"))) {
  console.log("• Reusing the existing build (DEMO_SKIP_BUILD)");
} else {
  step("Building the app", "npm", ["run", "build"]);
}

process.stdout.write("• Starting the Shopify simulator with the seeded demo shop… ");
const simulator = await startSimulator({ port: simulatorPort, host, apiKey, apiSecret, appUrl, seed: true, quiet: true });
console.log("done");

process.stdout.write("• Starting the app… ");
// The production server (`npm start`), run with node itself rather than through npm: an npm wrapper would survive
// our SIGTERM and keep the port.
const app = spawn(process.execPath, ["build/scripts/serve.js", "build/server/index.js"], {
  cwd: root,
  env: appEnv,
  stdio: ["ignore", "inherit", "inherit"],
});
await waitUntilUp(`${appUrl}/healthz`, app);
console.log("done");

const shops = [...simulator.store.shops.keys()];
console.log(`
Syncline is running against the local Shopify simulator (${shops.length} shop${shops.length === 1 ? "" : "s"}, no Shopify account).

  Open ${simulator.origin}/

That is the simulated Shopify admin with Syncline embedded. Press Ctrl+C to stop.
`);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  app.kill("SIGTERM");
  await simulator.close();
  process.exit(code);
}
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
app.once("exit", (exitCode) => {
  if (!stopping) {
    console.error(`The app stopped unexpectedly (exit code ${exitCode}).`);
    void stop(1);
  }
});
