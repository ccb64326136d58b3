import { z } from "zod";

import { defineJob } from "./define.server";
import { deleteDoneJobs } from "./queue.server";

export const JOB_RETENTION = "jobs.retention";

/** Finished jobs are only history; this keeps the Job table (and its indexes) small. Dead jobs are kept. */
export const jobRetention = defineJob(JOB_RETENTION, {
  schema: z.object({ doneOlderThanDays: z.number().int().positive().default(7) }),
  maxAttempts: 3,
  async perform({ doneOlderThanDays }, { db, logger }) {
    const cutoff = new Date(Date.now() - doneOlderThanDays * 24 * 3600 * 1000);
    const deleted = await deleteDoneJobs(db, cutoff);
    logger.info({ deleted, doneOlderThanDays }, "finished jobs deleted");
  },
});
