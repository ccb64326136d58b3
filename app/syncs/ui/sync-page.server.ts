import { json } from "@remix-run/node";

import { prisma } from "~/db.server";
import { env } from "~/env.server";
import { logger } from "~/logger.server";
import { authenticate } from "~/shopify.server";
import { adminClientForSession } from "~/shopify/admin-client.server";
import {
  disableSwitch,
  enableSwitch,
  loadSwitches,
  recordScopeDeclined,
  ScopeNotGrantedError,
  SyncBusyError,
  SyncToggleError,
} from "~/syncs/control.server";
import { SYNC_PAGES, switchesOfPage, type SyncPageKey, type SyncSwitch } from "~/syncs/definitions";

import type { SyncActionResult, SyncPageData } from "./contract";
import { parseSyncForm } from "./sync-form";

/**
 * Loader and action shared by the sync settings pages (routes/app.purchases.tsx, app.consent.tsx,
 * app.catalog.tsx): authenticate, validate the form, hand over to the control plane (syncs/control.server.ts).
 */

export async function loadSyncPage(request: Request, page: SyncPageKey): Promise<SyncPageData> {
  const { session, scopes } = await authenticate.admin(request);
  const { granted } = await scopes.query();
  const switches = await loadSwitches(prisma, session.shop, page, granted);
  const { key, title, description } = SYNC_PAGES.find((p) => p.key === page)!;
  return { page: { key, title, description }, switches, now: new Date().toISOString() };
}

export async function syncPageAction(request: Request, page: SyncPageKey) {
  const { session, scopes } = await authenticate.admin(request);
  const form = parseSyncForm(await request.formData());
  const sw = form ? switchesOfPage(page).find((s) => s.key === form.key) : undefined;
  if (!form || !sw) {
    return json<SyncActionResult>(
      { ok: false, key: null, intent: null, error: "This page cannot change that sync. Reload the page and try again." },
      { status: 400 },
    );
  }
  const shop = session.shop;
  const log = logger.child({ shop, sync: sw.key, intent: form.intent });

  if (form.intent === "declined") {
    // Only the switch's own scopes are recorded: the list comes from the browser.
    const declined = form.scopes.filter((scope) => sw.scopes.includes(scope));
    if (declined.length === 0) {
      return json<SyncActionResult>(
        { ok: false, key: sw.key, intent: "declined", error: "Those permissions are not used by this sync." },
        { status: 400 },
      );
    }
    await recordScopeDeclined(prisma, shop, sw.key, declined);
    return json<SyncActionResult>({ ok: true, intent: "declined", key: sw.key, scopes: declined });
  }

  try {
    const client = adminClientForSession(session, { db: prisma });
    const status =
      form.intent === "enable"
        ? await enableSwitch(
            { db: prisma, shop, client, appUrl: env().SHOPIFY_APP_URL, grantedScopes: (await scopes.query()).granted },
            sw.key,
          )
        : await disableSwitch({ db: prisma, shop, client, appUrl: env().SHOPIFY_APP_URL }, sw.key);
    return json<SyncActionResult>({ ok: true, intent: form.intent, key: sw.key, switch: status });
  } catch (error) {
    return json<SyncActionResult>(...failure(error, sw, form.intent, log));
  }
}

function failure(
  error: unknown,
  sw: SyncSwitch,
  intent: "enable" | "disable",
  log: typeof logger,
): [SyncActionResult, { status: number }] {
  if (error instanceof ScopeNotGrantedError) {
    return [{ ok: false, key: sw.key, needsScopes: error.missing }, { status: 409 }];
  }
  if (error instanceof SyncBusyError) {
    return [{ ok: false, key: sw.key, intent, error: "Another change to this sync is in progress. Try again in a moment." }, { status: 409 }];
  }
  // The control plane has logged it and put the reason on the setting; its message is already in plain words.
  // The card titles the banner ("Purchase sync could not be turned on"), so the message is the reason alone.
  if (error instanceof SyncToggleError) {
    return [{ ok: false, key: sw.key, intent, error: error.message }, { status: 502 }];
  }
  log.error({ err: error }, "sync toggle failed");
  const reason = "Something went wrong in the app. Try again; if it keeps failing, contact support.";
  return [{ ok: false, key: sw.key, intent, error: reason }, { status: 502 }];
}
