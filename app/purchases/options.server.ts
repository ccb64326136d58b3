/**
 * Reading and saving the purchase options (SyncSetting.options of the `purchases` switch) from the Purchases page.
 *
 * The options share their row with the switch, which the control plane changes under a claim
 * (app/syncs/claim.server.ts): `version` is the claim, `updatedAt` its age. Saving therefore writes the `options`
 * column and nothing else, in raw SQL: no `version` bump (that would make a toggle in flight lose its claim), and
 * no `updatedAt` bump (that would keep an abandoned claim alive), exactly like `touchLastEvent`. A toggle never
 * writes `options`, so neither can undo the other, whatever the interleaving.
 *
 * Two saves of the options themselves (two tabs, two staff members) are ordered by the revision the form was
 * loaded with: a hash of the stored text. The write is conditional on the stored text still being the one that
 * hash names, so the second save of a stale form is refused (OptionsChangedError) instead of silently undoing the
 * first.
 */
import { createHash } from "node:crypto";

import type { PrismaClient } from "~/db.server";
import { logger } from "~/logger.server";
import { ensureSetting } from "~/syncs/claim.server";

import { parsePurchaseOptions, PURCHASES_SYNC, type PurchaseOptions } from "./options";
import { parseOptionsForm, type OptionErrors } from "./options-form";

export class OptionsChangedError extends Error {
  constructor(readonly shop: string) {
    super("The purchase options were changed elsewhere since this page was loaded.");
    this.name = "OptionsChangedError";
  }
}

export function optionsRevision(stored: string): string {
  return createHash("sha256").update(stored).digest("hex").slice(0, 16);
}

export interface OptionsView {
  options: PurchaseOptions;
  /** Hand back on save: see the module comment. */
  revision: string;
}

export async function loadPurchaseOptions(db: PrismaClient, shop: string): Promise<OptionsView> {
  const row = await db.syncSetting.findUnique({
    where: { shop_sync: { shop, sync: PURCHASES_SYNC } },
    select: { options: true },
  });
  const stored = row?.options ?? "{}";
  return { options: parsePurchaseOptions(stored), revision: optionsRevision(stored) };
}

/**
 * Stores validated options if the stored ones are still those of `revision`; returns the new view. The row is
 * created (switch off) when the merchant sets options before ever turning the sync on.
 */
export async function savePurchaseOptions(
  db: PrismaClient,
  shop: string,
  options: PurchaseOptions,
  revision: string,
): Promise<OptionsView> {
  const current = await ensureSetting(db, shop, PURCHASES_SYNC);
  if (optionsRevision(current.options) !== revision) throw new OptionsChangedError(shop);
  const next = JSON.stringify(options);
  if (next !== current.options) {
    const count = await db.$executeRaw`
      UPDATE "SyncSetting" SET "options" = ${next}
      WHERE "shop" = ${shop} AND "sync" = ${PURCHASES_SYNC} AND "options" = ${current.options}`;
    if (count === 0) throw new OptionsChangedError(shop);
  }
  return { options: parsePurchaseOptions(next), revision: optionsRevision(next) };
}

export type SaveOptionsResult =
  | { intent: "options"; ok: true; options: PurchaseOptions; revision: string }
  | { intent: "options"; ok: false; errors: OptionErrors; conflict?: OptionsView };

/**
 * The options form as posted by the Purchases page: validated (field errors in the merchant's words), then saved.
 * Returns the answer and its HTTP status: 200, 400 (invalid) or 409 (changed elsewhere, with what is stored now).
 */
export async function saveOptionsFromForm(
  db: PrismaClient,
  shop: string,
  form: FormData,
): Promise<[SaveOptionsResult, { status: number }]> {
  const parsed = parseOptionsForm(form);
  if (!parsed.ok) return [{ intent: "options", ok: false, errors: parsed.errors }, { status: 400 }];
  try {
    const saved = await savePurchaseOptions(db, shop, parsed.options, parsed.revision);
    logger.info({ shop, sync: PURCHASES_SYNC, options: saved.options }, "purchase options saved");
    return [{ intent: "options", ok: true, ...saved }, { status: 200 }];
  } catch (error) {
    if (!(error instanceof OptionsChangedError)) throw error;
    return [
      {
        intent: "options",
        ok: false,
        errors: {},
        conflict: await loadPurchaseOptions(db, shop),
      },
      { status: 409 },
    ];
  }
}
