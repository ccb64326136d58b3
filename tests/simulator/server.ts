import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { loadAppConfig, type AppConfig } from "./config";
import { handleControl } from "./control";
import { GraphqlEndpoint } from "./graphql/handler";
import { API_VERSION } from "./graphql/schema";
import { signIdToken } from "./jwt";
import { handleAccessToken } from "./oauth";
import { seedStore, type SeedOptions } from "./store/seed";
import { SimStore } from "./store/store";
import { StorefrontPixel } from "./storefront";
import { LeakyBuckets } from "./throttle";
import { WebhookDispatcher, type WebhookSwitches } from "./webhooks";

export interface SimulatorOptions {
  /** 0 picks a free port. Default 4100. */
  port?: number;
  host?: string;
  apiKey: string;
  apiSecret: string;
  /** The app's origin, e.g. http://127.0.0.1:3000: app-specific webhook uris are resolved against it. */
  appUrl: string;
  /** Default: shopify.app.toml at the repository root. */
  appTomlPath?: string;
  /** Seed the demo shop (and a shop whose ids exceed 2^53). Default true. */
  seed?: boolean | SeedOptions;
  quiet?: boolean;
  webhookSwitches?: Partial<WebhookSwitches>;
  /** Time a bulk operation spends in CREATED and in RUNNING (ms, default 50). */
  bulkPhaseMs?: number;
}

export interface Simulator {
  origin: string;
  store: SimStore;
  webhooks: WebhookDispatcher;
  buckets: LeakyBuckets;
  graphql: GraphqlEndpoint;
  config: AppConfig;
  /** The storefront running the app's web pixel: reports web checkouts to the pixel's endpoint (storefront.ts). */
  storefront: StorefrontPixel;
  /** Milliseconds the 2026-07 schema took to load (once per process). */
  schemaLoadMs: number;
  /** A session token for the shop, as the admin would hand it to the app (installs the app if needed). */
  signIdToken(shop: string): string;
  /** Issues an offline access token directly (tests that call the Admin API without going through the app). */
  accessToken(shop: string, kind?: "offline" | "online"): string;
  /** Re-seeds the store, clears webhook log and switches, refills buckets. */
  reset(seed?: SeedOptions | false): void;
  close(): Promise<void>;
}

export const DEFAULT_TOML = fileURLToPath(new URL("../../shopify.app.toml", import.meta.url));
const MAX_BODY = 5 * 1024 * 1024;

type ShellHandler = (req: IncomingMessage, res: ServerResponse, ctx: unknown) => Promise<boolean>;

async function loadShell(quiet: boolean): Promise<ShellHandler | null> {
  // The admin shell is built alongside; without it the API side still runs (tests of the core need no shell).
  if (!existsSync(fileURLToPath(new URL("./shell/index.ts", import.meta.url)))) {
    if (!quiet) console.warn("[simulator] tests/simulator/shell/index.ts not found: admin shell disabled");
    return null;
  }
  const mod = (await import("./shell/index")) as { handleShellRequest?: ShellHandler };
  if (typeof mod.handleShellRequest !== "function") throw new Error("tests/simulator/shell/index.ts does not export handleShellRequest");
  return mod.handleShellRequest;
}

function shopFromRequest(req: IncomingMessage): string | null {
  const explicit = req.headers["x-simulator-shop"];
  if (typeof explicit === "string" && explicit) return explicit.toLowerCase();
  const host = (req.headers.host ?? "").split(":")[0].toLowerCase();
  return host.endsWith(".myshopify.com") ? host : null;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
  res.end(text);
}

function placeholderSvg(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const hue = h % 360;
  const label = name.replace(/\.svg$/, "").replace(/-\d+$/, "").replace(/-/g, " ").replace(/[<>&"]/g, "");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800" viewBox="0 0 800 800"><rect width="800" height="800" fill="hsl(${hue},45%,82%)"/><circle cx="400" cy="340" r="170" fill="hsl(${hue},45%,62%)"/><text x="400" y="660" font-family="sans-serif" font-size="44" text-anchor="middle" fill="#333">${label}</text></svg>`;
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const quiet = !!opts.quiet;
  const config = loadAppConfig(opts.appTomlPath ?? DEFAULT_TOML);
  const store = new SimStore(config);
  const buckets = new LeakyBuckets(() => store.now());
  let origin = "";
  const graphql = new GraphqlEndpoint({ store, config, apiKey: opts.apiKey, origin: () => origin, buckets, bulkPhaseMs: opts.bulkPhaseMs });
  const webhooks = new WebhookDispatcher({ store, config, apiSecret: opts.apiSecret, appUrl: opts.appUrl, switches: opts.webhookSwitches, quiet });
  const storefront = new StorefrontPixel({ store, quiet });
  const shell = await loadShell(quiet);
  const seedOpts = (seed: boolean | SeedOptions | undefined): SeedOptions | false =>
    seed === false ? false : { assetOrigin: origin, ...(typeof seed === "object" ? seed : {}) };

  const sign = (shop: string) => {
    store.install(shop);
    return signIdToken({ shop: store.shop(shop).domain, apiKey: opts.apiKey, apiSecret: opts.apiSecret, now: store.now() });
  };

  const reset = (seed?: SeedOptions | false) => {
    graphql.bulk.close();
    graphql.faults.reset();
    store.shops.clear();
    buckets.reset();
    webhooks.clearLog();
    webhooks.resetSwitches();
    if (opts.webhookSwitches) webhooks.set(opts.webhookSwitches);
    storefront.reset();
    const s = seed === undefined ? seedOpts(opts.seed) : seedOpts(seed);
    if (s) seedStore(store, s);
  };

  const shellCtx = {
    store: {
      getShop: (shop: string) => {
        const s = store.findShop(shop);
        return s ? { shop: s.domain, name: s.name, grantedScopes: [...s.installation.scopes] } : undefined;
      },
    },
    apiKey: opts.apiKey,
    apiSecret: opts.apiSecret,
    appUrl: opts.appUrl,
    get origin() {
      return origin;
    },
    grantScopes: (shop: string, scopes: string[]) => store.grantScopes(shop, scopes),
    revokeScopes: async (shop: string, scopes: string[]) => {
      const s = store.shop(shop);
      store.setScopes(shop, s.installation.scopes.filter((x) => !scopes.includes(x)));
    },
    signIdToken: sign,
    scopeConfig: { required: config.requiredScopes, optional: config.optionalScopes },
    appName: config.name,
  };

  const controlDeps = {
    store,
    webhooks,
    buckets,
    apiKey: opts.apiKey,
    apiSecret: opts.apiSecret,
    reset,
    faults: graphql.faults,
    bulkFile: (t: string) => graphql.bulk.file(t),
    schemaLoadMs: graphql.loaded.loadMs,
    storefront,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", origin || "http://127.0.0.1");
    const path = url.pathname;
    let bodyPromise: Promise<Buffer> | null = null;
    const body = () => (bodyPromise ??= readBody(req));

    if (path.startsWith("/_simulator/") || path === "/_simulator") {
      const bulk = /^\/_simulator\/bulk\/([a-f0-9]+)\.jsonl$/.exec(path);
      if (bulk && req.method === "GET") {
        const file = graphql.bulk.file(bulk[1]);
        if (!file) return sendJson(res, 404, { error: "bulk operation result not found or expired" });
        res.writeHead(200, { "Content-Type": "application/jsonl", "Content-Length": String(file.length) });
        res.end(file);
        return;
      }
      return handleControl(controlDeps, req, res, url, async () => (await body()).toString("utf8"));
    }

    const gql = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(path);
    if (gql) {
      if (gql[1] !== API_VERSION) return sendJson(res, 404, { errors: "Not Found" });
      const domain = shopFromRequest(req);
      const shop = domain ? store.findShop(domain) : undefined;
      if (!shop) return sendJson(res, 404, { errors: "Not Found" }, { "X-Simulator-Hint": "set X-Simulator-Shop or a *.myshopify.com Host" });
      const fault = graphql.faults.next(shop.domain);
      if (fault) {
        await body();
        if ("disconnect" in fault) {
          req.socket.destroy();
          return;
        }
        return sendJson(res, fault.status, { errors: fault.status === 429 ? "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." : "Internal Server Error" }, { "X-Simulator-Fault": "injected" });
      }
      const token = req.headers["x-shopify-access-token"];
      if (!store.authenticate(shop.domain, typeof token === "string" ? token : null)) {
        return sendJson(res, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
      }
      if (req.method !== "POST") return sendJson(res, 400, { errors: { query: "Required parameter missing or invalid" } });
      const raw = (await body()).toString("utf8");
      const type = String(req.headers["content-type"] ?? "");
      let request: { query?: unknown; variables?: unknown; operationName?: unknown };
      if (type.startsWith("application/graphql")) request = { query: raw };
      else {
        try {
          request = JSON.parse(raw) as typeof request;
        } catch {
          return sendJson(res, 400, { errors: "Invalid JSON in request body" });
        }
        if (!request || typeof request !== "object") return sendJson(res, 400, { errors: { query: "Required parameter missing or invalid" } });
      }
      const out = await graphql.handle(shop, request);
      return sendJson(res, out.status, out.body, out.headers);
    }
    if (/^\/admin\/api\/[^/]+\//.test(path)) {
      return sendJson(res, 404, { errors: "Not Found", simulator: "The REST Admin API is not simulated; use GraphQL." });
    }

    if (path === "/admin/oauth/access_token" && req.method === "POST") {
      const domain = shopFromRequest(req);
      if (!domain) return sendJson(res, 404, { errors: "Not Found" });
      const raw = (await body()).toString("utf8");
      const type = String(req.headers["content-type"] ?? "");
      let params: Record<string, unknown>;
      try {
        params = type.includes("application/x-www-form-urlencoded") ? Object.fromEntries(new URLSearchParams(raw)) : (JSON.parse(raw || "{}") as Record<string, unknown>);
      } catch {
        return sendJson(res, 400, { error: "invalid_request", error_description: "Body must be JSON or form-encoded" });
      }
      const out = handleAccessToken({ store, apiKey: opts.apiKey, apiSecret: opts.apiSecret }, domain, params);
      return sendJson(res, out.status, out.body);
    }

    if (shell && (await shell(req, res, shellCtx))) return;

    const img = /^\/cdn\/shop\/files\/([\w.-]+\.svg)$/.exec(path);
    if (img && req.method === "GET") {
      res.writeHead(200, { "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400" });
      res.end(placeholderSvg(img[1]));
      return;
    }
    sendJson(res, 404, { errors: "Not Found" });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!quiet) console.error("[simulator] request failed:", e);
      if (!res.headersSent) sendJson(res, 500, { errors: "Internal error in the Shopify simulator", detail: e.message });
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 4100, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  origin = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${addr.port}`;
  reset();

  return {
    origin,
    store,
    webhooks,
    buckets,
    graphql,
    config,
    storefront,
    schemaLoadMs: graphql.loaded.loadMs,
    signIdToken: sign,
    accessToken: (shop, kind = "offline") => {
      store.install(shop);
      return store.issueToken(shop, kind).token.token;
    },
    reset,
    close: async () => {
      webhooks.close();
      graphql.bulk.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
