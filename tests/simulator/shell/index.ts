// The browser-facing half of the Shopify simulator: the admin shell that embeds the app, the App Bridge stand-in
// the app loads instead of cdn.shopify.com, and the optional-scope grant screen. The simulator server calls
// handleShellRequest first for every request; it answers the routes below and returns false for anything else.
//
//   GET  /                                   -> 302 to the demo shop's app
//   GET  /store/<name>/apps/<handle>[/path]  admin shell with the app in an iframe at <path> (default /app);
//                                            <handle> is the app handle ("syncline") or the API key
//   GET  /store/<name>/oauth/install         grant screen (what https://<shop>/admin/oauth/install becomes)
//   POST /store/<name>/oauth/install         Approve / Decline
//   GET  /admin/oauth/install?shop=...       the same grant screen, shop given as a parameter
//   GET  /store/<name>[/anything]            placeholder admin page (Home, Orders, ... are not simulated)
//   GET  /app-bridge.js                      the App Bridge stand-in script
//   GET  /_shell/shell.js, /_shell/shell.css the shell's own assets
//   GET  /_shell/id-token?shop=              fresh session token for the stand-in (shell callers only)
//   GET  /_shell/frame-url?shop=&path=       signed iframe URL for a full reload at a path (shell callers only)
//   GET  /_shell/scopes?shop=[&describe=]    scopes detail for shopify.scopes.query/request (shell callers only)
//   POST /_shell/scopes/grant|revoke         shopify.scopes.request/revoke decisions (shell callers only)
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";

import { buildFrameUrl, EMBEDDED_PARAMS, hostParam, shopName } from "./frame-url";
import { renderAppMain, renderBarePage, renderChrome, renderGrantMain, renderMessageMain } from "./html";
import {
  loadScopeConfig,
  missingScopes,
  parseScopeList,
  scopeLabel,
  type ScopeConfig,
  type ScopesDetail,
  undeclaredScopes,
} from "./scopes";

export { buildFrameUrl, hostParam, signQuery } from "./frame-url";
export { scopeLabel, type ScopeConfig, type ScopesDetail } from "./scopes";

export interface ShellShop {
  shop: string;
  name: string;
  grantedScopes: string[];
}

export interface ShellContext {
  store: { getShop(shop: string): ShellShop | undefined };
  apiKey: string;
  apiSecret: string;
  /** The app's base URL (SHOPIFY_APP_URL), e.g. http://127.0.0.1:3000. */
  appUrl: string;
  /** The simulator's own origin, e.g. http://127.0.0.1:4100. */
  origin: string;
  /** Adds scopes to the shop's grant (and whatever the simulator does on a grant, e.g. app/scopes_update). */
  grantScopes(shop: string, scopes: string[]): Promise<void>;
  /** A session token (HS256 JWT, aud = API key) for the shop, as Shopify admin would hand the app. */
  signIdToken(shop: string): string;
  /** Optional: removes optional scopes (shopify.scopes.revoke). Without it revoke answers an error. */
  revokeScopes?(shop: string, scopes: string[]): Promise<void>;
  /** Optional: the app's declared scopes. Default: [access_scopes] of shopify.app.toml in the working directory. */
  scopeConfig?: ScopeConfig;
  /** Optional: app name shown in the admin (default "Syncline") and its URL handle (default "syncline"). */
  appName?: string;
  appHandle?: string;
}

export const DEFAULT_SHOP = "syncline-demo.myshopify.com";
export const DEFAULT_APP_HANDLE = "syncline";
export const DEFAULT_APP_NAME = "Syncline";
/** Where /store/<name>/apps/<handle> with no sub-path loads the app. */
export const APP_HOME_PATH = "/app";

/** The shell URL a person opens to use the app (what `npm run demo` prints). */
export function adminAppUrl(origin: string, shop = DEFAULT_SHOP, appPath = "", handle = DEFAULT_APP_HANDLE): string {
  return `${origin.replace(/\/+$/, "")}/store/${shopName(shop)}/apps/${handle}${appPath}`;
}

const SHOP_NAME = /^[a-z0-9][a-z0-9-]*$/i;
const SCOPE_HANDLE = /^[a-z][a-z0-9_]*$/;
const MAX_BODY_BYTES = 64 * 1024;
const ASSET_DIR = new URL("./assets/", import.meta.url);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function handleShellRequest(req: IncomingMessage, res: ServerResponse, ctx: ShellContext): Promise<boolean> {
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", ctx.origin);
  const route = findRoute(method, url.pathname);
  if (!route) return false;
  try {
    await route(req, res, ctx, url);
  } catch (error) {
    if (res.headersSent) {
      res.destroy(error instanceof Error ? error : undefined);
    } else if (error instanceof HttpError) {
      if (url.pathname.startsWith("/_shell/")) sendJson(res, error.status, { error: error.message });
      else sendHtml(res, error.status, renderBarePage(statusTitle(error.status), error.message));
    } else {
      const message = error instanceof Error ? error.message : String(error);
      if (url.pathname.startsWith("/_shell/")) sendJson(res, 500, { error: message });
      else sendHtml(res, 500, renderBarePage(statusTitle(500), message));
    }
  }
  return true;
}

type Route = (req: IncomingMessage, res: ServerResponse, ctx: ShellContext, url: URL) => Promise<void>;

function findRoute(method: string, path: string): Route | undefined {
  const read = method === "GET" || method === "HEAD";
  if (path === "/") return read ? redirectHome : undefined;
  if (path === "/app-bridge.js") return onlyFor(read, serveAppBridge);
  if (path === "/_shell/shell.js") return onlyFor(read, serveShellScript);
  if (path === "/_shell/shell.css") return onlyFor(read, serveShellStyles);
  if (path === "/_shell/id-token") return onlyFor(read, idTokenEndpoint);
  if (path === "/_shell/frame-url") return onlyFor(read, frameUrlEndpoint);
  if (path === "/_shell/scopes") return onlyFor(read, scopesEndpoint);
  if (path === "/_shell/scopes/grant") return onlyFor(method === "POST", grantEndpoint);
  if (path === "/_shell/scopes/revoke") return onlyFor(method === "POST", revokeEndpoint);
  if (path === "/admin/oauth/install") return onlyFor(read || method === "POST", grantPageByQuery);
  if (path === "/store" || path.startsWith("/store/")) return onlyFor(read || method === "POST", storeRoute);
  return undefined;
}

function onlyFor(allowed: boolean, route: Route): Route {
  if (allowed) return route;
  return async () => {
    throw new HttpError(405, "Method not allowed");
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Admin pages

function appName(ctx: ShellContext): string {
  return ctx.appName ?? DEFAULT_APP_NAME;
}

function appHandle(ctx: ShellContext): string {
  return ctx.appHandle ?? DEFAULT_APP_HANDLE;
}

/**
 * The stand-in posts messages to the origin it was loaded from (SHOPIFY_ADMIN_ORIGIN); a shell opened under
 * another name for the same server (localhost vs 127.0.0.1) would never hear from it, so pages move there first.
 */
function redirectIfNotCanonical(req: IncomingMessage, res: ServerResponse, ctx: ShellContext, url: URL): boolean {
  const canonical = new URL(ctx.origin);
  if (!req.headers.host || req.headers.host === canonical.host) return false;
  redirect(res, 302, canonical.origin + url.pathname + url.search);
  return true;
}

async function redirectHome(req: IncomingMessage, res: ServerResponse, ctx: ShellContext): Promise<void> {
  redirect(res, 302, adminAppUrl(ctx.origin, DEFAULT_SHOP, "", appHandle(ctx)));
}

function shopFor(ctx: ShellContext, name: string) {
  if (!SHOP_NAME.test(name)) throw new HttpError(404, `There is no store called "${name}" in the simulator.`);
  const shop = `${name.toLowerCase()}.myshopify.com`;
  const info = ctx.store.getShop(shop);
  if (!info) throw new HttpError(404, `There is no store ${shop} in the simulator.`);
  return info;
}

function chromeBase(ctx: ShellContext, info: ShellShop) {
  return {
    shop: info.shop,
    shopDisplayName: info.name,
    appName: appName(ctx),
    appBasePath: `/store/${shopName(info.shop)}/apps/${appHandle(ctx)}`,
    appHomePath: APP_HOME_PATH,
  };
}

async function storeRoute(req: IncomingMessage, res: ServerResponse, ctx: ShellContext, url: URL): Promise<void> {
  const match = /^\/store\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (!match) throw new HttpError(404, "Open a store: /store/<name>/apps/" + appHandle(ctx));
  const rest = match[2] ?? "";
  if (rest === "/oauth/install") {
    await grantPage(req, res, ctx, url, shopFor(ctx, match[1]));
    return;
  }
  if (req.method === "POST") throw new HttpError(405, "Method not allowed");
  if (redirectIfNotCanonical(req, res, ctx, url)) return;
  const info = shopFor(ctx, match[1]);
  const app = /^\/apps\/([^/]+)(\/.*)?$/.exec(rest);
  if (app) {
    if (app[1] !== appHandle(ctx) && app[1] !== ctx.apiKey) {
      throw new HttpError(404, `No app "${app[1]}" is installed on ${info.shop}; the simulator serves ${appName(ctx)}.`);
    }
    appPage(res, ctx, info, app[2] ?? "", url.searchParams);
    return;
  }
  placeholderPage(res, ctx, info, rest);
}

function appPage(res: ServerResponse, ctx: ShellContext, info: ShellShop, subPath: string, query: URLSearchParams): void {
  const appQuery = new URLSearchParams(query);
  for (const name of EMBEDDED_PARAMS) appQuery.delete(name);
  const search = appQuery.toString();
  const appPath = (subPath === "" || subPath === "/" ? APP_HOME_PATH : subPath) + (search ? `?${search}` : "");
  const frameUrl = buildFrameUrl({
    appUrl: ctx.appUrl,
    apiSecret: ctx.apiSecret,
    shop: info.shop,
    appPath,
    idToken: ctx.signIdToken(info.shop),
  });
  const base = chromeBase(ctx, info);
  const html = renderChrome({
    ...base,
    title: `${appName(ctx)} · ${info.name}`,
    current: "app",
    main: renderAppMain({ appName: appName(ctx), frameUrl, appUrl: ctx.appUrl, simulatorOrigin: ctx.origin }),
    config: {
      ...base,
      apiKey: ctx.apiKey,
      appOrigin: new URL(ctx.appUrl).origin,
      basePath: base.appBasePath,
      homePath: APP_HOME_PATH,
      host: hostParam(info.shop),
      initialAppPath: appPath,
      hintDelayMs: 4000,
    },
  });
  sendHtml(res, 200, html);
}

const ADMIN_SECTIONS: Record<string, "home" | "orders" | "products" | "customers"> = {
  "": "home",
  orders: "orders",
  products: "products",
  customers: "customers",
};

function placeholderPage(res: ServerResponse, ctx: ShellContext, info: ShellShop, rest: string): void {
  const first = rest.split("/")[1] ?? "";
  const current = ADMIN_SECTIONS[first] ?? "none";
  const label = first === "" ? "Home" : first.replace(/[-_]/g, " ").replace(/^./, (c) => c.toUpperCase());
  const base = chromeBase(ctx, info);
  sendHtml(
    res,
    200,
    renderChrome({
      ...base,
      title: `${label} · ${info.name}`,
      current,
      main: renderMessageMain({
        heading: label,
        message: `This part of Shopify admin (${rest || "/"}) is not simulated. The simulator only hosts ${appName(ctx)}.`,
        linkHref: base.appBasePath,
        linkLabel: `Open ${appName(ctx)}`,
      }),
      config: base,
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Optional-scope grant screen
//
// scopes.request() in the app's server ends in a 401 carrying
// X-Shopify-API-Request-Failure-Reauthorize-Url: https://<shop>/admin/oauth/install?client_id=&scope=&optional_scopes=
// The stand-in hands that URL to the shell, which maps it to /store/<name>/oauth/install and adds return_to (the
// shell URL the merchant was on). Approve grants exactly the requested scopes and goes back there; Decline goes
// back unchanged. A request whose scopes are all granted goes straight back, so a reload can never loop here.

async function grantPageByQuery(req: IncomingMessage, res: ServerResponse, ctx: ShellContext, url: URL): Promise<void> {
  const shop = url.searchParams.get("shop") ?? "";
  const name = /^([a-z0-9][a-z0-9-]*)\.myshopify\.com$/i.exec(shop)?.[1];
  if (!name) throw new HttpError(400, "The install link names no shop (shop=<name>.myshopify.com).");
  await grantPage(req, res, ctx, url, shopFor(ctx, name));
}

function grantSignature(ctx: ShellContext, shop: string, scopes: string[], returnTo: string): string {
  return createHmac("sha256", ctx.apiSecret)
    .update(JSON.stringify(["syncline-simulator-grant", shop, scopes, returnTo]))
    .digest("hex");
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function appHomeFor(ctx: ShellContext, info: ShellShop): string {
  return `/store/${shopName(info.shop)}/apps/${appHandle(ctx)}`;
}

/** Only paths back into this shop's app are accepted, so the grant screen cannot be used as an open redirect. */
function safeReturnTo(ctx: ShellContext, info: ShellShop, candidate: string | null | undefined): string | undefined {
  if (!candidate) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(candidate, ctx.origin);
  } catch {
    return undefined;
  }
  if (parsed.origin !== new URL(ctx.origin).origin) return undefined;
  const prefix = `/store/${shopName(info.shop)}/apps/`;
  if (!parsed.pathname.startsWith(prefix) || /[\\]|\/\//.test(parsed.pathname)) return undefined;
  return parsed.pathname + parsed.search + parsed.hash;
}

function refererPath(req: IncomingMessage): string | undefined {
  const referer = req.headers.referer;
  return typeof referer === "string" ? referer : undefined;
}

async function grantPage(req: IncomingMessage, res: ServerResponse, ctx: ShellContext, url: URL, info: ShellShop): Promise<void> {
  if (req.method === "POST") {
    await grantDecision(req, res, ctx, info);
    return;
  }
  if (redirectIfNotCanonical(req, res, ctx, url)) return;
  const clientId = url.searchParams.get("client_id");
  if (clientId !== null && clientId !== ctx.apiKey) {
    throw new HttpError(400, `This install link is for app "${clientId}"; the simulator serves ${ctx.apiKey}.`);
  }
  const optional = parseScopeList(url.searchParams.get("optional_scopes"));
  const required = parseScopeList(url.searchParams.get("scope"));
  const invalid = [...optional, ...required].filter((s) => !SCOPE_HANDLE.test(s));
  if (invalid.length) throw new HttpError(400, `Not scope handles: ${invalid.join(", ")}`);
  const undeclared = undeclaredScopes(await loadScopeConfig(ctx.scopeConfig), optional);
  if (undeclared.length) {
    throw new HttpError(400, `The app asked for scopes it does not declare in optional_scopes: ${undeclared.join(", ")}.`);
  }
  const requested = [...new Set([...optional, ...missingScopes(info.grantedScopes, required)])];
  const returnTo =
    safeReturnTo(ctx, info, url.searchParams.get("return_to")) ??
    safeReturnTo(ctx, info, refererPath(req)) ??
    appHomeFor(ctx, info);
  if (missingScopes(info.grantedScopes, requested).length === 0) {
    redirect(res, 303, returnTo);
    return;
  }
  const base = chromeBase(ctx, info);
  sendHtml(
    res,
    200,
    renderChrome({
      ...base,
      title: `Grant access · ${appName(ctx)} · ${info.name}`,
      current: "app",
      main: renderGrantMain({
        appName: appName(ctx),
        shop: info.shop,
        action: `/store/${shopName(info.shop)}/oauth/install`,
        scopes: requested.map((handle) => ({ handle, label: scopeLabel(handle) })),
        hidden: {
          shop: info.shop,
          scopes: requested.join(","),
          return_to: returnTo,
          signature: grantSignature(ctx, info.shop, requested, returnTo),
        },
      }),
      config: base,
    }),
  );
}

async function grantDecision(req: IncomingMessage, res: ServerResponse, ctx: ShellContext, info: ShellShop): Promise<void> {
  if (!sameOriginRequest(req, ctx)) throw new HttpError(403, "The grant form must be submitted from the simulator's own pages.");
  const form = new URLSearchParams(await readBody(req));
  const scopes = parseScopeList(form.get("scopes"));
  const returnTo = form.get("return_to") ?? "";
  const signature = form.get("signature") ?? "";
  if (form.get("shop") !== info.shop || !sameSignature(grantSignature(ctx, info.shop, scopes, returnTo), signature)) {
    throw new HttpError(400, "This grant form was altered or belongs to another request; open the app and try again.");
  }
  const destination = safeReturnTo(ctx, info, returnTo) ?? appHomeFor(ctx, info);
  const decision = form.get("decision");
  if (decision === "approve") {
    await ctx.grantScopes(info.shop, scopes);
  } else if (decision !== "decline") {
    throw new HttpError(400, 'decision must be "approve" or "decline"');
  }
  redirect(res, 303, destination);
}

// ---------------------------------------------------------------------------------------------------------------
// JSON endpoints used by the shell page

/**
 * The token endpoint hands out tokens signed with the app's secret, so only the shell page may call it: a custom
 * header forces a CORS preflight (never answered) on cross-origin callers, and Sec-Fetch-Site / Origin, when the
 * browser sends them, must say same-origin.
 */
function assertShellCaller(req: IncomingMessage, ctx: ShellContext): void {
  if (req.headers["x-syncline-shell"] !== "1") throw new HttpError(403, "Shell endpoint: missing X-Syncline-Shell header");
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") throw new HttpError(403, "Shell endpoint: cross-site request refused");
  if (!sameOriginRequest(req, ctx)) throw new HttpError(403, "Shell endpoint: cross-origin request refused");
}

function sameOriginRequest(req: IncomingMessage, ctx: ShellContext): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === new URL(ctx.origin).origin || (req.headers.host !== undefined && origin === `http://${req.headers.host}`);
}

function shopParam(ctx: ShellContext, value: unknown): ShellShop {
  if (typeof value !== "string") throw new HttpError(400, "shop is required");
  const name = /^([a-z0-9][a-z0-9-]*)\.myshopify\.com$/i.exec(value)?.[1];
  if (!name) throw new HttpError(400, `Invalid shop "${value}"`);
  return shopFor(ctx, name);
}

function scopesParam(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((s) => typeof s === "string" && SCOPE_HANDLE.test(s))) {
    throw new HttpError(400, "scopes must be a non-empty array of scope handles");
  }
  return [...new Set(value as string[])];
}

async function scopesDetail(ctx: ShellContext, shop: string): Promise<ScopesDetail> {
  const config = await loadScopeConfig(ctx.scopeConfig);
  const info = ctx.store.getShop(shop);
  return {
    granted: [...(info?.grantedScopes ?? [])],
    required: config?.required ?? [],
    optional: config?.optional ?? [],
  };
}

async function idTokenEndpoint(req: IncomingMessage, res: ServerResponse, ctx: ShellContext, url: URL): Promise<void> {
  assertShellCaller(req, ctx);
  const info = shopParam(ctx, url.searchParams.get("shop"));
  sendJson(res, 200, { idToken: ctx.signIdToken(info.shop) });
}

async function frameUrlEndpoint(req: IncomingMessage, res: ServerResponse, ctx: ShellContext, url: URL): Promise<void> {
  assertShellCaller(req, ctx);
  const info = shopParam(ctx, url.searchParams.get("shop"));
  const path = url.searchParams.get("path") ?? APP_HOME_PATH;
  if (!path.startsWith("/") || path.startsWith("//")) throw new HttpError(400, "path must be an app path starting with /");
  const frameUrl = buildFrameUrl({
    appUrl: ctx.appUrl,
    apiSecret: ctx.apiSecret,
    shop: info.shop,
    appPath: path,
    idToken: ctx.signIdToken(info.shop),
  });
  sendJson(res, 200, { url: frameUrl });
}

async function scopesEndpoint(req: IncomingMessage, res: ServerResponse, ctx: ShellContext, url: URL): Promise<void> {
  assertShellCaller(req, ctx);
  const info = shopParam(ctx, url.searchParams.get("shop"));
  const detail = await scopesDetail(ctx, info.shop);
  const describe = parseScopeList(url.searchParams.get("describe"));
  if (describe.length === 0) {
    sendJson(res, 200, { detail });
    return;
  }
  sendJson(res, 200, {
    detail,
    labels: Object.fromEntries(describe.map((s) => [s, scopeLabel(s)])),
    missing: missingScopes(detail.granted, describe),
    undeclared: undeclaredScopes(await loadScopeConfig(ctx.scopeConfig), describe),
  });
}

async function grantEndpoint(req: IncomingMessage, res: ServerResponse, ctx: ShellContext): Promise<void> {
  assertShellCaller(req, ctx);
  const body = parseJson(await readBody(req));
  const info = shopParam(ctx, body.shop);
  const scopes = scopesParam(body.scopes);
  const undeclared = undeclaredScopes(await loadScopeConfig(ctx.scopeConfig), scopes);
  if (undeclared.length) throw new HttpError(400, `Scopes not declared in optional_scopes: ${undeclared.join(", ")}`);
  await ctx.grantScopes(info.shop, scopes);
  sendJson(res, 200, { detail: await scopesDetail(ctx, info.shop) });
}

async function revokeEndpoint(req: IncomingMessage, res: ServerResponse, ctx: ShellContext): Promise<void> {
  assertShellCaller(req, ctx);
  const body = parseJson(await readBody(req));
  const info = shopParam(ctx, body.shop);
  const scopes = scopesParam(body.scopes);
  if (!ctx.revokeScopes) throw new HttpError(501, "This simulator build cannot revoke scopes (no revokeScopes in the shell context).");
  const config = await loadScopeConfig(ctx.scopeConfig);
  const requiredHit = scopes.filter((s) => config?.required.includes(s));
  if (requiredHit.length) throw new HttpError(400, `Required scopes cannot be revoked: ${requiredHit.join(", ")}`);
  await ctx.revokeScopes(info.shop, scopes);
  sendJson(res, 200, { detail: await scopesDetail(ctx, info.shop) });
}

// ---------------------------------------------------------------------------------------------------------------
// Assets

async function asset(name: string): Promise<string> {
  return readFile(new URL(name, ASSET_DIR), "utf8");
}

/** Both browser scripts share admin-urls.js; one function scope keeps its helper out of the page's globals. */
async function bundle(name: string): Promise<string> {
  const [shared, main] = await Promise.all([asset("admin-urls.js"), asset(name)]);
  return `(function () {\n${shared}\n${main}\n})();\n`;
}

async function serveAppBridge(req: IncomingMessage, res: ServerResponse): Promise<void> {
  send(res, 200, await bundle("app-bridge.js"), {
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": "no-cache",
    // Loaded by the app's pages on another origin.
    "Access-Control-Allow-Origin": "*",
    "Cross-Origin-Resource-Policy": "cross-origin",
  }, req.method === "HEAD");
}

async function serveShellScript(req: IncomingMessage, res: ServerResponse): Promise<void> {
  send(res, 200, await bundle("shell.js"), { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }, req.method === "HEAD");
}

async function serveShellStyles(req: IncomingMessage, res: ServerResponse): Promise<void> {
  send(res, 200, await asset("shell.css"), { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "no-cache" }, req.method === "HEAD");
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP helpers

function statusTitle(status: number): string {
  if (status === 404) return "Not found";
  if (status === 403) return "Not allowed";
  if (status === 405) return "Method not allowed";
  if (status >= 500) return "Simulator error";
  return "Bad request";
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>, headOnly = false): void {
  res.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body).toString() });
  res.end(headOnly ? undefined : body);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, html, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    // The shell frames the app, never the other way round.
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
}

function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  res.writeHead(status, { Location: location, "Cache-Control": "no-store", "Content-Length": "0" });
  res.end();
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "Request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the 400 below
  }
  throw new HttpError(400, "Expected a JSON object body");
}
