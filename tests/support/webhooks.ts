import { createHmac, randomUUID } from "node:crypto";

export const TEST_API_KEY = "syncline-test-key";
export const TEST_API_SECRET = "syncline-test-secret";
export const TEST_APP_URL = "http://127.0.0.1:3999";

export interface SignedWebhook {
  topic: string; // as Shopify writes it in the header: "app/uninstalled"
  body: string; // raw JSON text, so ids above 2^53 are written digit for digit
  shop?: string;
  webhookId?: string;
  triggeredAt?: string;
  secret?: string;
  /** Override or drop (undefined) individual headers. */
  headers?: Record<string, string | undefined>;
}

/** A webhook request exactly as Shopify sends it: raw body, base64 HMAC-SHA256 with the app secret, its headers. */
export function shopifyWebhookHeaders(webhook: SignedWebhook): Record<string, string> {
  const hmac = createHmac("sha256", webhook.secret ?? TEST_API_SECRET).update(webhook.body, "utf8").digest("base64");
  const headers: Record<string, string | undefined> = {
    "Content-Type": "application/json",
    "User-Agent": "Shopify-Captain-Hook",
    "X-Shopify-Topic": webhook.topic,
    "X-Shopify-Hmac-Sha256": hmac,
    "X-Shopify-Shop-Domain": webhook.shop ?? "test-shop.myshopify.com",
    "X-Shopify-API-Version": "2026-07",
    "X-Shopify-Webhook-Id": webhook.webhookId ?? randomUUID(),
    "X-Shopify-Event-Id": randomUUID(),
    "X-Shopify-Triggered-At": webhook.triggeredAt ?? new Date().toISOString(),
    ...webhook.headers,
  };
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
}

export function shopifyWebhookRequest(webhook: SignedWebhook, appUrl = TEST_APP_URL): Request {
  return new Request(`${appUrl}/webhooks/${webhook.topic}`, {
    method: "POST",
    headers: shopifyWebhookHeaders(webhook),
    body: webhook.body,
  });
}
