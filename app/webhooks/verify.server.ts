import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

import { ShopifyEventsHeader, ShopifyHeader } from "@shopify/shopify-api";

/**
 * Shopify's webhook authentication, as `@shopify/shopify-api`'s `webhooks.validate` does it (same header names for
 * classic webhooks and the newer Events deliveries, same answers), without what `authenticate.webhook` adds around
 * it that the intake does not use: a database read of the shop's offline session, a JSON.parse of the body and
 * WebCrypto's asynchronous HMAC. In-process, per orders/create delivery: authenticate.webhook 5.5 ms, the
 * library's validate 1.3 ms, this 0.03 ms (docs/decisions/006-webhook-intake.md, bench/README.md).
 *
 * The HMAC is the base64 HMAC-SHA256 of the raw body with the app secret; the header is compared with the one
 * computed here as a string, in constant time, so only Shopify's exact encoding is accepted.
 */

export interface VerifiedWebhook {
  shop: string;
  /** Normalised as the library does: `orders/create` → `ORDERS_CREATE`. */
  topic: string;
  webhookId: string;
  /** Always set by verifyWebhook; optional because the library's context may lack it. */
  apiVersion?: string;
  eventId?: string;
  triggeredAt?: string;
}

export type WebhookCheck =
  | { ok: true; webhook: VerifiedWebhook }
  /** 405 not a POST; 400 empty body, no signature or a required header missing; 401 wrong signature. */
  | { ok: false; status: 400 | 401 | 405; reason: string };

const CLASSIC = {
  hmac: ShopifyHeader.Hmac,
  topic: ShopifyHeader.Topic,
  domain: ShopifyHeader.Domain,
  apiVersion: ShopifyHeader.ApiVersion,
  webhookId: ShopifyHeader.WebhookId,
  eventId: ShopifyHeader.EventId as string | undefined,
  triggeredAt: ShopifyHeader.TriggeredAt,
};
const EVENTS = {
  hmac: ShopifyEventsHeader.Hmac,
  topic: ShopifyEventsHeader.Topic,
  domain: ShopifyEventsHeader.Domain,
  apiVersion: ShopifyEventsHeader.ApiVersion,
  webhookId: ShopifyEventsHeader.WebhookId,
  eventId: undefined,
  triggeredAt: ShopifyEventsHeader.TriggeredAt,
};

/** What verifyWebhook reads headers through: a Fetch `Headers`, or node's `IncomingHttpHeaders` via nodeHeaders. */
export interface HeaderReader {
  /** The header's value, any case of `name`; null when absent. */
  get(name: string): string | null;
}

/** node:http's request headers (lower-cased keys) as a HeaderReader. */
export function nodeHeaders(headers: IncomingHttpHeaders): HeaderReader {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/** `rawBody` is the body exactly as received: the bytes (node:http) or their UTF-8 text (a Fetch Request). */
export function verifyWebhook(method: string, headers: HeaderReader, rawBody: string | Buffer, secret: string): WebhookCheck {
  if (method !== "POST") return { ok: false, status: 405, reason: "not a POST" };
  // An Events delivery carries `shopify-hmac-sha256`; anything else is checked as a classic webhook.
  const names = headers.get(EVENTS.hmac) !== null ? EVENTS : CLASSIC;
  if (rawBody.length === 0) return { ok: false, status: 400, reason: "empty body" };
  const given = headers.get(names.hmac);
  if (!given) return { ok: false, status: 400, reason: "no HMAC header" };
  const hmac = createHmac("sha256", secret);
  const expected = (typeof rawBody === "string" ? hmac.update(rawBody, "utf8") : hmac.update(rawBody)).digest("base64");
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, status: 401, reason: "invalid HMAC" };

  const topic = headers.get(names.topic);
  const shop = headers.get(names.domain);
  const apiVersion = headers.get(names.apiVersion);
  const webhookId = headers.get(names.webhookId);
  if (!topic || !shop || !apiVersion || !webhookId) {
    const missing = Object.entries({ topic, shop, apiVersion, webhookId })
      .filter(([, v]) => !v)
      .map(([k]) => k);
    return { ok: false, status: 400, reason: `missing headers: ${missing.join(", ")}` };
  }
  return {
    ok: true,
    webhook: {
      shop,
      topic: topic.toUpperCase().replace(/[/.]/g, "_"),
      webhookId,
      apiVersion,
      eventId: (names.eventId && headers.get(names.eventId)) || undefined,
      triggeredAt: headers.get(names.triggeredAt) ?? undefined,
    },
  };
}
