/**
 * The app's web pixel on the shop (extensions/purchase-pixel): created with its settings when the purchase switch
 * turns on, deleted when it turns off. Shopify allows one web pixel per app and shop; the app never holds more.
 *
 * `purchases.pixel.sync` converges: it reads the switch when it runs and makes Shopify match (on → the pixel exists
 * with the current settings; off → no pixel). The switch hooks enqueue it on every toggle, so however the jobs of a
 * quick on/off/on interleave, the last one to run leaves the state the switch has; a pixel created while the switch
 * went off in the meantime is deleted again at once.
 */
import { z } from "zod";

import type { PrismaClient } from "~/db.server";
import { env } from "~/env.server";
import { WEB_PIXEL_QUERY } from "~/graphql/WebPixel";
import { WEB_PIXEL_CREATE_MUTATION } from "~/graphql/WebPixelCreate";
import { WEB_PIXEL_DELETE_MUTATION } from "~/graphql/WebPixelDelete";
import { WEB_PIXEL_UPDATE_MUTATION } from "~/graphql/WebPixelUpdate";
import { defineJob, PermanentJobError } from "~/jobs/define.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { assertNoUserErrors, GraphqlErrorsError, ShopNeedsReauthError, UserErrorsError, normaliseUserErrors } from "~/shopify/errors";
import type { WebPixelCreateMutation, WebPixelDeleteMutation, WebPixelQuery, WebPixelUpdateMutation } from "~/types/admin.generated";

import { PURCHASES_SYNC } from "./options";

export const PIXEL_SYNC_JOB = "purchases.pixel.sync";

/** Where the pixel posts: the app's own endpoint (app/routes/pixel.purchases.tsx). */
export const PIXEL_ENDPOINT_PATH = "/pixel/purchases";

/** The pixel's settings, as the `[settings]` of its shopify.extension.toml defines them (string values only). */
export interface PixelSettings {
  endpoint: string;
}

export function pixelSettings(appUrl: string): PixelSettings {
  return { endpoint: new URL(PIXEL_ENDPOINT_PATH, appUrl).toString() };
}

/** Shopify's JSON scalar: the settings come back as a JSON string (or, from some clients, an object). */
function readSettings(value: unknown): Record<string, unknown> | null {
  try {
    const parsed = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const NO_PIXEL = /no web pixel was found/i;

/** The app's pixel on the shop, or null. Shopify answers "no pixel" with a top-level error, not with null. */
export async function findWebPixel(client: AdminClient, signal?: AbortSignal): Promise<{ id: string; settings: Record<string, unknown> | null } | null> {
  try {
    const data = await client.request<WebPixelQuery>(WEB_PIXEL_QUERY, { sync: PURCHASES_SYNC, signal });
    return data.webPixel ? { id: data.webPixel.id, settings: readSettings(data.webPixel.settings) } : null;
  } catch (error) {
    if (error instanceof GraphqlErrorsError && error.errors.every((e) => NO_PIXEL.test(String((e as { message?: unknown }).message)))) {
      return null;
    }
    throw error;
  }
}

export type PixelOutcome = "created" | "updated" | "unchanged" | "deleted" | "absent";

/** Makes the shop's pixel exist with `settings`: create, or (TAKEN: it exists) update when the settings differ. */
export async function ensureWebPixel(client: AdminClient, settings: PixelSettings, signal?: AbortSignal): Promise<PixelOutcome> {
  const input = { settings: JSON.stringify(settings) };
  const data = await client.request<WebPixelCreateMutation>(WEB_PIXEL_CREATE_MUTATION, { variables: { webPixel: input }, sync: PURCHASES_SYNC, signal });
  const payload = data.webPixelCreate;
  const errors = normaliseUserErrors(payload?.userErrors);
  if (!(errors.length > 0 && errors.every((e) => e.code === "TAKEN"))) {
    assertNoUserErrors(payload, "WebPixelCreate");
    return "created";
  }
  const existing = await findWebPixel(client, signal);
  // TAKEN, then gone before we could read it (deleted meanwhile): create it on the next run.
  if (!existing) throw new Error("WebPixelCreate answered TAKEN but the shop has no web pixel; retrying");
  const current = existing.settings ?? {};
  const same = Object.keys(settings).length === Object.keys(current).length && Object.entries(settings).every(([k, v]) => current[k] === v);
  if (same) return "unchanged";
  const updated = await client.request<WebPixelUpdateMutation>(WEB_PIXEL_UPDATE_MUTATION, {
    variables: { id: existing.id, webPixel: input },
    sync: PURCHASES_SYNC,
    signal,
  });
  assertNoUserErrors(updated.webPixelUpdate, "WebPixelUpdate");
  return "updated";
}

/** Makes the shop have no pixel of this app. */
export async function removeWebPixel(client: AdminClient, signal?: AbortSignal): Promise<PixelOutcome> {
  const existing = await findWebPixel(client, signal);
  if (!existing) return "absent";
  const data = await client.request<WebPixelDeleteMutation>(WEB_PIXEL_DELETE_MUTATION, { variables: { id: existing.id }, sync: PURCHASES_SYNC, signal });
  const errors = normaliseUserErrors(data.webPixelDelete?.userErrors);
  if (errors.length > 0 && errors.every((e) => e.code === "NOT_FOUND")) return "absent";
  assertNoUserErrors(data.webPixelDelete, "WebPixelDelete");
  return "deleted";
}

/** Shopify refusals that no retry can fix: the extension is not deployed, or its settings definition differs. */
const PERMANENT_CODES = new Set(["NO_EXTENSION", "INVALID_SETTINGS", "INVALID_SETTINGS_DEFINITION", "INVALID_CONFIGURATION_JSON", "INVALID_RUNTIME_CONTEXT"]);

async function switchIsOn(db: PrismaClient, shop: string): Promise<boolean> {
  const row = await db.syncSetting.findUnique({ where: { shop_sync: { shop, sync: PURCHASES_SYNC } }, select: { enabled: true } });
  return row?.enabled ?? false;
}

export const pixelSyncJob = defineJob(PIXEL_SYNC_JOB, {
  schema: z.object({}).passthrough(),
  maxAttempts: 6,
  backoff: { baseMs: 30_000, maxMs: 30 * 60_000 },
  async perform(_payload, { db, shop, logger, signal }) {
    if (!shop) throw new PermanentJobError("web pixel job without a shop");
    const installed = await db.shop.findUnique({ where: { shop }, select: { uninstalledAt: true } });
    // Uninstalling removes the app's pixel with the installation; there is nothing to do and no token to do it.
    if (!installed || installed.uninstalledAt) return;
    try {
      // Loaded here: the job registry imports this module, and the client brings the Shopify composition root.
      const { adminClientForShop } = await import("~/shopify/admin-client.server");
      const client = await adminClientForShop(shop, { db });
      let outcome: PixelOutcome;
      if (await switchIsOn(db, shop)) {
        outcome = await ensureWebPixel(client, pixelSettings(env().SHOPIFY_APP_URL), signal);
        // Turned off while we were creating it: that toggle's job may already have found nothing to delete.
        if (outcome === "created" && !(await switchIsOn(db, shop))) outcome = await removeWebPixel(client, signal);
      } else {
        outcome = await removeWebPixel(client, signal);
      }
      logger.info({ outcome }, "web pixel synced with the purchase switch");
    } catch (error) {
      if (error instanceof ShopNeedsReauthError) throw new PermanentJobError(error.message, { cause: error });
      if (error instanceof UserErrorsError && error.userErrors.some((e) => e.code && PERMANENT_CODES.has(e.code))) {
        throw new PermanentJobError(`Shopify refused the web pixel: ${error.message}`, { cause: error });
      }
      if (error instanceof GraphqlErrorsError && error.codes.includes("ACCESS_DENIED")) {
        throw new PermanentJobError(`Shopify denied the web pixel (a permission is missing): ${error.message}`, { cause: error });
      }
      throw error;
    }
  },
});
