/**
 * Loading the app against a test database, and requests the way the embedded admin sends them (a session token
 * signed with the app secret, for a shop whose offline session is stored), for route-level tests.
 */
import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { vi } from "vitest";

import type { PrismaClient } from "~/db.server";

import type { TestDatabase } from "./db";
import { TEST_API_KEY, TEST_API_SECRET, TEST_APP_URL } from "./webhooks";

/**
 * Points the app's environment at `database` (and, with `simulatorOrigin`, its Shopify calls at the simulator), then
 * forgets every app module loaded before, so the next dynamic import of an app module binds to that database.
 * Job handlers are registered, as in the app process. Pair with `unloadApp` in afterAll.
 */
export async function loadAppFor(
  database: TestDatabase,
  options: { simulatorOrigin?: string; appUrl?: string } = {},
): Promise<void> {
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    SHOPIFY_API_KEY: TEST_API_KEY,
    SHOPIFY_API_SECRET: TEST_API_SECRET,
    SHOPIFY_APP_URL: options.appUrl ?? TEST_APP_URL,
    RUN_WORKER_IN_PROCESS: "false",
  });
  if (options.simulatorOrigin) process.env.SHOPIFY_ADMIN_ORIGIN = options.simulatorOrigin;
  else delete process.env.SHOPIFY_ADMIN_ORIGIN;
  vi.resetModules();
  await import("~/jobs/registry.server");
}

/** Closes the app's own database client and drops the test database. */
export async function unloadApp(database: TestDatabase | undefined): Promise<void> {
  const { prisma } = await import("~/db.server");
  await prisma.$disconnect();
  await database?.drop();
}

/** An installed shop with an offline session, so authenticate.admin accepts its session tokens without Shopify. */
export async function installShop(db: PrismaClient, shop: string): Promise<void> {
  await db.shop.create({ data: { shop, scopes: "" } });
  await db.session.create({
    data: { id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: "shpat_test", scope: "" },
  });
}

/** A fetch from the embedded app (App Bridge adds `Authorization: Bearer <session token>`). */
export async function adminRequest(shop: string, path: string, init: RequestInit = {}): Promise<Request> {
  const store = shop.replace(/\.myshopify\.com$/, "");
  return setUpValidRequest(
    { type: RequestType.Bearer, store, apiKey: TEST_API_KEY, apiSecretKey: TEST_API_SECRET },
    new Request(new URL(path, TEST_APP_URL), init),
  );
}

export function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.set(key, value);
  return data;
}

/** A route function's outcome, whether it returned or threw a Response. */
export async function settle(run: () => Promise<Response> | Response): Promise<Response> {
  try {
    return await run();
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}
