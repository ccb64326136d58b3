/**
 * What the purchase switch does when it goes on or off (app/syncs/hooks.server.ts SWITCH_HOOKS.purchases), inside
 * the control plane's toggle transaction: database work only (schedules, jobs). Anything that talks to Shopify runs
 * in a job enqueued here, and every such job checks the switch again when it runs.
 *
 * The work is in parts, each with its own section below; `purchaseSwitchHooks` at the end runs them in order.
 */
import type { Db } from "~/db.server";
import { enqueue } from "~/jobs/queue.server";
import type { SwitchHooks } from "~/syncs/hooks.server";

import { scheduleCatchup, unscheduleCatchup } from "./catchup.server";
import { PIXEL_SYNC_JOB } from "./pixel-install.server";
import { ensureReconcileSchedule, removeReconcileSchedule } from "./reconcile.server";

// ---------------------------------------------------------------------------------------------------------------
// Web pixel and browser reconciliation (issue 4 point 5)
//
// On: the pixel job creates the app's web pixel (or updates its settings), and purchases.reconcile starts running
// every 5 minutes for the grace-period checks. Off: the pixel job deletes the pixel, so the storefront stops
// collecting checkout data, and the reconciliation schedule stops.

async function pixelSwitchedOn(db: Db, shop: string): Promise<void> {
  await enqueue(db, { type: PIXEL_SYNC_JOB, shop, payload: {} });
  await ensureReconcileSchedule(db, shop);
}

async function pixelSwitchedOff(db: Db, shop: string): Promise<void> {
  await enqueue(db, { type: PIXEL_SYNC_JOB, shop, payload: {} });
  await removeReconcileSchedule(db, shop);
}

// ---------------------------------------------------------------------------------------------------------------
// Catch-up of missed webhooks (issue 4 point 7, catchup.server.ts)
//
// On: purchases.catchup every hour, and a first one two minutes after the switch went on. Off: the schedule
// stops. A catch-up job already queued finds the switch off when it runs and does nothing.

async function catchupSwitchedOn(db: Db, shop: string): Promise<void> {
  await scheduleCatchup(db, shop);
}

async function catchupSwitchedOff(db: Db, shop: string): Promise<void> {
  await unscheduleCatchup(db, shop);
}

// ---------------------------------------------------------------------------------------------------------------
// The purchase switch's hooks: every part above, in order.

export const purchaseSwitchHooks: SwitchHooks = {
  async switchedOn(db, shop) {
    await pixelSwitchedOn(db, shop);
    await catchupSwitchedOn(db, shop);
  },
  async switchedOff(db, shop) {
    await pixelSwitchedOff(db, shop);
    await catchupSwitchedOff(db, shop);
  },
};
