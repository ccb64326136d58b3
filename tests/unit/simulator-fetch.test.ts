import { describe, expect, it } from "vitest";

import { allowSimulatorAdminToFrame, simulatorFetch } from "~/shopify/simulator-fetch.server";

describe("simulatorFetch", () => {
  const calls: { url: string; shop: string | null; body: string | null }[] = [];
  const base = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    calls.push({ url: request.url, shop: request.headers.get("X-Simulator-Shop"), body: await request.text() });
    return new Response("{}");
  }) as typeof fetch;
  const fetchVia = simulatorFetch("http://127.0.0.1:4100", base);

  it("sends a shop's Admin API call to the simulator and names the shop", async () => {
    calls.length = 0;
    await fetchVia("https://demo.myshopify.com/admin/api/2026-07/graphql.json?x=1", {
      method: "POST",
      headers: { "X-Shopify-Access-Token": "t" },
      body: '{"query":"{shop{id}}"}',
    });
    expect(calls).toEqual([
      { url: "http://127.0.0.1:4100/admin/api/2026-07/graphql.json?x=1", shop: "demo.myshopify.com", body: '{"query":"{shop{id}}"}' },
    ]);
  });

  it("leaves every other host alone", async () => {
    calls.length = 0;
    await fetchVia("https://platform.example.com/events", { method: "POST", body: "x" });
    expect(calls).toEqual([{ url: "https://platform.example.com/events", shop: null, body: "x" }]);
  });

  it("rewrites Request objects too, keeping their body", async () => {
    calls.length = 0;
    await fetchVia(new Request("https://demo.myshopify.com/admin/oauth/access_token", { method: "POST", body: "a=b" }));
    expect(calls[0]).toEqual({ url: "http://127.0.0.1:4100/admin/oauth/access_token", shop: "demo.myshopify.com", body: "a=b" });
  });
});

describe("allowSimulatorAdminToFrame", () => {
  const libraryHeaders = () =>
    new Headers({
      "Content-Security-Policy": "frame-ancestors https://demo.myshopify.com https://admin.shopify.com;",
      Link: '<https://cdn.shopify.com/shopifycloud/app-bridge.js>; rel="preload"; as="script";',
    });

  it("lets the simulator's admin shell frame the app and preloads its App Bridge stand-in", () => {
    const headers = libraryHeaders();
    allowSimulatorAdminToFrame(headers, "http://127.0.0.1:4100");
    expect(headers.get("Content-Security-Policy")).toBe(
      "frame-ancestors https://demo.myshopify.com https://admin.shopify.com http://127.0.0.1:4100;",
    );
    expect(headers.get("Link")).toContain("<http://127.0.0.1:4100/app-bridge.js>");
  });

  it("changes nothing without the simulator", () => {
    const headers = libraryHeaders();
    allowSimulatorAdminToFrame(headers, undefined);
    expect(Object.fromEntries(headers)).toEqual(Object.fromEntries(libraryHeaders()));
  });
});
