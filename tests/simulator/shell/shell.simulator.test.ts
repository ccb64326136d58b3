// The shell mounted in the real simulator (startSimulator): its tokens, its store and its GraphQL endpoint.
import "@shopify/shopify-api/adapters/node";

import { ApiVersion, shopifyApi } from "@shopify/shopify-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { Simulator } from "../server";
import { API_KEY, API_SECRET, gql, SHOP, startTestSimulator } from "../test-support";

const APP_URL = "http://127.0.0.1:3000";

// The app's view: the library authenticate.admin validates tokens with.
const shopifyLib = shopifyApi({
  apiKey: API_KEY,
  apiSecretKey: API_SECRET,
  apiVersion: ApiVersion.July26,
  hostName: "127.0.0.1:3000",
  hostScheme: "http",
  isEmbeddedApp: true,
  logger: { level: 0 },
});

// What @shopify/shopify-app-remix's scopes.request asks before deciding to redirect to the grant screen.
const FETCH_ACCESS_SCOPES = `query FetchAccessScopes {
  app { requestedAccessScopes { handle } optionalAccessScopes { handle } installation { accessScopes { handle } } }
}`;

let sim: Simulator;

beforeAll(async () => {
  sim = await startTestSimulator({ appUrl: APP_URL });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(() => {
  sim.reset();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(sim.origin + path, { redirect: "manual", headers });

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_entity, code: string) => String.fromCharCode(Number(code)));
}

function hiddenFields(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], decodeEntities(m[2])]));
}

async function installedScopes(): Promise<string[]> {
  const result = await gql(sim, sim.accessToken(SHOP), FETCH_ACCESS_SCOPES);
  const app = result.body.data?.app as { installation: { accessScopes: { handle: string }[] } };
  return app.installation.accessScopes.map((s) => s.handle).sort();
}

async function openGrant(returnTo: string) {
  const res = await get(
    `/store/syncline-demo/oauth/install?client_id=${API_KEY}&scope=read_products&optional_scopes=read_orders&return_to=${encodeURIComponent(returnTo)}`,
  );
  expect(res.status).toBe(200);
  return hiddenFields(await res.text());
}

function decide(fields: Record<string, string>, decision: "approve" | "decline") {
  return fetch(`${sim.origin}/store/syncline-demo/oauth/install`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: sim.origin },
    body: new URLSearchParams({ ...fields, decision }).toString(),
  });
}

describe("admin shell in the simulator", () => {
  it("GIVEN the simulator WHEN / is opened THEN it lands on the demo shop's app in the shell", async () => {
    const root = await get("/");
    expect(root.status).toBe(302);
    const location = root.headers.get("location")!;
    expect(location).toBe(`${sim.origin}/store/syncline-demo/apps/syncline`);
    const page = await get(new URL(location).pathname);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(sim.store.shop(SHOP).name);
  });

  it("GIVEN the shell page WHEN its iframe id_token is checked like authenticate.admin does THEN the simulator's token is valid for the app", async () => {
    const html = await (await get("/store/syncline-demo/apps/syncline/app")).text();
    const src = new URL(decodeEntities(/id="app-frame"[^>]*src="([^"]+)"/.exec(html)![1]));
    expect(src.origin).toBe(APP_URL);
    const payload = await shopifyLib.session.decodeSessionToken(src.searchParams.get("id_token")!);
    expect(payload.dest).toBe(`https://${SHOP}`);
    expect(payload.aud).toBe(API_KEY);
    expect(await shopifyLib.utils.validateHmac(Object.fromEntries(src.searchParams))).toBe(true);
  });

  it("GIVEN a token from the shell's endpoint WHEN the app exchanges it THEN the simulator issues an access token", async () => {
    const tokenRes = await get(`/_shell/id-token?shop=${SHOP}`, { "X-Syncline-Shell": "1" });
    const { idToken } = (await tokenRes.json()) as { idToken: string };
    const exchange = await fetch(`${sim.origin}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Simulator-Shop": SHOP },
      body: JSON.stringify({
        client_id: API_KEY,
        client_secret: API_SECRET,
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: idToken,
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
        requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      }),
    });
    expect(exchange.status).toBe(200);
    expect((await exchange.json()) as { access_token?: string }).toHaveProperty("access_token");
  });

  it("GIVEN the grant screen WHEN approved THEN the app's own scope query sees the scope, so reopening the install link goes straight back", async () => {
    const returnTo = "/store/syncline-demo/apps/syncline/app/settings";
    expect(await installedScopes()).not.toContain("read_orders");
    const res = await decide(await openGrant(returnTo), "approve");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(returnTo);
    expect(await installedScopes()).toContain("read_orders");
    const again = await get(`/store/syncline-demo/oauth/install?client_id=${API_KEY}&scope=read_products&optional_scopes=read_orders`);
    expect(again.status).toBe(303);
  });

  it("GIVEN the grant screen WHEN declined THEN the installation keeps its scopes", async () => {
    const before = await installedScopes();
    const res = await decide(await openGrant("/store/syncline-demo/apps/syncline/app"), "decline");
    expect(res.status).toBe(303);
    expect(await installedScopes()).toEqual(before);
  });

  it("GIVEN a scope outside the app's optional_scopes WHEN requested THEN the grant screen refuses it", async () => {
    const res = await get(`/store/syncline-demo/oauth/install?client_id=${API_KEY}&optional_scopes=write_themes`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("write_themes");
  });
});
