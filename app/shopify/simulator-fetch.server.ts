/**
 * Local development and tests only: sends every request the Shopify library makes to
 * `https://<shop>.myshopify.com/...` to the Shopify simulator (tests/simulator) instead, naming the shop in
 * `X-Simulator-Shop`. Production never installs this (SHOPIFY_ADMIN_ORIGIN unset), and it is the app's only
 * test seam: everything else talks HTTP exactly as it would to Shopify.
 */
export function simulatorFetch(origin: string, base: typeof fetch = globalThis.fetch): typeof fetch {
  const target = new URL(origin);
  return (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : input.toString());
    if (!url.hostname.endsWith(".myshopify.com")) return base(input, init);

    const rewritten = new URL(url.pathname + url.search, target);
    const headers = new Headers(init?.headers ?? request?.headers);
    headers.set("X-Simulator-Shop", url.hostname);
    if (request) return base(new Request(rewritten, request), { ...init, headers });
    return base(rewritten, { ...init, headers });
  };
}

/**
 * The library's CSP lets only Shopify's admin origins frame the app, and it preloads App Bridge from Shopify's CDN.
 * With the simulator (SHOPIFY_ADMIN_ORIGIN set) its admin shell must be allowed to frame the app and its App Bridge
 * stand-in is the one to preload; without the simulator this does nothing.
 */
export function allowSimulatorAdminToFrame(headers: Headers, origin = process.env.SHOPIFY_ADMIN_ORIGIN): void {
  if (!origin) return;
  const link = headers.get("Link");
  if (link) headers.set("Link", link.replace(/<https:\/\/cdn\.shopify\.com\/shopifycloud\/app-bridge\.js>/, `<${new URL("/app-bridge.js", origin).href}>`));
  const csp = headers.get("Content-Security-Policy");
  if (!csp) return;
  headers.set(
    "Content-Security-Policy",
    csp.replace(/frame-ancestors ([^;]*)/, (_match, sources: string) => `frame-ancestors ${sources} ${new URL(origin).origin}`),
  );
}
