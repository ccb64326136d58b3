/**
 * The consent sync's vocabulary and the pure rules everything else leans on: channels and their switches, how
 * emails and phones are normalised into one key, how Shopify's and the platform's spellings of a state map to one,
 * and the granularity of a consent time. No database, no network: unit-tested in tests/consent/model.test.ts.
 */
export const CONSENT_SYNC = "consent";

export type ConsentChannel = "email" | "sms";
export const CHANNELS: readonly ConsentChannel[] = ["email", "sms"];

/** The switch (app/syncs/definitions.ts) each channel is turned on with. */
export const SWITCH_OF_CHANNEL = { email: "consent_email", sms: "consent_sms" } as const satisfies Record<ConsentChannel, string>;

/** States Shopify reports. Only the first three can be written (shopify-platform.md, Marketing consent). */
export const WRITABLE_STATES = ["SUBSCRIBED", "UNSUBSCRIBED", "PENDING"] as const;
export type WritableState = (typeof WRITABLE_STATES)[number];
export const KNOWN_STATES = [...WRITABLE_STATES, "NOT_SUBSCRIBED", "REDACTED", "INVALID"] as const;
export type ConsentState = (typeof KNOWN_STATES)[number];

export const OPT_IN_LEVELS = ["SINGLE_OPT_IN", "CONFIRMED_OPT_IN", "UNKNOWN"] as const;
export type OptInLevel = (typeof OPT_IN_LEVELS)[number];

/** `subscribed`, `SUBSCRIBED`, ` Subscribed ` → `SUBSCRIBED`; unknown words → null. */
export function parseState(value: unknown): ConsentState | null {
  if (typeof value !== "string") return null;
  const upper = value.trim().toUpperCase();
  return (KNOWN_STATES as readonly string[]).includes(upper) ? (upper as ConsentState) : null;
}

export function parseOptInLevel(value: unknown): OptInLevel | null {
  if (typeof value !== "string") return null;
  const upper = value.trim().toUpperCase();
  return (OPT_IN_LEVELS as readonly string[]).includes(upper) ? (upper as OptInLevel) : null;
}

/** The key an email is found by: trimmed and lower-cased (Shopify treats addresses case-insensitively). */
export function normaliseEmail(value: string): string {
  return value.trim().toLowerCase();
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function looksLikeEmail(value: string): boolean {
  return EMAIL_SHAPE.test(value.trim());
}

/**
 * The key a phone is found by: a leading `+` and the digits, formatting dropped (`+49 (30) 123-45` → `+493012345`).
 * Whether the number is valid is Shopify's call (it knows the countries' rules); a failure keeps its reason.
 */
export function normalisePhone(value: string): string {
  const trimmed = value.trim();
  return (trimmed.startsWith("+") ? "+" : "") + trimmed.replace(/\D/g, "");
}

/** Only phone characters, and at least a few digits: anything else is refused at intake, before Shopify sees it. */
export function looksLikePhone(value: string): boolean {
  return /^\+?[\d\s().-]+$/.test(value.trim()) && value.replace(/\D/g, "").length >= 3;
}

/** The address of a channel, normalised. */
export function channelKey(channel: ConsentChannel, address: string): string {
  return channel === "email" ? normaliseEmail(address) : normalisePhone(address);
}

/**
 * Consent times are kept in whole seconds, Shopify's own granularity (consent_updated_at in webhooks has no
 * fraction). A time kept to the millisecond would never equal the one Shopify echoes back, and two decisions in
 * the same second could not be ordered by what Shopify reports anyway.
 */
export function toConsentTime(value: Date | string | number): Date {
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${String(value)}`);
  return new Date(Math.floor(ms / 1000) * 1000);
}

/** `a` is strictly newer than `b`; a missing time is older than any time. */
export function newer(a: Date | null, b: Date | null): boolean {
  if (!a) return false;
  if (!b) return true;
  return a.getTime() > b.getTime();
}
