import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Encryption at rest for secrets we must be able to read back (the shop's webhook signing secret: we sign with
 * it, so a hash would not do). AES-256-GCM; the key is derived with HKDF-SHA256 from SYNCLINE_ENCRYPTION_KEY when
 * set, else from SHOPIFY_API_SECRET. Why both, and what rotating either means: docs/decisions/004-platform-secrets.md.
 *
 * Stored form: `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url parts). The key id (derived from the key, not the
 * key itself) lets us say "this was encrypted with a key we no longer have" instead of failing as if tampered,
 * and lets rows written under the API secret still be read after SYNCLINE_ENCRYPTION_KEY is introduced.
 * The shop and the purpose are bound in as additional authenticated data: a ciphertext copied to another shop's
 * row, or into another column, does not decrypt.
 */

const FORMAT = "v1";
const SALT = "syncline.secrets.v1";
const MIN_DEDICATED_KEY_LENGTH = 32;

export type SecretPurpose = "signing-secret";

export class SecretUnreadableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretUnreadableError";
  }
}

export class EncryptionKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EncryptionKeyError";
  }
}

interface DerivedKey {
  id: string;
  key: Buffer;
}

function derive(material: string): DerivedKey {
  const ikm = Buffer.from(material, "utf8");
  const key = Buffer.from(hkdfSync("sha256", ikm, SALT, "aes-256-gcm key", 32));
  const id = Buffer.from(hkdfSync("sha256", ikm, SALT, "key id", 6)).toString("base64url");
  return { id, key };
}

/** The keys in order of preference: the first encrypts, any of them decrypts. */
export function encryptionKeys(source: Record<string, string | undefined> = process.env): DerivedKey[] {
  const keys: DerivedKey[] = [];
  const dedicated = source.SYNCLINE_ENCRYPTION_KEY?.trim();
  if (dedicated) {
    if (dedicated.length < MIN_DEDICATED_KEY_LENGTH) {
      throw new EncryptionKeyError(
        `SYNCLINE_ENCRYPTION_KEY must be at least ${MIN_DEDICATED_KEY_LENGTH} characters (e.g. openssl rand -base64 32)`,
      );
    }
    keys.push(derive(dedicated));
  }
  const apiSecret = source.SHOPIFY_API_SECRET;
  if (apiSecret) keys.push(derive(apiSecret));
  if (keys.length === 0) throw new EncryptionKeyError("Neither SYNCLINE_ENCRYPTION_KEY nor SHOPIFY_API_SECRET is set");
  return keys;
}

function aad(shop: string, purpose: SecretPurpose): Buffer {
  return Buffer.from(`syncline:${purpose}:${shop}`, "utf8");
}

export function encryptSecret(
  plaintext: string,
  context: { shop: string; purpose: SecretPurpose },
  keys: DerivedKey[] = encryptionKeys(),
): string {
  const { id, key } = keys[0];
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad(context.shop, context.purpose));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, id, iv.toString("base64url"), ciphertext.toString("base64url"), tag.toString("base64url")].join(".");
}

export function decryptSecret(
  stored: string,
  context: { shop: string; purpose: SecretPurpose },
  keys: DerivedKey[] = encryptionKeys(),
): string {
  const parts = stored.split(".");
  if (parts.length !== 5 || parts[0] !== FORMAT) throw new SecretUnreadableError("not an encrypted secret");
  const [, keyId, iv, ciphertext, tag] = parts;
  const match = keys.find((k) => k.id === keyId);
  if (!match) {
    throw new SecretUnreadableError(
      "encrypted with a key this app no longer has (SYNCLINE_ENCRYPTION_KEY or SHOPIFY_API_SECRET changed)",
    );
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", match.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(aad(context.shop, context.purpose));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretUnreadableError("does not decrypt: altered, or stored for another shop");
  }
}
