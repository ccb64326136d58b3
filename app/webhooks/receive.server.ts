import { prisma } from "~/db.server";
import { enqueue } from "~/jobs/queue.server";
import { logger } from "~/logger.server";
import { authenticate } from "~/shopify.server";
import { recordActivity } from "~/activity/activity.server";
import { isUniqueViolation } from "~/db/errors.server";
import { parseShopifyJson } from "./json";
import { findWebhookHandler, WEBHOOK_JOB } from "./handlers.server";

/**
 * The whole of a webhook route: verify the HMAC (authenticate.webhook), record the delivery keyed on its webhook
 * id and enqueue its processing in one transaction, answer. Nothing slow happens before the answer, and nothing is
 * stored for a request that fails verification.
 *
 * Answers: 401 bad HMAC, 400 missing Shopify headers or malformed JSON, 422 a payload of the wrong shape,
 * 200 accepted or a duplicate of a delivery already accepted. Malformed and mis-shaped deliveries are recorded as
 * failed, so Shopify's retries of them are duplicates that change nothing.
 */
export async function receiveWebhook(request: Request): Promise<Response> {
  const started = performance.now();
  const rawBody = await request.clone().text();

  let verified: { shop: string; topic: string; webhookId: string; apiVersion?: string; eventId?: string; triggeredAt?: string };
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
    // The library parses the body only after the HMAC verified, so a SyntaxError means an authentic, malformed body.
    verified = verifiedHeaders(request);
  }

  const { shop, topic, webhookId } = verified;
  const log = logger.child({ shop, topic, webhookId });
  const handler = findWebhookHandler(topic);

  let failure: { status: number; reason: string } | undefined;
  let payload: unknown;
  try {
    payload = parseShopifyJson(rawBody);
  } catch {
    failure = { status: 400, reason: "malformed JSON" };
  }
  if (!failure && handler) {
    const shape = handler.schema.safeParse(payload);
    if (!shape.success) {
      failure = { status: 422, reason: `unexpected payload shape: ${shape.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}` };
    }
  }
  if (!failure && !handler) failure = { status: 200, reason: `no handler for topic ${topic}` };

  try {
    await prisma.$transaction(async (tx) => {
      const delivery = await tx.webhookDelivery.create({
        data: {
          shop,
          webhookId,
          topic,
          apiVersion: verified.apiVersion ?? null,
          eventId: verified.eventId ?? null,
          triggeredAt: parseDate(verified.triggeredAt),
          payload: rawBody,
          status: failure ? "failed" : "received",
          error: failure?.reason ?? null,
        },
      });
      if (!failure) {
        await enqueue(tx, {
          type: WEBHOOK_JOB,
          shop,
          payload: { deliveryId: delivery.id },
          dedupeKey: `webhook:${webhookId}`,
        });
      }
      await recordActivity(tx, {
        shop,
        direction: "in",
        kind: "webhook",
        sync: handler?.sync ?? null,
        name: topic,
        status: failure ? "failed" : "received",
        reference: webhookId,
        durationMs: performance.now() - started,
        detail: failure ? { error: failure.reason } : {},
      });
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    log.info("duplicate webhook delivery ignored");
    return new Response(null, { status: 200 });
  }

  if (failure) {
    log.warn({ reason: failure.reason }, "webhook recorded as failed");
    return new Response(failure.status === 200 ? null : failure.reason, { status: failure.status });
  }
  return new Response(null, { status: 200 });
}

/** Shopify's headers, after the library has verified them; the newer Events system drops the `X-` prefix. */
function verifiedHeaders(request: Request) {
  const header = (name: string) =>
    request.headers.get(`x-shopify-${name}`) ?? request.headers.get(`shopify-${name}`) ?? undefined;
  const shop = header("shop-domain");
  const topic = header("topic");
  const webhookId = header("webhook-id") ?? header("event-id");
  if (!shop || !topic || !webhookId) throw new Response(null, { status: 400 });
  return {
    shop,
    topic: topic.toUpperCase().replace(/[/.]/g, "_"),
    webhookId,
    apiVersion: header("api-version"),
    eventId: header("event-id"),
    triggeredAt: header("triggered-at"),
  };
}

function parseDate(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
