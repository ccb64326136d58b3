import { uuidv7 } from "~/db/ids.server";
import type { IncomingMessage, ServerResponse } from "node:http";

import { env } from "~/env.server";
import { servingRequest } from "~/jobs/foreground.server";
import { newJobRow } from "~/jobs/queue.server";
import { SYNC_TOPICS, webhookPath } from "~/syncs/definitions";
import { logger } from "~/logger.server";
import { activityRow, type ActivityRow } from "~/activity/activity.server";
import { authenticate } from "~/shopify.server";
import { parseShopifyJson } from "./json";
import { findWebhookHandler, WEBHOOK_JOB } from "./handlers.server";
import { deliveryWriter, type DeliveryRow } from "./delivery-writer.server";
import { nodeHeaders, verifyWebhook, type HeaderReader, type VerifiedWebhook } from "./verify.server";

/**
 * The whole of a webhook route: verify the HMAC, record the delivery keyed on its webhook id and enqueue its
 * processing atomically, answer. Nothing slow happens before the answer, and nothing is stored for a request that
 * fails verification.
 *
 * Two ways in, one intake (docs/decisions/006-webhook-intake.md):
 * - `receiveWebhook`: the lifecycle and compliance routes, verified by the library's `authenticate.webhook`. They
 *   arrive a few times in a shop's life, so its extra work (the offline session read, a JSON.parse, WebCrypto)
 *   costs nothing that matters.
 * - the shop-specific sync topics, which arrive in bursts of thousands during a flash sale, verified by
 *   `verify.server.ts`: the same check and the same answers as the library's `webhooks.validate`, at a hundredth of
 *   `authenticate.webhook`'s cost per delivery. The production server (scripts/serve.ts) answers them straight
 *   from node:http (`serveSyncWebhook`), without Remix; inside Remix (the dev server) `webhooks.$` calls
 *   `receiveSyncWebhook`.
 *
 * Answers: 405 not a POST, 401 bad HMAC, 400 missing Shopify headers or malformed JSON, 422 a payload of the wrong
 * shape, 200 accepted or a duplicate of a delivery already accepted. Malformed and mis-shaped deliveries are recorded
 * as failed, so Shopify's retries of them are duplicates that change nothing.
 *
 * The write: the delivery (ON CONFLICT on the webhook id does nothing) and its job, inserted only if the delivery row
 * is new, committed with the other deliveries that arrived meanwhile (delivery-writer.server.ts) before the answer.
 * 413 a body over MAX_WEBHOOK_BYTES (serveSyncWebhook). The activity log entry is written by
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
    return toResponse(await accept(verified, rawBody, started));
  });
}

/** The sync topics' intake inside Remix (the dev server, and route tests): see receiveWebhook and serveSyncWebhook. */
export function receiveSyncWebhook(request: Request): Promise<Response> {
  return servingRequest(async () => {
    const started = performance.now();
    const rawBody = request.method === "POST" ? Buffer.from(await request.arrayBuffer()) : Buffer.alloc(0);
    return toResponse(await receiveVerified(request.method, request.headers, rawBody, started));
  });
}

/** Largest sync webhook body taken in; Shopify's biggest orders are a few hundred KB. Larger: 413, nothing stored. */
export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

const SYNC_PATHS: ReadonlySet<string> = new Set(SYNC_TOPICS.map(webhookPath));

/** Whether node:http's request is a sync topic's delivery, which serveSyncWebhook answers without Remix. */
export function isSyncWebhookRequest(req: IncomingMessage): boolean {
  if (req.method !== "POST" || !req.url) return false;
  const query = req.url.indexOf("?");
  return SYNC_PATHS.has(query === -1 ? req.url : req.url.slice(0, query));
}

/**
 * The sync topics' intake as the production server runs it (scripts/serve.ts): straight from node:http, before
 * Remix and express, because a flash sale sends these by the thousand (docs/decisions/011-lean-webhook-intake.md).
 * Same checks, same write, same answers as receiveSyncWebhook.
 */
export function serveSyncWebhook(req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_WEBHOOK_BYTES) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on("error", () => res.destroy());
  req.on("end", () => {
    if (tooLarge) return answer(res, { status: 413, body: "payload too large" });
    const rawBody = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
    servingRequest(() => receiveVerified(req.method ?? "", nodeHeaders(req.headers), rawBody, started)).then(
      (result) => answer(res, result),
      (error: unknown) => {
        logger.error({ err: error, path: req.url }, "webhook intake failed");
        answer(res, { status: 500 });
      },
    );
  });
}

function answer(res: ServerResponse, { status, body }: Answer): void {
  res.writeHead(status, body ? { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) } : { "content-length": 0 });
  res.end(body);
}

interface Answer {
  status: number;
  body?: string;
}

function toResponse({ status, body }: Answer): Response {
  return new Response(body ?? null, { status });
}

async function receiveVerified(method: string, headers: HeaderReader, rawBody: Buffer, started: number): Promise<Answer> {
  const check = verifyWebhook(method, headers, rawBody, env().SHOPIFY_API_SECRET);
  if (!check.ok) {
    logger.debug({ status: check.status, reason: check.reason }, "webhook rejected");
    return { status: check.status }; // nothing stored
  }
  return accept(check.webhook, rawBody.toString("utf8"), started);
}

async function accept(verified: VerifiedWebhook, rawBody: string, started: number): Promise<Answer> {
  const handler = findWebhookHandler(verified.topic);
  const failure = checkPayload(rawBody, handler);
  const delivery: DeliveryRow = {
    id: uuidv7(),
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
  const job = failure
    ? undefined
    : // No dedupeKey: the job is written only with a new delivery, in its transaction, so the delivery's unique
      // webhook id already makes it once-only; a key of its own (random, like the id) cost every delivery one more
      // scattered index page to write and checkpoint (bench:webhooks).
      newJobRow({ type: WEBHOOK_JOB, shop: delivery.shop, payload: { deliveryId: delivery.id } }, delivery.receivedAt);

  // Duplicates and unprocessable deliveries get their activity entry here, in the same write; accepted ones get it
  // from their job, which also knows the processing time.
  const entry = (status: string): ActivityRow =>
    activityRow(
      {
        shop: delivery.shop,
        direction: "in",
        kind: "webhook",
        sync: handler?.sync ?? null,
        name: delivery.topic,
        status,
        reference: delivery.webhookId,
        durationMs: performance.now() - started,
        detail: status === "duplicate" || !failure ? {} : { error: failure.reason },
      },
      delivery.receivedAt,
    );
  const inserted = await deliveryWriter.write({
    delivery,
    job,
    activity: { whenNew: failure ? entry(failure.status === 200 ? "ignored" : "failed") : undefined, whenDuplicate: entry("duplicate") },
  });
  if (inserted && !failure) return { status: 200 };

  const status = !inserted ? "duplicate" : failure?.status === 200 ? "ignored" : "failed";
  logger[status === "failed" ? "warn" : "info"](
    { shop: delivery.shop, topic: delivery.topic, webhookId: delivery.webhookId, reason: failure?.reason },
    `webhook delivery ${status}`,
  );
  if (!inserted || !failure || failure.status === 200) return { status: 200 };
  return { status: failure.status, body: failure.reason };
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

function parseDate(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
