import { createHmac, randomUUID } from "node:crypto";

/**
 * The deliveries every target receives, built once per benchmark run so that the bare server and the app (on each
 * database) see byte-identical requests. Bodies are written as text, never through JSON.stringify of numbers:
 * some shop ids are above 2^53 and must reach the server exactly as Shopify would send them.
 */

export const API_SECRET = "syncline-demo-secret";
export const API_KEY = "syncline-demo-key";
export const API_VERSION = "2026-07";

/**
 * The two kinds of webhook endpoint the app has (docs/decisions/011-lean-webhook-intake.md):
 * - `sync`: a shop-specific sync topic, here customers/email_marketing_consent/update (consent sync; small bodies,
 *   like most of the traffic a busy store sends), answered by the intake in front of Remix;
 * - `lifecycle`: app/scopes_update, one of the lifecycle and compliance routes, verified by the library's
 *   `authenticate.webhook` inside Remix. A shop sends these a few times in its life.
 */
export type Endpoint = "sync" | "lifecycle";
export const ENDPOINTS: Record<Endpoint, { topic: string; path: string }> = {
  sync: { topic: "customers/email_marketing_consent/update", path: "/webhooks/customers/email_marketing_consent_update" },
  lifecycle: { topic: "app/scopes_update", path: "/webhooks/app/scopes_update" },
};

export interface BenchRequest {
  webhookId: string;
  /** True when this request repeats an earlier delivery's webhook id (a Shopify retry). */
  duplicate: boolean;
  body: string;
  headers: Record<string, string>;
  /** Where this request goes when it is not the phase's path (a burst that mixes topics). */
  path?: string;
  /** Open loop: due at the same moment as the request before it (Shopify sending copies of a delivery at once). */
  withPrevious?: boolean;
}

export interface ClosedPhase {
  name: string;
  mode: "closed";
  concurrency: number;
  timeLimitMs: number;
  requests: BenchRequest[];
}

export interface OpenPhase {
  name: string;
  mode: "open";
  ratePerSecond: number;
  timeLimitMs: number;
  requests: BenchRequest[];
}

export type Phase = ClosedPhase | OpenPhase;

export function hmacBase64(body: string, secret = API_SECRET): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

// A few dozen shops, so the in-process worker's upserts spread over rows as real traffic would. Every other shop
// has an id above 2^53 (Number.MAX_SAFE_INTEGER is 9007199254740991).
const SHOPS = Array.from({ length: 24 }, (_, i) => ({
  domain: i === 0 ? "syncline-demo.myshopify.com" : `bench-shop-${String(i).padStart(2, "0")}.myshopify.com`,
  id: i % 2 === 0 ? (9007199254740993n + BigInt(i) * 7919n).toString() : String(60_000_000 + i),
}));

const SCOPE_SETS = [
  ["read_orders"],
  ["read_orders", "read_customers"],
  ["read_orders", "read_customers", "write_customers"],
  ["read_products", "read_inventory"],
  ["read_orders", "read_customers", "write_customers", "read_products", "read_inventory"],
];

/** Deterministic pseudo-random numbers, so a rerun sends the same mix (ids aside, which must be fresh). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONSENT_STATES = ["subscribed", "unsubscribed", "not_subscribed"];

function body(endpoint: Endpoint, n: number, random: () => number, shopId: string, updatedAt: string): string {
  if (endpoint === "lifecycle") {
    const current = SCOPE_SETS[Math.floor(random() * SCOPE_SETS.length)];
    const previous = SCOPE_SETS[Math.floor(random() * SCOPE_SETS.length)];
    return `{"id":${shopId},"previous":${JSON.stringify(previous)},"current":${JSON.stringify(current)},"updated_at":"${updatedAt}"}`;
  }
  // Customer ids above 2^53 for every other shop too, as text in the body (never a JS number).
  const customerId = (BigInt(shopId) * 1000n + BigInt(n)).toString();
  const state = CONSENT_STATES[Math.floor(random() * CONSENT_STATES.length)];
  return `{"customer_id":${customerId},"email_address":"customer-${n}@example.com","email_marketing_consent":{"state":"${state}","opt_in_level":"single_opt_in","consent_updated_at":"${updatedAt}"}}`;
}

function delivery(endpoint: Endpoint, n: number, random: () => number, triggeredAt: Date): BenchRequest {
  const shop = SHOPS[n % SHOPS.length];
  const updatedAt = new Date(triggeredAt.getTime() + n).toISOString();
  const text = body(endpoint, n, random, shop.id, updatedAt);
  const webhookId = randomUUID();
  return {
    webhookId,
    duplicate: false,
    body: text,
    headers: {
      "content-type": "application/json",
      "user-agent": "Shopify-Captain-Hook",
      "x-shopify-topic": ENDPOINTS[endpoint].topic,
      "x-shopify-hmac-sha256": hmacBase64(text),
      "x-shopify-shop-domain": shop.domain,
      "x-shopify-api-version": API_VERSION,
      "x-shopify-webhook-id": webhookId,
      "x-shopify-event-id": randomUUID(),
      "x-shopify-triggered-at": updatedAt,
    },
  };
}

/**
 * `count` requests of which about `duplicateShare` repeat an earlier delivery of the same phase, byte for byte
 * (Shopify retries carry the original body and headers). The repeated delivery is 1 to 200 positions back: under
 * 32-way concurrency some of them arrive while the original is still in flight, which exercises the race on the
 * unique webhook id as well as the plain "already stored" path.
 */
export function buildRequests(endpoint: Endpoint, count: number, duplicateShare: number, seed: number): BenchRequest[] {
  const random = prng(seed);
  const triggeredAt = new Date();
  const requests: BenchRequest[] = [];
  const originals: BenchRequest[] = [];
  const every = duplicateShare > 0 ? Math.round(1 / duplicateShare) : Infinity;
  for (let i = 0; i < count; i++) {
    if (originals.length > 0 && (i + 1) % every === 0) {
      const back = 1 + Math.floor(random() * Math.min(200, originals.length));
      requests.push({ ...originals[originals.length - back], duplicate: true });
    } else {
      const fresh = delivery(endpoint, i, random, triggeredAt);
      originals.push(fresh);
      requests.push(fresh);
    }
  }
  return requests;
}

/** A correctly shaped delivery whose signature is wrong: every target must answer 401 and store nothing. */
export function badHmacRequest(endpoint: Endpoint): BenchRequest {
  const good = delivery(endpoint, 999_999_999, prng(7), new Date());
  return {
    ...good,
    headers: { ...good.headers, "x-shopify-hmac-sha256": hmacBase64(good.body, "not-the-secret") },
  };
}
