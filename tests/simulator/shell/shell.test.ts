import "@shopify/shopify-api/adapters/node";
import { readFile } from "node:fs/promises";
import vm from "node:vm";

import { ApiVersion, shopifyApi } from "@shopify/shopify-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { startShellHarness, TEST_API_KEY, TEST_API_SECRET, TEST_SHOP, type ShellHarness } from "./test-support";

// The app's own view of Shopify's parameters: the same library authenticate.admin uses.
const shopifyLib = shopifyApi({
  apiKey: TEST_API_KEY,
  apiSecretKey: TEST_API_SECRET,
  apiVersion: ApiVersion.July26,
  hostName: "127.0.0.1:3000",
  hostScheme: "http",
  isEmbeddedApp: true,
  logger: { level: 0 },
});

const APP_URL = "http://127.0.0.1:3000";
const SHELL_HEADERS = { "X-Syncline-Shell": "1" };

let shell: ShellHarness;

beforeEach(async () => {
  shell = await startShellHarness({ appUrl: APP_URL });
});

afterEach(async () => {
  await shell.close();
});

function get(path: string, headers: Record<string, string> = {}) {
  return fetch(shell.origin + path, { redirect: "manual", headers });
}

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_entity, code: string) => String.fromCharCode(Number(code)));
}

function iframeSrc(html: string): URL {
  const match = /<iframe[^>]*\bid="app-frame"[^>]*\bsrc="([^"]+)"/.exec(html);
  if (!match) throw new Error("no app iframe in the page");
  return new URL(decodeEntities(match[1]));
}

function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1]] = decodeEntities(m[2]);
  }
  return fields;
}

function postForm(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(shell.origin + path, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: shell.origin, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

async function grantForm(query: string) {
  const page = await get(`/store/syncline-demo/oauth/install?${query}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  return { html, fields: hiddenFields(html) };
}

describe("admin shell page", () => {
  it("GIVEN the simulator root WHEN opened THEN it redirects to the demo shop's app", async () => {
    const res = await get("/");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${shell.origin}/store/syncline-demo/apps/syncline`);
  });

  it("GIVEN the app URL in the admin WHEN opened THEN the page has the top bar, the admin nav, the app section and the iframe", async () => {
    const res = await get("/store/syncline-demo/apps/syncline");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<header class="topbar">');
    expect(html).toContain("Syncline Demo");
    for (const label of ["Home", "Orders", "Products", "Customers"]) expect(html).toContain(`<span>${label}</span>`);
    expect(html).toMatch(/id="apps-heading">Apps/);
    expect(html).toMatch(/id="app-nav-home"[^>]*>.*<span>Syncline<\/span>/);
    expect(html).toContain('id="app-nav-items"');
    expect(html).toContain('<h1 id="titlebar-title">Syncline</h1>');
    expect(html).toContain('id="savebar"');
    expect(html).toContain('id="toasts"');
    expect(html).toContain('<script src="/_shell/shell.js" defer></script>');
    expect(html).not.toMatch(/cdn\.shopify\.com/);
    iframeSrc(html);
  });

  it("GIVEN the shell page WHEN the iframe URL is read THEN it carries what authenticate.admin needs for an embedded document load", async () => {
    const src = iframeSrc(await (await get("/store/syncline-demo/apps/syncline")).text());
    expect(src.origin + src.pathname).toBe(`${APP_URL}/app`);
    const params = src.searchParams;
    expect(params.get("embedded")).toBe("1");
    expect(params.get("shop")).toBe(TEST_SHOP);
    expect(params.get("locale")).toBe("en");
    expect(shopifyLib.utils.sanitizeShop(params.get("shop")!)).toBe(TEST_SHOP);
    // validateShopAndHostParams: host must be base64 of an admin host.
    expect(shopifyLib.utils.sanitizeHost(params.get("host")!)).toBe(params.get("host"));
    expect(Buffer.from(params.get("host")!, "base64").toString()).toBe("admin.shopify.com/store/syncline-demo");
    expect(await shopifyLib.utils.validateHmac(Object.fromEntries(params))).toBe(true);
  });

  it("GIVEN the shell page WHEN its id_token is decoded with the API secret THEN it is a valid session token for the shop and app", async () => {
    const src = iframeSrc(await (await get("/store/syncline-demo/apps/syncline")).text());
    const token = src.searchParams.get("id_token")!;
    const payload = await shopifyLib.session.decodeSessionToken(token);
    expect(payload.dest).toBe(`https://${TEST_SHOP}`);
    expect(payload.iss).toBe(`https://${TEST_SHOP}/admin`);
    expect(payload.aud).toBe(TEST_API_KEY);
    expect(payload.exp).toBeGreaterThan(Date.now() / 1000);
    const otherSecret = shopifyApi({
      apiKey: TEST_API_KEY,
      apiSecretKey: "another-secret",
      apiVersion: ApiVersion.July26,
      hostName: "127.0.0.1:3000",
      isEmbeddedApp: true,
      logger: { level: 0 },
    });
    await expect(otherSecret.session.decodeSessionToken(token)).rejects.toThrow();
  });

  it("GIVEN a deep link with the app's own query and a stale token WHEN opened THEN the iframe loads that path, keeps the query and gets a fresh token", async () => {
    const html = await (await get("/store/syncline-demo/apps/syncline/app/settings?tab=consent&id_token=stale&shop=evil.myshopify.com")).text();
    const src = iframeSrc(html);
    expect(src.pathname).toBe("/app/settings");
    expect(src.searchParams.get("tab")).toBe("consent");
    expect(src.searchParams.getAll("id_token")).toHaveLength(1);
    expect(src.searchParams.get("id_token")).not.toBe("stale");
    expect(src.searchParams.getAll("shop")).toEqual([TEST_SHOP]);
    expect(html).toContain('"initialAppPath":"/app/settings?tab=consent"');
  });

  it("GIVEN the library's admin URL form /apps/<api key> WHEN opened THEN it serves the same app", async () => {
    const res = await get(`/store/syncline-demo/apps/${TEST_API_KEY}/app`);
    expect(res.status).toBe(200);
    expect(iframeSrc(await res.text()).pathname).toBe("/app");
  });

  it.each([
    ["an unknown shop", "/store/nope/apps/syncline"],
    ["an unknown app", "/store/syncline-demo/apps/other-app"],
    ["an invalid shop name", "/store/bad%20name/apps/syncline"],
  ])("GIVEN %s WHEN opened THEN 404", async (_label, path) => {
    expect((await get(path)).status).toBe(404);
  });

  it("GIVEN an admin page the simulator does not have WHEN opened THEN a placeholder says so and links to the app", async () => {
    const res = await get("/store/syncline-demo/products/123");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("is not simulated");
    expect(html).toContain('href="/store/syncline-demo/apps/syncline"');
  });

  it("GIVEN another host name for the simulator WHEN the shell is opened THEN it moves to the canonical origin", async () => {
    const port = new URL(shell.origin).port;
    const res = await fetch(`http://localhost:${port}/store/syncline-demo/apps/syncline/app?x=1`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${shell.origin}/store/syncline-demo/apps/syncline/app?x=1`);
  });

  it("GIVEN a route that is not the shell's WHEN requested THEN the handler leaves it to the simulator", async () => {
    expect((await get("/admin/api/2026-07/graphql.json")).status).toBe(404);
    expect(await (await get("/admin/oauth/access_token")).text()).toBe("not a shell route");
  });
});

describe("scripts", () => {
  it.each(["/app-bridge.js", "/_shell/shell.js"])("GIVEN %s WHEN served THEN it is one valid classic script", async (path) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    const source = await res.text();
    expect(() => new vm.Script(source)).not.toThrow();
    expect(source).not.toMatch(/https:\/\/cdn\.shopify\.com\/[^\s"']*\.js["']/);
  });

  it("GIVEN the App Bridge stand-in WHEN served THEN other origins may load it", async () => {
    const res = await get("/app-bridge.js");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("admin URL rewriting (stand-in and shell)", () => {
  let rewrite: (raw: string, origin: string, shop?: string) => string;

  beforeEach(async () => {
    const source = await readFile(new URL("./assets/admin-urls.js", import.meta.url), "utf8");
    const sandbox: Record<string, unknown> = { URL };
    vm.runInNewContext(`${source}\nthis.rewrite = synclineToSimulatorUrl;`, sandbox);
    rewrite = sandbox.rewrite as typeof rewrite;
  });

  it.each([
    [
      "the install URL scopes.request redirects to",
      "https://syncline-demo.myshopify.com/admin/oauth/install?client_id=k&scope=&optional_scopes=read_orders",
      "http://sim/store/syncline-demo/oauth/install?client_id=k&scope=&optional_scopes=read_orders",
    ],
    ["a shop admin page", "https://syncline-demo.myshopify.com/admin/products/1", "http://sim/store/syncline-demo/products/1"],
    ["the shop admin root", "https://syncline-demo.myshopify.com/admin", "http://sim/store/syncline-demo"],
    ["admin.shopify.com", "https://admin.shopify.com/store/syncline-demo/apps/syncline/app", "http://sim/store/syncline-demo/apps/syncline/app"],
    ["the shopify:// admin scheme", "shopify://admin/orders?status=open", "http://sim/store/syncline-demo/orders?status=open"],
    ["the app's own URL", "http://127.0.0.1:3000/app/settings", "http://127.0.0.1:3000/app/settings"],
    ["a storefront URL", "https://syncline-demo.myshopify.com/products/shirt", "https://syncline-demo.myshopify.com/products/shirt"],
    ["another site", "https://example.com/admin/x", "https://example.com/admin/x"],
  ])("GIVEN %s WHEN rewritten THEN it points at the right place", (_label, raw, expected) => {
    expect(rewrite(raw, "http://sim", TEST_SHOP)).toBe(expected);
  });
});

describe("optional-scope grant page", () => {
  const RETURN_TO = "/store/syncline-demo/apps/syncline/app/settings";
  const QUERY = `client_id=${TEST_API_KEY}&scope=&optional_scopes=read_orders,write_customers&return_to=${encodeURIComponent(RETURN_TO)}`;

  it("GIVEN the library's install URL WHEN opened THEN the page lists the requested scopes by name with Approve and Decline", async () => {
    const { html } = await grantForm(QUERY);
    expect(html).toContain("Syncline is requesting more access");
    expect(html).toMatch(/<span class="scope-name">View orders<\/span><code class="scope-handle">read_orders<\/code>/);
    expect(html).toMatch(/<span class="scope-name">Edit customers<\/span><code class="scope-handle">write_customers<\/code>/);
    expect(html).toMatch(/<button type="submit"[^>]*value="approve">Approve<\/button>/);
    expect(html).toMatch(/<button type="submit"[^>]*value="decline">Decline<\/button>/);
    expect(html.match(/class="scope-item"/g)).toHaveLength(2);
  });

  it("GIVEN the grant page WHEN the merchant approves THEN exactly the requested scopes are granted and the browser goes back to the app page", async () => {
    const { fields } = await grantForm(QUERY);
    const res = await postForm("/store/syncline-demo/oauth/install", { ...fields, decision: "approve" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(RETURN_TO);
    expect(shell.grants).toEqual([{ shop: TEST_SHOP, scopes: ["read_orders", "write_customers"] }]);
  });

  it("GIVEN the grant page WHEN the merchant declines THEN nothing is granted and the browser goes back to the app page", async () => {
    const { fields } = await grantForm(QUERY);
    const res = await postForm("/store/syncline-demo/oauth/install", { ...fields, decision: "decline" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(RETURN_TO);
    expect(shell.grants).toEqual([]);
    expect(shell.shop.grantedScopes).toEqual([]);
  });

  it("GIVEN an approval WHEN the same install URL is opened again THEN it goes straight back to the app (no loop)", async () => {
    const { fields } = await grantForm(QUERY);
    await postForm("/store/syncline-demo/oauth/install", { ...fields, decision: "approve" });
    const again = await get(`/store/syncline-demo/oauth/install?${QUERY}`);
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe(RETURN_TO);
    expect(shell.grants).toHaveLength(1);
  });

  it("GIVEN write_X already granted WHEN read_X is requested THEN it counts as granted", async () => {
    shell.shop.grantedScopes.push("write_customers");
    const res = await get(`/store/syncline-demo/oauth/install?optional_scopes=read_customers&return_to=${encodeURIComponent(RETURN_TO)}`);
    expect(res.status).toBe(303);
  });

  it("GIVEN a form whose scopes were edited WHEN submitted THEN it is refused and nothing is granted", async () => {
    const { fields } = await grantForm(QUERY);
    const res = await postForm("/store/syncline-demo/oauth/install", { ...fields, scopes: "read_orders,write_customers,write_products", decision: "approve" });
    expect(res.status).toBe(400);
    expect(shell.grants).toEqual([]);
  });

  it("GIVEN a form posted from another site WHEN submitted THEN it is refused and nothing is granted", async () => {
    const { fields } = await grantForm(QUERY);
    const res = await postForm("/store/syncline-demo/oauth/install", { ...fields, decision: "approve" }, { Origin: "http://evil.example" });
    expect(res.status).toBe(403);
    expect(shell.grants).toEqual([]);
  });

  it.each([
    ["another site", "https://evil.example/steal"],
    ["a protocol-relative URL", "//evil.example/x"],
    ["another shop's app", "/store/other-shop/apps/syncline/app"],
    ["a non-app admin page", "/store/syncline-demo/settings"],
  ])("GIVEN return_to pointing at %s WHEN approved THEN the browser goes to the app home instead", async (_label, returnTo) => {
    const { fields } = await grantForm(`optional_scopes=read_orders&return_to=${encodeURIComponent(returnTo)}`);
    const res = await postForm("/store/syncline-demo/oauth/install", { ...fields, decision: "approve" });
    expect(res.headers.get("location")).toBe("/store/syncline-demo/apps/syncline");
  });

  it("GIVEN no return_to but a referring app page WHEN the page is opened THEN it returns there", async () => {
    const res = await get("/store/syncline-demo/oauth/install?optional_scopes=read_orders", {
      Referer: `${shell.origin}/store/syncline-demo/apps/syncline/app/activity`,
    });
    expect(hiddenFields(await res.text()).return_to).toBe("/store/syncline-demo/apps/syncline/app/activity");
  });

  it("GIVEN the shop as a query parameter (/admin/oauth/install?shop=) WHEN opened THEN the same page renders", async () => {
    const res = await get(`/admin/oauth/install?shop=${TEST_SHOP}&optional_scopes=read_orders`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("View orders");
  });

  it.each([
    ["a scope the app does not declare", `optional_scopes=write_themes`, 400],
    ["another app's client_id", `client_id=other&optional_scopes=read_orders`, 400],
    ["a malformed scope", `optional_scopes=read_orders%3Cscript%3E`, 400],
  ])("GIVEN %s WHEN the page is opened THEN it is refused", async (_label, query, status) => {
    const res = await get(`/store/syncline-demo/oauth/install?${query}`);
    expect(res.status).toBe(status);
    expect(shell.grants).toEqual([]);
  });
});

describe("shell endpoints for the stand-in", () => {
  it("GIVEN the shell header WHEN a token is asked for THEN a valid session token comes back", async () => {
    const res = await get(`/_shell/id-token?shop=${TEST_SHOP}`, { ...SHELL_HEADERS, "Sec-Fetch-Site": "same-origin" });
    expect(res.status).toBe(200);
    const { idToken } = (await res.json()) as { idToken: string };
    expect((await shopifyLib.session.decodeSessionToken(idToken)).dest).toBe(`https://${TEST_SHOP}`);
  });

  it.each([
    ["without the shell header", {}],
    ["from another site", { ...SHELL_HEADERS, "Sec-Fetch-Site": "cross-site" }],
    ["from another origin", { ...SHELL_HEADERS, Origin: "http://evil.example" }],
  ])("GIVEN a request %s WHEN a token is asked for THEN 403", async (_label, headers) => {
    const res = await get(`/_shell/id-token?shop=${TEST_SHOP}`, headers as Record<string, string>);
    expect(res.status).toBe(403);
  });

  it("GIVEN an unknown shop WHEN a token is asked for THEN 404", async () => {
    expect((await get("/_shell/id-token?shop=nope.myshopify.com", SHELL_HEADERS)).status).toBe(404);
  });

  it("GIVEN scopes WHEN queried and granted through the JSON API THEN the detail follows the grant", async () => {
    const before = await (await get(`/_shell/scopes?shop=${TEST_SHOP}&describe=read_orders`, SHELL_HEADERS)).json();
    expect(before).toMatchObject({
      detail: { granted: [], required: [], optional: ["read_orders", "read_customers", "write_customers", "read_products"] },
      labels: { read_orders: "View orders" },
      missing: ["read_orders"],
      undeclared: [],
    });
    const res = await fetch(`${shell.origin}/_shell/scopes/grant`, {
      method: "POST",
      headers: { ...SHELL_HEADERS, "Content-Type": "application/json" },
      body: JSON.stringify({ shop: TEST_SHOP, scopes: ["read_orders"] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { detail: { granted: string[] } }).detail.granted).toEqual(["read_orders"]);
    expect(shell.grants).toEqual([{ shop: TEST_SHOP, scopes: ["read_orders"] }]);
  });

  it("GIVEN an app path WHEN a frame URL is asked for THEN it is signed like the page's", async () => {
    const res = await get(`/_shell/frame-url?shop=${TEST_SHOP}&path=${encodeURIComponent("/app/activity?page=2")}`, SHELL_HEADERS);
    const url = new URL(((await res.json()) as { url: string }).url);
    expect(url.pathname).toBe("/app/activity");
    expect(url.searchParams.get("page")).toBe("2");
    expect(await shopifyLib.utils.validateHmac(Object.fromEntries(url.searchParams))).toBe(true);
  });

  it("GIVEN a path to another host WHEN a frame URL is asked for THEN 400", async () => {
    expect((await get(`/_shell/frame-url?shop=${TEST_SHOP}&path=${encodeURIComponent("//evil.example/x")}`, SHELL_HEADERS)).status).toBe(400);
  });

  it("GIVEN no revokeScopes in the context WHEN revoke is asked for THEN it says so instead of pretending", async () => {
    const res = await fetch(`${shell.origin}/_shell/scopes/revoke`, {
      method: "POST",
      headers: { ...SHELL_HEADERS, "Content-Type": "application/json" },
      body: JSON.stringify({ shop: TEST_SHOP, scopes: ["read_orders"] }),
    });
    expect(res.status).toBe(501);
  });
});
