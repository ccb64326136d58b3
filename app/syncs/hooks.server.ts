/**
 * What a sync does when its switch goes on or off, beyond webhook subscriptions: start schedules, queue a first
 * export or import, stop schedules. The control plane calls these inside the transaction that flips the switch,
 * so the switch and its schedules change together or not at all.
 *
 * Hooks get a transaction: database work only (ensureSchedule, enqueue, removeSchedule). Anything that talks to
 * Shopify belongs in a job the hook enqueues. Jobs still check that their switch is on when they run: a switch can
 * also go off through revocation or uninstall, which do not call these hooks (uninstall removes every schedule of
 * the shop; a revoked sync's schedules find the switch off and do nothing).
 */
import type { Db } from "~/db.server";
import { emailConsentSwitchHooks, smsConsentSwitchHooks } from "~/consent/switch.server";
import { purchaseSwitchHooks } from "~/purchases/switch.server";
import { catalogSwitchHooks } from "~/catalog/switch.server";

import type { SyncSwitchKey } from "./definitions";

export interface SwitchHooks {
  /** The switch has just turned on (also after an error or a revocation). */
  switchedOn?(db: Db, shop: string): Promise<void>;
  /** The switch has just been turned off by the merchant. */
  switchedOff?(db: Db, shop: string): Promise<void>;
}

/** One entry per sync that has hooks; each sync keeps its own in its folder. */
const SWITCH_HOOKS: Partial<Record<SyncSwitchKey, SwitchHooks>> = {
  purchases: purchaseSwitchHooks,
  consent_email: emailConsentSwitchHooks,
  consent_sms: smsConsentSwitchHooks,
  catalog: catalogSwitchHooks,
};

export async function runSwitchedOn(db: Db, shop: string, key: SyncSwitchKey): Promise<void> {
  await SWITCH_HOOKS[key]?.switchedOn?.(db, shop);
}

export async function runSwitchedOff(db: Db, shop: string, key: SyncSwitchKey): Promise<void> {
  await SWITCH_HOOKS[key]?.switchedOff?.(db, shop);
}
