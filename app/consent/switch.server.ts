/**
 * What the consent switches do when they go on or off (app/syncs/hooks.server.ts SWITCH_HOOKS.consent_email and
 * .consent_sms), inside the control plane's toggle transaction: database work only.
 *
 * On (either channel): consent.push runs every minute for the shop, so platform changes reach Shopify within a
 * minute even when no batch kicks it. Off: the schedule stops once neither channel is on; changes of a channel
 * that is off stay pending (the push skips them) until it is on again.
 */
import type { Db } from "~/db.server";
import { ensureSchedule, removeSchedule } from "~/jobs/queue.server";
import type { SwitchHooks } from "~/syncs/hooks.server";

import { CONSENT_PUSH_JOB } from "./intake.server";
import { SWITCH_OF_CHANNEL, type ConsentChannel } from "./model";

export const PUSH_INTERVAL_SECONDS = 60;

export function pushScheduleName(shop: string): string {
  return `${CONSENT_PUSH_JOB}:${shop}`;
}

function hooksFor(channel: ConsentChannel): SwitchHooks {
  const other = channel === "email" ? "sms" : "email";
  return {
    async switchedOn(db: Db, shop: string) {
      await ensureSchedule(db, { name: pushScheduleName(shop), type: CONSENT_PUSH_JOB, shop, payload: {}, intervalSeconds: PUSH_INTERVAL_SECONDS });
    },
    async switchedOff(db: Db, shop: string) {
      const otherOn = await db.syncSetting.findUnique({
        where: { shop_sync: { shop, sync: SWITCH_OF_CHANNEL[other] } },
        select: { enabled: true },
      });
      if (!otherOn?.enabled) await removeSchedule(db, pushScheduleName(shop));
    },
  };
}

export const emailConsentSwitchHooks = hooksFor("email");
export const smsConsentSwitchHooks = hooksFor("sms");
