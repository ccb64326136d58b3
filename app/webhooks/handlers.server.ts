import { z } from "zod";

import type { PrismaClient } from "~/db.server";
import type { Logger } from "~/logger.server";
import { appUninstalled, appScopesUpdate } from "~/lifecycle/lifecycle.server";
import { customersDataRequest, customersRedact, shopRedact } from "~/compliance/compliance.server";
import { ordersCreate, ordersUpdated, refundsCreate } from "~/purchases/handlers.server";
import { catalogWebhookHandlers } from "~/catalog/deltas.server";
import { emailConsentUpdate, smsConsentUpdate } from "~/consent/handlers.server";
import { SYNC_TOPICS, switchOfTopic } from "~/syncs/definitions";
import { touchLastEvent } from "~/syncs/records.server";

/** The job that processes every accepted webhook delivery. */
export const WEBHOOK_JOB = "webhook.process";

export interface WebhookDeliveryRow {
  id: string;
  shop: string;
  webhookId: string;
  topic: string;
  triggeredAt: Date | null;
  receivedAt: Date;
}

export interface WebhookContext<T> {
  db: PrismaClient;
  shop: string;
  payload: T;
  delivery: WebhookDeliveryRow;
  jobId: string;
  log: Logger;
}

export interface WebhookHandler<S extends z.ZodTypeAny = z.ZodTypeAny> {
  /** Normalised topic, as authenticate.webhook reports it: APP_UNINSTALLED, CUSTOMERS_REDACT, ... */
  topic: string;
  /** Checked when the webhook arrives (a mismatch is answered 422 and recorded) and again when processed. */
  schema: S;
  /** The sync a topic belongs to, for the activity log; none for lifecycle and compliance topics. */
  sync?: string;
  handle(context: WebhookContext<z.output<S>>): Promise<void>;
}

const handlers: WebhookHandler[] = [
  appUninstalled,
  appScopesUpdate,
  customersDataRequest,
  customersRedact,
  shopRedact,
  ordersCreate,
  ordersUpdated,
  refundsCreate,
  emailConsentUpdate,
  smsConsentUpdate,
  ...catalogWebhookHandlers,
];

const byTopic = new Map(handlers.map((h) => [h.topic, h]));

/**
 * Every sync topic (app/syncs/definitions.ts) gets a handler here, whether or not its sync registered one above:
 * the switch named by the definitions is what the activity log files the delivery under, and processing it
 * records the switch's lastEventAt (in the job, never before the 200). A sync topic nobody handles yet is accepted
 * and processed as a no-op, so that a switch shows its events from the day it can be turned on.
 */
for (const topic of SYNC_TOPICS) {
  const sw = switchOfTopic(topic);
  if (!sw) continue;
  const own = byTopic.get(topic);
  byTopic.set(topic, {
    topic,
    schema: own?.schema ?? z.object({}).passthrough(),
    sync: sw.key,
    async handle(context) {
      await touchLastEvent(context.db, context.shop, sw.key, context.delivery.receivedAt);
      await own?.handle(context);
    },
  });
}

export function findWebhookHandler(topic: string): WebhookHandler | undefined {
  return byTopic.get(normaliseTopic(topic));
}

/** `app/uninstalled`, `app.uninstalled` and `APP_UNINSTALLED` all name one topic. */
export function normaliseTopic(topic: string): string {
  return topic.toUpperCase().replace(/[/.]/g, "_");
}
