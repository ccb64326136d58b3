import type { PrismaClient } from "~/db.server";
import { resumeWaitingEvents } from "~/events/deliver.server";
import { destinationPolicy, validateDestination, type DestinationPolicy } from "~/events/destination.server";
import { emitEvent } from "~/events/emit.server";
import { SecretUnreadableError, decryptSecret, encryptSecret } from "~/events/secrets.server";
import { generateSigningSecret } from "~/events/signing.server";

/**
 * The "Platform connection" settings of one shop: where events go, the secret they are signed with, and the key
 * the platform calls us with. Secrets and keys are returned in clear exactly once, by the call that creates them.
 */

export interface PlatformConnectionView {
  destinationUrl: string | null;
  signingSecret: { createdAt: string; readable: boolean } | null;
  apiKey: { keyId: string; createdAt: string } | null;
  events: { waiting: number; retrying: number; failed: number };
  latestTest: {
    id: string;
    status: string;
    attempts: number;
    lastStatus: number | null;
    lastError: string | null;
    createdAt: string;
  } | null;
  /** http://localhost destinations are accepted (development, or the Shopify simulator). */
  localHttpAllowed: boolean;
}

export async function loadPlatformConnection(
  db: PrismaClient,
  shop: string,
  policy: DestinationPolicy = destinationPolicy(),
): Promise<PlatformConnectionView> {
  const connection = await db.platformConnection.findUnique({ where: { shop } });
  const [waiting, retrying, failed, latestTest] = await Promise.all([
    db.outboundEvent.count({ where: { shop, status: "pending", nextAttemptAt: null } }),
    db.outboundEvent.count({ where: { shop, status: "pending", attempts: { gt: 0 }, nextAttemptAt: { not: null } } }),
    db.outboundEvent.count({ where: { shop, status: "failed" } }),
    db.outboundEvent.findFirst({ where: { shop, type: "connection.test" }, orderBy: { id: "desc" } }),
  ]);
  let signingSecret: PlatformConnectionView["signingSecret"] = null;
  if (connection?.signingSecret && connection.signingSecretCreatedAt) {
    signingSecret = { createdAt: connection.signingSecretCreatedAt.toISOString(), readable: readable(shop, connection.signingSecret) };
  }
  return {
    destinationUrl: connection?.destinationUrl ?? null,
    signingSecret,
    apiKey:
      connection?.apiKeyId && connection.apiKeyCreatedAt
        ? { keyId: connection.apiKeyId, createdAt: connection.apiKeyCreatedAt.toISOString() }
        : null,
    events: { waiting, retrying, failed },
    latestTest: latestTest
      ? {
          id: latestTest.id,
          status: latestTest.status,
          attempts: latestTest.attempts,
          lastStatus: latestTest.lastStatus,
          lastError: latestTest.lastError,
          createdAt: latestTest.createdAt.toISOString(),
        }
      : null,
    localHttpAllowed: policy.allowLocalHttp,
  };
}

function readable(shop: string, stored: string): boolean {
  try {
    decryptSecret(stored, { shop, purpose: "signing-secret" });
    return true;
  } catch (error) {
    if (error instanceof SecretUnreadableError) return false;
    throw error;
  }
}

export type SaveDestinationResult =
  | { ok: true; destinationUrl: string | null; resumed: number }
  | { ok: false; error: string };

/** Saves (or, given an empty value, removes) the destination URL; events that waited for it start moving. */
export async function saveDestination(
  db: PrismaClient,
  shop: string,
  raw: string,
  options: { policy?: DestinationPolicy; lookupAll?: Parameters<typeof validateDestination>[2] } = {},
): Promise<SaveDestinationResult> {
  const policy = options.policy ?? destinationPolicy();
  if (raw.trim() === "") {
    await db.platformConnection.upsert({
      where: { shop },
      create: { shop, destinationUrl: null },
      update: { destinationUrl: null },
    });
    return { ok: true, destinationUrl: null, resumed: 0 };
  }
  const check = await validateDestination(raw, policy, options.lookupAll);
  if (!check.ok) return { ok: false, error: check.reason };
  const destinationUrl = check.url.toString();
  await db.platformConnection.upsert({ where: { shop }, create: { shop, destinationUrl }, update: { destinationUrl } });
  const resumed = await resumeWaitingEvents(db, shop, { policy });
  return { ok: true, destinationUrl, resumed };
}

/**
 * Generates a new signing secret, replacing the old one at once: events signed from now on verify only with the
 * new secret, so the merchant pastes it into the platform right away. Returned in clear only here.
 */
export async function rotateSigningSecret(
  db: PrismaClient,
  shop: string,
  options: { policy?: DestinationPolicy; now?: Date } = {},
): Promise<{ secret: string; createdAt: Date; replaced: boolean; resumed: number }> {
  const before = await db.platformConnection.findUnique({ where: { shop }, select: { signingSecret: true } });
  const secret = generateSigningSecret();
  const createdAt = options.now ?? new Date();
  const fields = {
    signingSecret: encryptSecret(secret, { shop, purpose: "signing-secret" }),
    signingSecretCreatedAt: createdAt,
  };
  await db.platformConnection.upsert({ where: { shop }, create: { shop, ...fields }, update: fields });
  const resumed = await resumeWaitingEvents(db, shop, { policy: options.policy });
  return { secret, createdAt, replaced: Boolean(before?.signingSecret), resumed };
}

export type SendTestResult = { ok: true; eventId: string } | { ok: false; error: string };

/** Emits a `connection.test` event, so the merchant sees the wiring work (or fail) end to end. */
export async function sendTestEvent(db: PrismaClient, shop: string): Promise<SendTestResult> {
  const connection = await db.platformConnection.findUnique({ where: { shop } });
  if (!connection?.destinationUrl) return { ok: false, error: "Save a destination URL first." };
  if (!connection.signingSecret) return { ok: false, error: "Generate a signing secret first." };
  if (!readable(shop, connection.signingSecret)) {
    return { ok: false, error: "The signing secret can no longer be read. Rotate it, then send the test again." };
  }
  const sentAt = new Date();
  const { id } = await emitEvent(db, {
    shop,
    type: "connection.test",
    data: { shop, message: "Test event from Syncline settings", sentAt: sentAt.toISOString() },
    occurredAt: sentAt,
  });
  return { ok: true, eventId: id };
}
