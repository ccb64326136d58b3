// Test support for the admin shell: a bare node:http server around handleShellRequest with an in-memory shop,
// and a fake embedded app that behaves like @shopify/shopify-app-remix on the wire (id_token on document loads,
// Bearer tokens on fetches, the bounce page, and the 401 + reauthorize header of scopes.request).
import "@shopify/shopify-api/adapters/node";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { ApiVersion, shopifyApi, type JwtPayload } from "@shopify/shopify-api";

import { signJwtHs256 } from "../jwt";
import { handleShellRequest, type ScopeConfig, type ShellContext, type ShellShop } from "./index";

export const TEST_API_KEY = "syncline-demo-key";
export const TEST_API_SECRET = "syncline-demo-secret";
export const TEST_SHOP = "syncline-demo.myshopify.com";

export interface ShellHarness {
  origin: string;
  ctx: ShellContext;
  shop: ShellShop;
  grants: { shop: string; scopes: string[] }[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** A session token as Shopify admin signs it; `issuedAt` (seconds) lets a test make an authentic but stale one. */
export function sessionToken(shop: string, opts: { issuedAt?: number } = {}): string {
  const now = opts.issuedAt ?? Math.floor(Date.now() / 1000);
  return signJwtHs256(
    {
      iss: `https://${shop}/admin`,
      dest: `https://${shop}`,
      aud: TEST_API_KEY,
      sub: "1",
      exp: now + 60,
      nbf: now,
      iat: now,
      jti: randomUUID(),
      sid: randomUUID(),
    },
    TEST_API_SECRET,
  );
}

export async function startShellHarness(opts: { appUrl?: string; grantedScopes?: string[]; scopeConfig?: ScopeConfig } = {}): Promise<ShellHarness> {
  const shop: ShellShop = { shop: TEST_SHOP, name: "Syncline Demo", grantedScopes: [...(opts.grantedScopes ?? [])] };
  const grants: ShellHarness["grants"] = [];
  const ctx: ShellContext = {
    store: { getShop: (domain) => (domain === shop.shop ? shop : undefined) },
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    appUrl: opts.appUrl ?? "http://127.0.0.1:9",
    origin: "",
    scopeConfig: opts.scopeConfig ?? { required: [], optional: ["read_orders", "read_customers", "write_customers", "read_products"] },
    async grantScopes(domain, scopes) {
      grants.push({ shop: domain, scopes: [...scopes] });
      for (const scope of scopes) if (!shop.grantedScopes.includes(scope)) shop.grantedScopes.push(scope);
    },
    signIdToken: (domain) => sessionToken(domain),
  };
  const server = createServer((req, res) => {
    handleShellRequest(req, res, ctx).then(
      (handled) => {
        if (!handled) {
          res.writeHead(404, { "Content-Type": "text/plain" });
          res.end("not a shell route");
        }
      },
      (error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      },
    );
  });
  ctx.origin = await listen(server);
  return { origin: ctx.origin, ctx, shop, grants, close: () => closeServer(server) };
}

// ---------------------------------------------------------------------------------------------------------------
// Fake embedded app

export interface FakeApp {
  origin: string;
  /** Session tokens the app accepted, by where they came from. */
  accepted: { via: "id_token" | "bearer"; path: string; payload: JwtPayload }[];
  close(): Promise<void>;
}

const PAGE = (simOrigin: string, apiKey: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fake app</title>
<style>
  body { font: 14px/1.5 -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; padding: 20px; background: #f1f1f1; color: #303030; }
  .card { background: #fff; border-radius: 12px; padding: 16px 20px; box-shadow: 0 1px 0 #d4d4d4, 0 0 0 1px #e3e3e3; margin-bottom: 16px; }
  h2 { font-size: 14px; margin: 0 0 8px; } p { margin: 0 0 8px; } .badge { background: #e3e3e3; border-radius: 8px; padding: 2px 8px; font-size: 12px; }
  button { font: inherit; margin: 0 8px 8px 0; padding: 6px 12px; border-radius: 8px; border: 0; background: #fff; box-shadow: 0 0 0 1px #d4d4d4, 0 1px 0 #b5b5b5; cursor: pointer; }
  .grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 16px; }
</style></head>
<body>
<script src="${simOrigin}/app-bridge.js" data-api-key="${apiKey}"></script>
<ui-nav-menu><a href="/app" rel="home">Home</a><a href="/app/settings">Settings</a><a href="/app/activity">Activity</a></ui-nav-menu>
<ui-title-bar id="title-bar" title="Home"><button variant="primary" id="tb-primary">Sync now</button></ui-title-bar>
<ui-save-bar id="save-bar"><button variant="primary" id="sb-save">Save</button><button id="sb-discard">Discard</button></ui-save-bar>
<ui-modal id="modal"><p>Remove this sync?</p><ui-title-bar title="Confirm"><button variant="primary" id="modal-ok">Remove</button><button id="modal-cancel">Cancel</button></ui-title-bar></ui-modal>
<div class="card"><h2 id="page-heading">Home</h2><p>Shop: <span id="shop"></span></p><p>Result: <output id="result">-</output></p></div>
<div class="grid">
  <div class="card"><h2>Purchases</h2><p><span class="badge">off</span></p></div>
  <div class="card"><h2>Consent</h2><p><span class="badge">off</span></p></div>
  <div class="card"><h2>Catalog</h2><p><span class="badge">off</span></p></div>
</div>
<div class="card">
  <button id="whoami">Call API</button><button id="toast">Toast</button><button id="dirty">Edit</button>
  <button id="open-modal">Open modal</button><button id="request-scopes">Request orders (App Bridge)</button>
  <button id="enable-orders">Enable orders (server)</button>
</div>
<script>
  var out = document.getElementById("result");
  var headings = { "/app": "Home", "/app/settings": "Settings", "/app/activity": "Activity" };
  function render() {
    var h = headings[location.pathname] || location.pathname;
    document.getElementById("page-heading").textContent = h;
    document.getElementById("title-bar").setAttribute("title", h);
  }
  // What shopify-app-remix's AppProvider does: route "shopify:navigate" through the client router.
  addEventListener("shopify:navigate", function (event) {
    history.pushState(null, "", event.target.getAttribute("href"));
    render();
  });
  render();
  document.getElementById("shop").textContent = shopify.config.shop;
  document.getElementById("tb-primary").addEventListener("click", function () { out.textContent = "title-bar primary clicked"; });
  document.getElementById("sb-save").addEventListener("click", function () { out.textContent = "saved"; shopify.saveBar.hide("save-bar"); });
  document.getElementById("sb-discard").addEventListener("click", function () { out.textContent = "discarded"; shopify.saveBar.hide("save-bar"); });
  document.getElementById("modal-ok").addEventListener("click", function () { out.textContent = "modal confirmed"; shopify.modal.hide("modal"); });
  document.getElementById("whoami").addEventListener("click", function () {
    fetch("/api/whoami").then(function (r) { return r.json(); }).then(function (j) { out.textContent = "whoami " + j.shop; });
  });
  document.getElementById("toast").addEventListener("click", function () { shopify.toast.show("Settings saved"); });
  document.getElementById("dirty").addEventListener("click", function () { shopify.saveBar.show("save-bar"); });
  document.getElementById("open-modal").addEventListener("click", function () { shopify.modal.show("modal"); });
  document.getElementById("request-scopes").addEventListener("click", function () {
    shopify.scopes.request(["read_customers"]).then(function (r) { out.textContent = "scopes " + r.result + " " + r.detail.granted.join(","); },
      function (e) { out.textContent = "scopes error " + e.message; });
  });
  document.getElementById("enable-orders").addEventListener("click", function () {
    fetch("/api/enable-orders", { method: "POST" }).then(function (r) { return r.json(); }).then(function (j) { out.textContent = "enabled " + j.enabled; });
  });
</script>
</body></html>`;

const BOUNCE = (simOrigin: string, apiKey: string) =>
  `<!doctype html><html><head><meta charset="utf-8"></head><body><script data-api-key="${apiKey}" src="${simOrigin}/app-bridge.js"></script></body></html>`;

/**
 * The fake app asks the harness whether the shop holds read_orders, like the real app asks the Admin API in
 * scopes.request; `grantedScopes` is read live.
 */
export async function startFakeApp(opts: {
  simulatorOrigin: () => string;
  grantedScopes: () => string[];
  apiKey?: string;
  apiSecret?: string;
}): Promise<FakeApp> {
  const apiKey = opts.apiKey ?? TEST_API_KEY;
  const apiSecret = opts.apiSecret ?? TEST_API_SECRET;
  const accepted: FakeApp["accepted"] = [];
  let origin = "";
  const api = () =>
    shopifyApi({
      apiKey,
      apiSecretKey: apiSecret,
      apiVersion: ApiVersion.July26,
      hostName: new URL(origin).host,
      hostScheme: "http",
      isEmbeddedApp: true,
      logger: { level: 0 },
    });

  async function verify(token: string | null | undefined, via: "id_token" | "bearer", path: string): Promise<JwtPayload | undefined> {
    if (!token) return undefined;
    try {
      const payload = await api().session.decodeSessionToken(token);
      accepted.push({ via, path, payload });
      return payload;
    } catch {
      return undefined;
    }
  }

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", origin);
    const sim = opts.simulatorOrigin();
    const bearer = req.headers.authorization?.replace(/^Bearer /, "");
    const headers = {
      "Content-Type": "text/html; charset=utf-8",
      // What the lead's app must send: the simulator has to be an allowed frame ancestor.
      "Content-Security-Policy": `frame-ancestors ${sim}`,
    };
    if (url.pathname === "/auth/session-token") {
      res.writeHead(200, headers);
      res.end(BOUNCE(sim, apiKey));
      return;
    }
    if (url.pathname.startsWith("/api/")) {
      const payload = await verify(bearer, "bearer", url.pathname);
      if (!payload) {
        res.writeHead(401, { "X-Shopify-Retry-Invalid-Session-Request": "1" });
        res.end();
        return;
      }
      const shop = new URL(payload.dest).hostname;
      if (url.pathname === "/api/enable-orders") {
        if (!opts.grantedScopes().includes("read_orders")) {
          const install = `https://${shop}/admin/oauth/install?client_id=${apiKey}&scope=&optional_scopes=read_orders`;
          res.writeHead(401, { "X-Shopify-API-Request-Failure-Reauthorize-Url": install });
          res.end();
          return;
        }
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ enabled: true }));
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ shop }));
      return;
    }
    if (url.pathname === "/app" || url.pathname.startsWith("/app/")) {
      if (url.searchParams.get("embedded") !== "1") {
        res.writeHead(400, { "Content-Type": "text/plain" });
        res.end("not embedded");
        return;
      }
      const payload = await verify(url.searchParams.get("id_token"), "id_token", url.pathname);
      if (!payload) {
        // As the library does: go to the bounce page, which reloads this URL with a fresh token.
        const reload = new URL(url);
        reload.searchParams.delete("id_token");
        const bounce = new URL("/auth/session-token", origin);
        reload.searchParams.forEach((value, key) => bounce.searchParams.set(key, value));
        bounce.searchParams.set("shopify-reload", reload.href);
        res.writeHead(302, { Location: bounce.href });
        res.end();
        return;
      }
      res.writeHead(200, headers);
      res.end(PAGE(sim, apiKey));
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("not found");
  };

  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  origin = await listen(server);
  return { origin, accepted, close: () => closeServer(server) };
}
