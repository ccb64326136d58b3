import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, AppDistribution, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";

import { prisma } from "./db.server";
import { env } from "./env.server";
import { logger } from "./logger.server";
import { recordInstall } from "./shops/shops.server";
import { simulatorFetch } from "./shopify/simulator-fetch.server";

/**
 * The one composition root: every route and job gets Shopify through the exports below.
 * Scopes come from shopify.app.toml (Shopify-managed installation); the library reads `SCOPES` only to
 * know what to ask for when it has to.
 */
const config = env();

// After the Node adapter has installed global fetch: route Shopify calls to the local simulator when asked.
if (config.SHOPIFY_ADMIN_ORIGIN) {
  setAbstractFetchFunc(simulatorFetch(config.SHOPIFY_ADMIN_ORIGIN));
}

export const API_VERSION = ApiVersion.July26;

const LIBRARY_LOG_LEVEL: Record<typeof config.LOG_LEVEL, LogSeverity> = {
  fatal: LogSeverity.Error,
  error: LogSeverity.Error,
  warn: LogSeverity.Warning,
  info: LogSeverity.Info,
  debug: LogSeverity.Debug,
  trace: LogSeverity.Debug,
  silent: LogSeverity.Error,
};

const shopify = shopifyApp({
  apiKey: config.SHOPIFY_API_KEY,
  apiSecretKey: config.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  scopes: config.SCOPES ? config.SCOPES.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
  appUrl: config.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  // The storage types the generated client loosely; the models match what the storage expects.
  sessionStorage: new PrismaSessionStorage(prisma as never),
  distribution: AppDistribution.AppStore,
  future: {
    unstable_newEmbeddedAuthStrategy: true,
  },
  hooks: {
    afterAuth: async ({ session }) => {
      await recordInstall(prisma, session.shop, session.scope ?? "");
    },
  },
  // The library's own messages go through our structured logger, at our level.
  logger: {
    level: LIBRARY_LOG_LEVEL[config.LOG_LEVEL],
    log: (severity, message) => {
      const log = logger.child({ source: "shopify" });
      if (severity === LogSeverity.Error) log.error(message);
      else if (severity === LogSeverity.Warning) log.warn(message);
      else if (severity === LogSeverity.Info) log.info(message);
      else log.debug(message);
    },
  },
  ...(config.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [config.SHOP_CUSTOM_DOMAIN] } : {}),
});

export default shopify;
export const apiVersion = API_VERSION;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const sessionStorage = shopify.sessionStorage;
