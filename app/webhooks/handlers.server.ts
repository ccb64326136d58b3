import type { z } from "zod";

import type { PrismaClient } from "~/db.server";
import type { Logger } from "~/logger.server";
import { appUninstalled, appScopesUpdate } from "~/lifecycle/lifecycle.server";
import { customersDataRequest, customersRedact, shopRedact } from "~/compliance/compliance.server";

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

const handlers: WebhookHandler[] = [appUninstalled, appScopesUpdate, customersDataRequest, customersRedact, shopRedact];

const byTopic = new Map(handlers.map((h) => [h.topic, h]));

export function findWebhookHandler(topic: string): WebhookHandler | undefined {
  return byTopic.get(normaliseTopic(topic));
}

/** `app/uninstalled`, `app.uninstalled` and `APP_UNINSTALLED` all name one topic. */
export function normaliseTopic(topic: string): string {
  return topic.toUpperCase().replace(/[/.]/g, "_");
}
