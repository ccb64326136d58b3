/** The purchase sync's webhook handlers; app/webhooks/handlers.server.ts files them under the "purchases" switch. */
import type { WebhookHandler } from "~/webhooks/handlers.server";

import { PURCHASES_SYNC } from "./options";
import { mapOrder, mapRefund, orderPayloadSchema, refundPayloadSchema } from "./payloads";
import { registerOrder, registerRefund } from "./service.server";

function orderHandler(topic: "ORDERS_CREATE" | "ORDERS_UPDATED"): WebhookHandler<typeof orderPayloadSchema> {
  return {
    topic,
    schema: orderPayloadSchema,
    sync: PURCHASES_SYNC,
    async handle({ db, shop, payload, log }) {
      const outcome = await registerOrder(db, shop, mapOrder(payload));
      log.debug({ orderId: payload.id, outcome }, "order registered");
    },
  };
}

export const ordersCreate = orderHandler("ORDERS_CREATE");
export const ordersUpdated = orderHandler("ORDERS_UPDATED");

export const refundsCreate: WebhookHandler<typeof refundPayloadSchema> = {
  topic: "REFUNDS_CREATE",
  schema: refundPayloadSchema,
  sync: PURCHASES_SYNC,
  async handle({ db, shop, payload, log }) {
    const outcome = await registerRefund(db, shop, mapRefund(payload));
    log.debug({ refundId: payload.id, orderId: payload.order_id, outcome }, "refund registered");
  },
};
