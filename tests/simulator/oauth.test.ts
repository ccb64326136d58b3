import "@shopify/shopify-api/adapters/node";
import { ApiVersion, RequestedTokenType, shopifyApi } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signJwtHs256 } from "./jwt";
import type { Simulator } from "./server";
import { API_KEY, API_SECRET, gql, SHOP, startTestSimulator } from "./test-support";

let sim: Simulator;

beforeAll(async () => {
  sim = await startTestSimulator();
  // What the app does when SHOPIFY_ADMIN_ORIGIN is set: https://<shop>/... goes to the simulator, shop in a header.
  const realFetch = globalThis.fetch;
  setAbstractFetchFunc(async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    if (!url.hostname.endsWith(".myshopify.com")) return realFetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set("X-Simulator-Shop", url.hostname);
    return realFetch(`${sim.origin}${url.pathname}${url.search}`, { ...init, headers });
  });
});
afterAll(() => sim.close());

const api = () =>
  shopifyApi({
    apiKey: API_KEY,
    apiSecretKey: API_SECRET,
    apiVersion: ApiVersion.July26,
    hostName: "127.0.0.1:3000",
    hostScheme: "http",
    isEmbeddedApp: true,
    logger: { level: 0 },
  });

async function exchange(body: Record<string, unknown>) {
  const res = await fetch(`${sim.origin}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Simulator-Shop": SHOP },
    body: JSON.stringify({ client_id: API_KEY, client_secret: API_SECRET, ...body }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const tokenExchange = (subject: string, type = "urn:shopify:params:oauth:token-type:offline-access-token") =>
  exchange({
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    subject_token: subject,
    subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
    requested_token_type: type,
  });

describe("token exchange", () => {
  it("GIVEN @shopify/shopify-api 15 WHEN it exchanges a simulator id_token THEN it gets an offline session that can call GraphQL", async () => {
    const shopify = api();
    const { session } = await shopify.auth.tokenExchange({ shop: SHOP, sessionToken: sim.signIdToken(SHOP), requestedTokenType: RequestedTokenType.OfflineAccessToken });
    expect(session.isOnline).toBe(false);
    expect(session.accessToken).toMatch(/^shpat_[0-9a-f]{32}$/);
    expect(session.scope).toBe(sim.store.shop(SHOP).installation.scopes.join(","));
    const client = new shopify.clients.Graphql({ session });
    const r = await client.request(`{ shop { myshopifyDomain } }`);
    expect(r.data).toEqual({ shop: { myshopifyDomain: SHOP } });
  });

  it("GIVEN an online token request THEN the library builds an online session with the associated user", async () => {
    const shopify = api();
    const { session } = await shopify.auth.tokenExchange({ shop: SHOP, sessionToken: sim.signIdToken(SHOP), requestedTokenType: RequestedTokenType.OnlineAccessToken });
    expect(session.isOnline).toBe(true);
    expect(session.onlineAccessInfo?.associated_user.id).toBe(1);
    expect(session.expires!.getTime()).toBeGreaterThan(Date.now() + 86_000_000);
  });

  it("GIVEN expiring offline tokens THEN a refresh token is issued and can be rotated", async () => {
    const first = await exchange({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: sim.signIdToken(SHOP),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      expiring: "1",
    });
    expect(first.body).toMatchObject({ expires_in: 3600, refresh_token: expect.stringMatching(/^shprt_/), refresh_token_expires_in: 7_776_000 });
    const refreshed = await exchange({ grant_type: "refresh_token", refresh_token: first.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(first.body.access_token);
    expect((await gql(sim, String(first.body.access_token), "{ shop { name } }")).status).toBe(401);
    expect((await gql(sim, String(refreshed.body.access_token), "{ shop { name } }")).status).toBe(200);
    expect((await exchange({ grant_type: "refresh_token", refresh_token: first.body.refresh_token })).status).toBe(400);
  });

  it.each([
    ["a wrong signature", () => signJwtHs256(claims(), "not-the-secret")],
    ["an expired token", () => signJwtHs256({ ...claims(), exp: Math.floor(Date.now() / 1000) - 60 }, API_SECRET)],
    ["another app's audience", () => signJwtHs256({ ...claims(), aud: "other-app" }, API_SECRET)],
    ["another shop's token", () => signJwtHs256({ ...claims(), dest: "https://other.myshopify.com" }, API_SECRET)],
    ["garbage", () => "not.a.jwt"],
  ])("GIVEN %s THEN 400 invalid_subject_token and no token", async (_name, make) => {
    const r = await tokenExchange(make());
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: "invalid_subject_token", error_description: expect.any(String) });
  });

  it("GIVEN a wrong client secret THEN 400 invalid_client", async () => {
    const res = await fetch(`${sim.origin}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Simulator-Shop": SHOP },
      body: JSON.stringify({ client_id: API_KEY, client_secret: "wrong", grant_type: "urn:ietf:params:oauth:grant-type:token-exchange", subject_token: sim.signIdToken(SHOP) }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe("invalid_client");
  });

  it("GIVEN the app is uninstalled THEN its tokens stop working", async () => {
    const token = sim.accessToken(SHOP);
    expect((await gql(sim, token, "{ shop { name } }")).status).toBe(200);
    sim.store.uninstall(SHOP);
    try {
      expect((await gql(sim, token, "{ shop { name } }")).status).toBe(401);
    } finally {
      sim.store.install(SHOP);
    }
  });

  it("GIVEN an authorization code THEN the classic code grant returns an offline token once", async () => {
    const code = sim.store.issueAuthCode(SHOP);
    const ok = await exchange({ code });
    expect(ok.body).toEqual({ access_token: expect.stringMatching(/^shpat_/), scope: expect.any(String) });
    expect((await exchange({ code })).status).toBe(400);
  });
});

function claims() {
  const now = Math.floor(Date.now() / 1000);
  return { iss: `https://${SHOP}/admin`, dest: `https://${SHOP}`, aud: API_KEY, sub: "1", exp: now + 60, nbf: now, iat: now, jti: "j", sid: "s" };
}
