/**
 * Standard Webhooks signing, checked against the published test vector (the spec repository's JavaScript
 * library test "sign function works") and against an independent node:crypto verifier.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

import { describe, expect, it } from "vitest";

import { newEventId } from "~/events/ids.server";
import { generateSigningSecret, signPayload, webhookHeaders, InvalidSigningSecretError } from "~/events/signing.server";

const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  msgId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: new Date(1614265330 * 1000),
  payload: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

/** What a platform would run: written from the spec, sharing no code with the app. */
function verify(secret: string, headers: Record<string, string>, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key)
    .update(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`)
    .digest();
  return headers["webhook-signature"].split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    const given = Buffer.from(signature ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe("Standard Webhooks signing", () => {
  it("reproduces the spec's published test vector", () => {
    expect(signPayload(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload)).toBe(VECTOR.signature);
  });

  it("accepts the secret with or without the whsec_ prefix", () => {
    const bare = VECTOR.secret.slice("whsec_".length);
    expect(signPayload(bare, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload)).toBe(VECTOR.signature);
  });

  it("ignores milliseconds: the header carries whole seconds and the signature must match it", () => {
    const withMs = new Date(VECTOR.timestamp.getTime() + 999);
    expect(signPayload(VECTOR.secret, VECTOR.msgId, withMs, VECTOR.payload)).toBe(VECTOR.signature);
  });

  it("builds the three headers, which an independent verifier accepts", () => {
    // GIVEN a generated secret and an event body
    const secret = generateSigningSecret();
    const id = newEventId();
    const body = JSON.stringify({ type: "purchase.registered", timestamp: new Date().toISOString(), data: { id: "1" } });
    // WHEN it is signed
    const headers = webhookHeaders(secret, id, new Date(1_700_000_000_500), body);
    // THEN
    expect(headers["webhook-id"]).toBe(id);
    expect(headers["webhook-timestamp"]).toBe("1700000000");
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verify(secret, { ...headers }, body)).toBe(true);
    // and any change to the body, id or timestamp breaks it
    expect(verify(secret, { ...headers }, body.replace('"1"', '"2"'))).toBe(false);
    expect(verify(secret, { ...headers, "webhook-id": newEventId() }, body)).toBe(false);
    expect(verify(secret, { ...headers, "webhook-timestamp": "1700000001" }, body)).toBe(false);
    expect(verify(generateSigningSecret(), { ...headers }, body)).toBe(false);
  });

  it("generates whsec_ secrets of 32 random bytes (the spec asks for 24 to 64)", () => {
    const a = generateSigningSecret();
    const b = generateSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), "base64")).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it.each(["", "whsec_", "whsec_not base64!", "whsec_***"])("refuses the malformed secret %j", (secret) => {
    expect(() => signPayload(secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload)).toThrow(InvalidSigningSecretError);
  });
});

describe("event ids", () => {
  it("are msg_ + 26 Crockford base32 characters, without dots", () => {
    expect(newEventId()).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("sort by creation time, as text", () => {
    const times = [0, 1, 31, 32, 1_000, 1_700_000_000_000, 1_700_000_000_001, 2 ** 48 - 1];
    const ids = times.map((t) => newEventId(new Date(t)));
    expect([...ids].sort()).toEqual(ids);
  });

  it("are unique within the same millisecond", () => {
    const now = new Date();
    const ids = new Set(Array.from({ length: 1000 }, () => newEventId(now)));
    expect(ids.size).toBe(1000);
  });
});
