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
