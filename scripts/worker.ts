// `npm run worker`: job workers as separate processes (set RUN_WORKER_IN_PROCESS=false on the app then).
// Run as many as the database allows; on PostgreSQL they never claim the same job. Settings come from
// WORKER_CONCURRENCY, WORKER_POLL_INTERVAL_MS, WORKER_LEASE_MS, WORKER_ID and DATABASE_URL.
import { prisma } from "../app/db.server";
import { startJobRunner } from "../app/jobs/registry.server";
import { logger } from "../app/logger.server";

const worker = await startJobRunner();

// SIGTERM/SIGINT: stop claiming and let running jobs finish; a second signal exits at once (their leases
// then expire and other workers take them over).
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal, workerId: worker.id }, "stopping worker: waiting for running jobs");
    worker
      .stop()
      .then(() => prisma.$disconnect())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "worker did not stop cleanly");
          process.exit(1);
        },
      );
  });
}

// Process managers (pm2 wait_ready, the tests) learn over IPC that the worker is polling.
process.send?.({ type: "ready", workerId: worker.id });
