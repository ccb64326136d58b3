import { defineJob } from "~/jobs/define.server";

import { DELIVERY_JOB, attemptDelivery, deliveryPayload } from "./deliver.server";

/** One delivery attempt of one outbound event; failed HTTP attempts schedule the next attempt as a new job. */
export const deliverEventJob = defineJob(DELIVERY_JOB, {
  schema: deliveryPayload,
  maxAttempts: 5,
  backoff: { baseMs: 15_000, maxMs: 5 * 60_000 },
  async perform(payload, { db, logger, signal }) {
    await attemptDelivery(db, payload, { logger, signal });
  },
});
