/**
 * What the catalog switch does when it goes on or off (app/syncs/hooks.server.ts SWITCH_HOOKS.catalog), inside the
 * toggle's transaction: database work only. On: the feed row (and its secret URL) exists, the 4-hour export
 * schedule starts and a first export is queued (≤ 500 variants: exported at once; more: a bulk operation). Off: the
 * schedule stops; the feed answers 404 while the switch is off, and the stored catalog is kept for the next start.
 */
import type { SwitchHooks } from "~/syncs/hooks.server";

import { scheduleExports, unscheduleExports } from "./export.server";

export const catalogSwitchHooks: SwitchHooks = {
  async switchedOn(db, shop) {
    await scheduleExports(db, shop);
  },
  async switchedOff(db, shop) {
    await unscheduleExports(db, shop);
  },
};
