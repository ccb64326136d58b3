import { randomBytes } from "node:crypto";

import { Webhook } from "standardwebhooks";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, spec 1.0.0, symmetric scheme):
 *   webhook-signature: v1,<base64 HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>">
 * keyed with the bytes of the shop's secret, which is shown to the merchant as `whsec_<base64>`.
 *
 * The signature itself comes from `standardwebhooks`, the spec authors' own implementation;
 * tests/events/signing.test.ts pins the spec's published test vector.
 */

export const SECRET_PREFIX = "whsec_";
/** The spec asks for at least 24 and at most 64 random bytes; 32 matches the HMAC-SHA256 block-size sweet spot. */
const SECRET_BYTES = 32;

export class InvalidSigningSecretError extends Error {
  constructor() {
    super("The signing secret is not in the whsec_<base64> format");
    this.name = "InvalidSigningSecretError";
  }
}

export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64");
}

/** The package decodes leniently; a secret that is not `whsec_<base64>` of at least one byte is refused here. */
function checkedSecret(secret: string): string {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || Buffer.from(encoded, "base64").length === 0) {
    throw new InvalidSigningSecretError();
  }
  return SECRET_PREFIX + encoded;
}

/** `v1,<base64 signature>` for one message; the timestamp is truncated to whole seconds as the header carries it. */
export function signPayload(secret: string, msgId: string, timestamp: Date, payload: string): string {
  return new Webhook(checkedSecret(secret)).sign(msgId, timestamp, payload);
}

export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** The three headers for one delivery attempt: the id stays the same across attempts, the timestamp does not. */
export function webhookHeaders(secret: string, msgId: string, timestamp: Date, payload: string): WebhookHeaders {
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": signPayload(secret, msgId, timestamp, payload),
  };
}
