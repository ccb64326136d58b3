/** Encryption at rest of the signing secret: AES-256-GCM under an HKDF-derived key. */
import { describe, expect, it } from "vitest";

import {
  EncryptionKeyError,
  SecretUnreadableError,
  decryptSecret,
  encryptSecret,
  encryptionKeys,
} from "~/events/secrets.server";

const SHOP = "a-shop.myshopify.com";
const context = { shop: SHOP, purpose: "signing-secret" as const };
const apiSecretOnly = encryptionKeys({ SHOPIFY_API_SECRET: "shpss_first" });
const PLAINTEXT = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("secrets at rest", () => {
  it("round-trips, and the stored text contains neither the secret nor its base64 part", () => {
    const stored = encryptSecret(PLAINTEXT, context, apiSecretOnly);
    expect(stored).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stored).not.toContain(PLAINTEXT.slice(6));
    expect(decryptSecret(stored, context, apiSecretOnly)).toBe(PLAINTEXT);
  });

  it("uses a fresh IV each time", () => {
    expect(encryptSecret(PLAINTEXT, context, apiSecretOnly)).not.toBe(encryptSecret(PLAINTEXT, context, apiSecretOnly));
  });

  it("does not decrypt for another shop (a row copied across tenants)", () => {
    const stored = encryptSecret(PLAINTEXT, context, apiSecretOnly);
    expect(() => decryptSecret(stored, { ...context, shop: "other.myshopify.com" }, apiSecretOnly)).toThrow(SecretUnreadableError);
  });

  it("detects tampering", () => {
    const parts = encryptSecret(PLAINTEXT, context, apiSecretOnly).split(".");
    const flipped = Buffer.from(parts[3], "base64url");
    flipped[0] ^= 1;
    parts[3] = flipped.toString("base64url");
    expect(() => decryptSecret(parts.join("."), context, apiSecretOnly)).toThrow(SecretUnreadableError);
  });

  it("says the key changed when SHOPIFY_API_SECRET was rotated", () => {
    const stored = encryptSecret(PLAINTEXT, context, apiSecretOnly);
    const rotated = encryptionKeys({ SHOPIFY_API_SECRET: "shpss_second" });
    expect(() => decryptSecret(stored, context, rotated)).toThrow(/no longer has/);
  });

  it("prefers SYNCLINE_ENCRYPTION_KEY and still reads what the API secret encrypted before it was set", () => {
    // GIVEN a secret stored while only the API secret existed
    const before = encryptSecret(PLAINTEXT, context, apiSecretOnly);
    // WHEN a dedicated key is introduced
    const both = encryptionKeys({ SHOPIFY_API_SECRET: "shpss_first", SYNCLINE_ENCRYPTION_KEY: "k".repeat(44) });
    // THEN old rows still decrypt, and new rows use the dedicated key, which survives an API secret rotation
    expect(decryptSecret(before, context, both)).toBe(PLAINTEXT);
    const after = encryptSecret(PLAINTEXT, context, both);
    const apiSecretRotated = encryptionKeys({ SHOPIFY_API_SECRET: "shpss_second", SYNCLINE_ENCRYPTION_KEY: "k".repeat(44) });
    expect(decryptSecret(after, context, apiSecretRotated)).toBe(PLAINTEXT);
    expect(() => decryptSecret(after, context, apiSecretOnly)).toThrow(SecretUnreadableError);
  });

  it("refuses a short SYNCLINE_ENCRYPTION_KEY and a missing key", () => {
    expect(() => encryptionKeys({ SYNCLINE_ENCRYPTION_KEY: "short", SHOPIFY_API_SECRET: "x" })).toThrow(EncryptionKeyError);
    expect(() => encryptionKeys({})).toThrow(EncryptionKeyError);
  });

  it("refuses text that is not an encrypted secret", () => {
    expect(() => decryptSecret(PLAINTEXT, context, apiSecretOnly)).toThrow(SecretUnreadableError);
  });
});
