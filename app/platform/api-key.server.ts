import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

import type { Db } from "~/db.server";

/**
 * The per-shop key the platform uses to call `/api/v1/*`: `syn_<keyId>_<secret>`.
 * - keyId (16 hex) is stored in clear and unique: it finds the shop without scanning or comparing secrets.
 * - secret (64 hex, 256 random bits) is stored only as its SHA-256. A slow hash (bcrypt, scrypt) protects
 *   guessable passwords; a 256-bit random secret cannot be guessed, so a fast hash loses nothing and keeps every
 *   API call cheap.
 * Hex throughout so a double click selects the whole key. Issuing a new key replaces the old one at once.
 */

const PREFIX = "syn_";
const KEY_PATTERN = /^syn_([0-9a-f]{16})_([0-9a-f]{64})$/;

export interface IssuedApiKey {
  /** The full key: shown to the merchant once, never stored. */
  apiKey: string;
  keyId: string;
  createdAt: Date;
  /** Whether a previous key existed (and now no longer works). */
  replaced: boolean;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

// Compared against when the key id is unknown or the key is malformed, so those answers take as long as a
// wrong secret for a real key id.
const NO_MATCH = sha256("syncline: no such key");

export function parseApiKey(value: string): { keyId: string; secret: string } | null {
  const match = KEY_PATTERN.exec(value);
  return match ? { keyId: match[1], secret: match[2] } : null;
}

/** Creates or replaces the shop's API key. */
export async function issueApiKey(db: Db, shop: string, now: Date = new Date()): Promise<IssuedApiKey> {
  const before = await db.platformConnection.findUnique({ where: { shop }, select: { apiKeyId: true } });
  const keyId = randomBytes(8).toString("hex");
  const secret = randomBytes(32).toString("hex");
  const fields = { apiKeyId: keyId, apiKeyHash: sha256(secret).toString("hex"), apiKeyCreatedAt: now };
  await db.platformConnection.upsert({ where: { shop }, create: { shop, ...fields }, update: fields });
  return { apiKey: `${PREFIX}${keyId}_${secret}`, keyId, createdAt: now, replaced: Boolean(before?.apiKeyId) };
}

/**
 * The shop a presented key belongs to, or null. Looks the row up by keyId, then compares SHA-256 digests with
 * timingSafeEqual; the digests are always 32 bytes, so the comparison time says nothing about how much matched.
 */
export async function verifyApiKey(db: Db, presented: string): Promise<{ shop: string } | null> {
  const parsed = parseApiKey(presented);
  const row = parsed
    ? await db.platformConnection.findUnique({
        where: { apiKeyId: parsed.keyId },
        select: { shop: true, apiKeyHash: true },
      })
    : null;
  const expected = row?.apiKeyHash ? Buffer.from(row.apiKeyHash, "hex") : NO_MATCH;
  const actual = parsed ? sha256(parsed.secret) : sha256(presented);
  const equal = expected.length === actual.length && timingSafeEqual(expected, actual);
  return equal && row ? { shop: row.shop } : null;
}
