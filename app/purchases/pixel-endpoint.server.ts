/**
 * `/pixel/purchases`: where the web pixel (extensions/purchase-pixel) posts each checkout_completed. Public by
 * nature (a storefront visitor's browser calls it, with no credential), so the defences are: a size bound before
 * anything is parsed, strict validation, a per-shop rate limit, reports taken only for shops that have the app
 * installed and the purchase sync on, and the rule that a report can never create or change an order, only be
 * compared with one (reconcile.server.ts). Why each choice: docs/decisions/007-purchase-reconciliation.md.
 *
 * CORS: app pixels run in Shopify's strict sandbox, isolated from the page; a sandboxed context has an opaque
 * origin and its requests carry `Origin: null`, while integrations on the storefront itself post from the shop's
 * own origin, which may be any custom domain the app does not know. So the endpoint answers `null` and any https
 * origin (plus loopback http outside production), never with credentials. CORS is not what protects it: anyone can
 * send any Origin outside a browser. The pixel posts `text/plain`, so a browser sends no preflight; a preflight is
 * answered all the same.
 */
import type { PrismaClient } from "~/db.server";
import { logger as rootLogger } from "~/logger.server";
import { parseShopifyJson } from "~/webhooks/json";

import { MAX_REPORT_BYTES, parseBrowserReport } from "./browser-report";
import { TokenBuckets } from "./rate-limit";
import { acceptBrowserReport } from "./reconcile.server";

/**
 * Per shop and process: bursts of 300 reports, 30 a second sustained (1,800 a minute, above the ~1,000 orders a
 * minute of Shopify's flash-sale guidance). One checkout sends one report.
 */
export const PIXEL_RATE_LIMIT = { capacity: 300, refillPerSecond: 30, maxKeys: 10_000 };

const defaultLimiter = new TokenBuckets(PIXEL_RATE_LIMIT);
const log = rootLogger.child({ source: "pixel" });

export interface PixelEndpointDeps {
  db: PrismaClient;
  limiter?: TokenBuckets;
  now?: () => Date;
  /** Loopback http origins (a local storefront, the simulator) are accepted outside production only. */
  production?: boolean;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The Access-Control-Allow-Origin value for a request's Origin, or null when the origin is refused. */
export function allowedOrigin(origin: string, production: boolean): string | null {
  if (origin === "null") return "null";
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null; // a path, credentials or other decoration: not an Origin header
  if (url.protocol === "https:") return origin;
  if (url.protocol === "http:" && !production && LOOPBACK.has(url.hostname)) return origin;
  return null;
}

type CorsResult = { ok: true; headers: Headers } | { ok: false };

function cors(request: Request, production: boolean): CorsResult {
  const headers = new Headers({ "Cache-Control": "no-store", Vary: "Origin" });
  const origin = request.headers.get("origin");
  if (origin === null) return { ok: true, headers }; // not a browser's cross-origin request
  const allowed = allowedOrigin(origin, production);
  if (!allowed) return { ok: false };
  headers.set("Access-Control-Allow-Origin", allowed);
  return { ok: true, headers };
}

function json(body: unknown, status: number, headers: Headers): Response {
  const out = new Headers(headers);
  out.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { status, headers: out });
}

const refused = () =>
  new Response(JSON.stringify({ error: "origin_not_allowed" }), {
    status: 403,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", Vary: "Origin" },
  });

/** Reads at most `max` bytes of the body; "too_large" as soon as it has more (the rest is never read). */
async function readBounded(request: Request, max: number): Promise<string | "too_large"> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > max) return "too_large";
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return "too_large";
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
}

/** OPTIONS (CORS preflight), and any other non-POST method. */
export function handlePixelPreflight(request: Request, deps: Pick<PixelEndpointDeps, "production"> = {}): Response {
  const production = deps.production ?? process.env.NODE_ENV === "production";
  if (request.method !== "OPTIONS") {
    return new Response(JSON.stringify({ error: "method_not_allowed" }), {
      status: 405,
      headers: { Allow: "POST, OPTIONS", "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  const result = cors(request, production);
  if (!result.ok) return refused();
  const headers = result.headers;
  headers.set("Access-Control-Allow-Methods", "POST, OPTIONS");
  headers.set("Access-Control-Allow-Headers", "Content-Type");
  headers.set("Access-Control-Max-Age", "86400");
  return new Response(null, { status: 204, headers });
}

/** POST: one browser report. 202 when stored (or already stored: a retried post), errors as JSON. */
export async function handlePixelPost(request: Request, deps: PixelEndpointDeps): Promise<Response> {
  const production = deps.production ?? process.env.NODE_ENV === "production";
  const now = deps.now?.() ?? new Date();
  const result = cors(request, production);
  if (!result.ok) return refused();
  const headers = result.headers;

  const text = await readBounded(request, MAX_REPORT_BYTES);
  if (text === "too_large") return json({ error: "too_large", maxBytes: MAX_REPORT_BYTES }, 413, headers);

  let body: unknown;
  try {
    body = parseShopifyJson(text);
  } catch {
    return json({ error: "invalid_json", message: "The body must be one JSON object." }, 400, headers);
  }
  const parsed = parseBrowserReport(body);
  if (!parsed.ok) return json({ error: "invalid_report", issues: parsed.issues }, 400, headers);
  const report = parsed.report;

  const limit = (deps.limiter ?? defaultLimiter).take(report.shop, now.getTime());
  if (!limit.ok) {
    headers.set("Retry-After", String(limit.retryAfterSeconds));
    return json({ error: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds }, 429, headers);
  }

  const outcome = await acceptBrowserReport(deps.db, report, now);
  // Both refusals say the same: whether the app is installed, or the sync on, is not the caller's business.
  if (outcome === "unknown_shop") return json({ error: "not_accepting" }, 404, headers);
  if (outcome === "not_accepting") return json({ error: "not_accepting" }, 403, headers);
  log.debug({ shop: report.shop, eventId: report.eventId, orderId: report.orderId, outcome }, "browser purchase report");
  return new Response(null, { status: 202, headers });
}
