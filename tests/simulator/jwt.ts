import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** HS256 JWTs with node:crypto only: what Shopify's admin signs as the session token (`id_token`). */

export interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
  sig?: string;
  [claim: string]: unknown;
}

const b64url = (buf: Buffer | string): string => Buffer.from(buf).toString("base64url");

export function signJwtHs256(payload: Record<string, unknown>, secret: string): string {
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac("sha256", secret).update(`${header}.${body}`).digest("base64url");
  return `${header}.${body}.${sig}`;
}

export class JwtError extends Error {
  override name = "JwtError";
}

/** Verifies signature, alg, exp and nbf (with Shopify's library tolerance of 10 s) and returns the claims. */
export function verifyJwtHs256(
  token: string,
  secret: string,
  opts: { clockToleranceSec?: number; now?: number } = {},
): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("not a JWT (expected three dot-separated parts)");
  const [h, p, s] = parts;
  let header: { alg?: string };
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  } catch {
    throw new JwtError("JWT header or payload is not base64url JSON");
  }
  if (header.alg !== "HS256") throw new JwtError(`unsupported alg ${String(header.alg)}`);
  const expected = createHmac("sha256", secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new JwtError("signature verification failed");
  }
  const tol = opts.clockToleranceSec ?? 10;
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (typeof payload.exp === "number" && now > payload.exp + tol) throw new JwtError('"exp" claim timestamp check failed');
  if (typeof payload.nbf === "number" && now + tol < payload.nbf) throw new JwtError('"nbf" claim timestamp check failed');
  return payload;
}

export interface IdTokenOptions {
  shop: string;
  apiKey: string;
  apiSecret: string;
  /** Staff user id (the `sub` claim); the online-token user. */
  userId?: string;
  ttlSec?: number;
  now?: number;
}

/** A session token as the Shopify admin issues it for an embedded app (valid one minute). */
export function signIdToken(opts: IdTokenOptions): string {
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  const claims: SessionTokenClaims = {
    iss: `https://${opts.shop}/admin`,
    dest: `https://${opts.shop}`,
    aud: opts.apiKey,
    sub: opts.userId ?? "1",
    exp: now + (opts.ttlSec ?? 60),
    nbf: now,
    iat: now,
    jti: randomUUID(),
    sid: randomUUID().replace(/-/g, ""),
  };
  return signJwtHs256(claims, opts.apiSecret);
}
