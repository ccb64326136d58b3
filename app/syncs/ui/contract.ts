import type { SwitchStatus } from "~/syncs/control.server";
import type { SyncPageKey, SyncSwitchKey } from "~/syncs/definitions";

/**
 * What a sync settings page's loader and action send to the browser. Types only, so the client components can
 * share them with the server module (app/syncs/ui/sync-page.server.ts) without importing server code.
 */
export interface SyncPageData {
  page: { key: SyncPageKey; title: string; description: string };
  switches: SwitchStatus[];
  /** The server's clock when the page was loaded: relative times are computed against it on both renders. */
  now: string;
}

export type SyncIntent = "enable" | "disable" | "declined";

export type SyncActionResult =
  | { ok: true; intent: "enable" | "disable"; key: SyncSwitchKey; switch: SwitchStatus }
  | { ok: true; intent: "declined"; key: SyncSwitchKey; scopes: string[] }
  /** Shopify has not granted these yet (they changed between page load and click): ask the merchant, then retry. */
  | { ok: false; key: SyncSwitchKey; needsScopes: string[] }
  | { ok: false; key: SyncSwitchKey | null; intent: SyncIntent | null; error: string };
