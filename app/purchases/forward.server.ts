import { z } from "zod";

import { defineJob, PermanentJobError } from "~/jobs/define.server";

import { forwardPurchase, PURCHASE_FORWARD_JOB } from "./service.server";

/** purchases.forward: runs when a purchase's upsell window closes (at once when the delay is off). */
export const purchaseForwardJob = defineJob(PURCHASE_FORWARD_JOB, {
  schema: z.object({ orderId: z.string().regex(/^\d+$/) }),
  async perform({ orderId }, { db, shop, logger }) {
    if (!shop) throw new PermanentJobError("purchase forwarding job without a shop");
    const outcome = await forwardPurchase(db, shop, orderId);
    logger.debug({ orderId, outcome }, "purchase forwarding decided");
  },
});
