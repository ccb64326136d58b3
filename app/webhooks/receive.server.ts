import { randomUUID } from "node:crypto";

import { dbProvider, Prisma, prisma } from "~/db.server";
import { env } from "~/env.server";
import { servingRequest } from "~/jobs/foreground.server";
import { enqueueStatement, type EnqueueOptions } from "~/jobs/queue.server";
import { logger } from "~/logger.server";
import { recordActivity } from "~/activity/activity.server";
import { authenticate } from "~/shopify.server";
import { parseShopifyJson } from "./json";
import { findWebhookHandler, WEBHOOK_JOB } from "./handlers.server";
import { verifyWebhook, type VerifiedWebhook } from "./verify.server";

/**
 * The whole of a webhook route: verify the HMAC, record the delivery keyed on its webhook id and enqueue its
 * processing atomically, answer. Nothing slow happens before the answer, and nothing is stored for a request that
 * fails verification.
 *
 * Two ways in, one intake (docs/decisions/006-webhook-intake.md):
 * - `receiveWebhook`: the lifecycle and compliance routes, verified by the library's `authenticate.webhook`. They
 *   arrive a few times in a shop's life, so its extra work (the offline session read, a JSON.parse, WebCrypto)
 *   costs nothing that matters.
 * - `receiveSyncWebhook`: the shop-specific sync topics (`webhooks.$`), which arrive in bursts of thousands during a
 *   flash sale, verified by `verify.server.ts`: the same check and the same answers as the library's
 *   `webhooks.validate`, at a hundredth of `authenticate.webhook`'s cost per delivery.
 *
 * Answers: 405 not a POST, 401 bad HMAC, 400 missing Shopify headers or malformed JSON, 422 a payload of the wrong
 * shape, 200 accepted or a duplicate of a delivery already accepted. Malformed and mis-shaped deliveries are recorded
 * as failed, so Shopify's retries of them are duplicates that change nothing.
 *
 * The write is plain SQL in one round trip: the delivery (ON CONFLICT on the webhook id does nothing) and its job,
 * inserted only if the delivery row just written is ours (see recordDelivery). The activity log entry is written by
 * the processing job, which also knows the processing time. bench/webhooks.ts and bench/purchases.ts measure this
 * path; while it runs, an in-process job worker gives way (app/jobs/foreground.server.ts).
 */
export function receiveWebhook(request: Request): Promise<Response> {
  return servingRequest(async () => {
    const started = performance.now();
    const rawBody = await request.clone().text();
    let verified: VerifiedWebhook;
    try {
      const context = await authenticate.webhook(request);
      verified = {
        shop: context.shop,
        topic: String(context.topic),
        webhookId: context.webhookId,
        apiVersion: context.apiVersion,
        eventId: "eventId" in context ? context.eventId : undefined,
        triggeredAt: context.triggeredAt,
      };
    } catch (error) {
      if (error instanceof Response) return error; // 401 / 400 / 405 from the library: nothing stored
      if (!(error instanceof SyntaxError)) throw error;
      // The library parses the body only after the HMAC verified, so a SyntaxError means an authentic, malformed
      // body: the headers are read again, with the same rules, to record it as failed.
      const check = verifyWebhook(request.method, request.headers, rawBody, env().SHOPIFY_API_SECRET);
      if (!check.ok) return new Response(null, { status: check.status });
      verified = check.webhook;
    }
    return accept(verified, rawBody, started);
  });
}

/** The sync topics' intake: see receiveWebhook. */
export function receiveSyncWebhook(request: Request): Promise<Response> {
  return servingRequest(async () => {
    const started = performance.now();
    const rawBody = request.method === "POST" ? await request.text() : "";
    const check = verifyWebhook(request.method, request.headers, rawBody, env().SHOPIFY_API_SECRET);
    if (!check.ok) {
      logger.debug({ status: check.status, reason: check.reason }, "webhook rejected");
      return new Response(null, { status: check.status }); // nothing stored
    }
    return accept(check.webhook, rawBody, started);
  });
}

async function accept(verified: VerifiedWebhook, rawBody: string, started: number): Promise<Response> {
  const handler = findWebhookHandler(verified.topic);
  const failure = checkPayload(rawBody, handler);
  const delivery = {
    id: randomUUID(),
    shop: verified.shop,
    webhookId: verified.webhookId,
    topic: verified.topic,
    apiVersion: verified.apiVersion ?? null,
    eventId: verified.eventId ?? null,
    triggeredAt: parseDate(verified.triggeredAt),
    payload: rawBody,
    status: failure ? "failed" : "received",
    error: failure?.reason ?? null,
    receivedAt: new Date(),
  };

  const inserted = await recordDelivery(
    delivery,
    failure
      ? undefined
      : { type: WEBHOOK_JOB, shop: delivery.shop, payload: { deliveryId: delivery.id }, dedupeKey: `webhook:${delivery.webhookId}` },
  );

  if (inserted && !failure) return new Response(null, { status: 200 });

  // Only duplicates and unprocessable deliveries get their activity entry here; accepted ones get it from the job.
  const status = !inserted ? "duplicate" : failure?.status === 200 ? "ignored" : "failed";
  logger[status === "failed" ? "warn" : "info"](
    { shop: delivery.shop, topic: delivery.topic, webhookId: delivery.webhookId, reason: failure?.reason },
    `webhook delivery ${status}`,
  );
  await recordActivity(prisma, {
    shop: delivery.shop,
    direction: "in",
    kind: "webhook",
    sync: handler?.sync ?? null,
    name: delivery.topic,
    status,
    reference: delivery.webhookId,
    durationMs: performance.now() - started,
    detail: inserted && failure ? { error: failure.reason } : {},
  });
  if (!inserted || !failure || failure.status === 200) return new Response(null, { status: 200 });
  return new Response(failure.reason, { status: failure.status });
}

/** Why an authentic delivery cannot be processed, if it cannot: the answer's status and the recorded reason. */
function checkPayload(rawBody: string, handler: ReturnType<typeof findWebhookHandler>) {
  let payload: unknown;
  try {
    payload = parseShopifyJson(rawBody);
  } catch {
    return { status: 400, reason: "malformed JSON" };
  }
  if (!handler) return { status: 200, reason: "no handler for this topic" };
  const shape = handler.schema.safeParse(payload);
  if (shape.success) return undefined;
  const issues = shape.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ");
  return { status: 422, reason: `unexpected payload shape: ${issues}` };
}

/**
 * Writes the delivery and, if given, its job, atomically; false when the webhook id was already recorded (a
 * redelivery), in which case nothing is written. PostgreSQL does it in one statement (a data-modifying CTE, so no
 * transaction has to wait for a pooled connection); SQLite, which has no DML in CTEs, in one batched transaction.
 */
async function recordDelivery(delivery: Parameters<typeof insertDeliveryStatement>[0], job?: EnqueueOptions): Promise<boolean> {
  const insertDelivery = insertDeliveryStatement(delivery);
  if (!job) return (await prisma.$executeRaw(insertDelivery)) > 0;
  if (dbProvider === "postgresql") {
    const onlyIfNew = Prisma.sql`EXISTS (SELECT 1 FROM "inserted")`;
    return (await prisma.$executeRaw(Prisma.sql`WITH "inserted" AS (${insertDelivery} RETURNING "id") ${enqueueStatement(job, onlyIfNew)}`)) > 0;
  }
  const onlyIfOurs = Prisma.sql`EXISTS (SELECT 1 FROM "WebhookDelivery" WHERE "id" = ${delivery.id})`;
  const [rows] = await prisma.$transaction([prisma.$executeRaw(insertDelivery), prisma.$executeRaw(enqueueStatement(job, onlyIfOurs))]);
  return rows > 0;
}

/** INSERT of a delivery that does nothing when its webhook id is already recorded (a redelivery). */
function insertDeliveryStatement(d: {
  id: string;
  shop: string;
  webhookId: string;
  topic: string;
  apiVersion: string | null;
  eventId: string | null;
  triggeredAt: Date | null;
  payload: string;
  status: string;
  error: string | null;
  receivedAt: Date;
}): Prisma.Sql {
  return Prisma.sql`INSERT INTO "WebhookDelivery" ("id", "shop", "webhookId", "topic", "apiVersion", "eventId", "triggeredAt", "payload", "status", "error", "receivedAt")
    VALUES (${d.id}, ${d.shop}, ${d.webhookId}, ${d.topic}, ${d.apiVersion}, ${d.eventId}, ${d.triggeredAt}, ${d.payload}, ${d.status}, ${d.error}, ${d.receivedAt})
    ON CONFLICT ("webhookId") DO NOTHING`;
}

function parseDate(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
