/**
 * The purchase options form (Purchases page → Options): what it posts, and its validation. Client-safe, so the
 * page can name its fields from the same constants; the server validates with `parseOptionsForm` before saving.
 *
 * Validation is the options schema of options.ts without its fallbacks: stored options fall back to defaults field
 * by field (`catch`), but a merchant's input that breaks a rule must be refused with a reason, not replaced.
 */
import { z } from "zod";

import { purchaseOptionsSchema, type PurchaseOptions } from "./options";

const shape = purchaseOptionsSchema.shape;

/** The same rules as purchaseOptionsSchema, with no defaults and no fallbacks. */
export const strictPurchaseOptionsSchema = z.object({
  upsellDelayMinutes: shape.upsellDelayMinutes.removeCatch().removeDefault(),
  excludedSources: shape.excludedSources.removeCatch().removeDefault(),
  excludedTags: shape.excludedTags.removeCatch().removeDefault(),
  skipTestOrders: shape.skipTestOrders.removeCatch().removeDefault(),
  matchByOrderName: shape.matchByOrderName.removeCatch().removeDefault(),
  mismatchGraceMinutes: shape.mismatchGraceMinutes.removeCatch().removeDefault(),
});

export const OPTIONS_INTENT = "options";

/** Field names of the posted form. Lists repeat their field once per value. */
export const OPTION_FIELDS = {
  intent: "intent",
  /** The stored options' revision the form was loaded with (optimistic concurrency, options.server.ts). */
  revision: "revision",
  upsellDelay: "upsellDelay", // "off" | "on"
  upsellDelayMinutes: "upsellDelayMinutes",
  excludedSource: "excludedSource",
  excludedTag: "excludedTag",
  skipTestOrders: "skipTestOrders", // "true" | "false"
  matchByOrderName: "matchByOrderName",
  mismatchGraceMinutes: "mismatchGraceMinutes",
} as const;

export type OptionField = keyof PurchaseOptions;
export type OptionErrors = Partial<Record<OptionField | "form", string>>;

// Bounds on what one form may hold: a stored option is read on every order, so it stays small.
export const MAX_LIST_ENTRIES = 100;
export const MAX_ENTRY_LENGTH = 255;

const MESSAGES: Record<OptionField, string> = {
  upsellDelayMinutes: "Enter a whole number of minutes from 1 to 60, or choose to forward at once.",
  excludedSources: "Each sales channel must be a name or an app id of at most 255 characters.",
  excludedTags: "Each tag must be at most 255 characters.",
  skipTestOrders: "Choose whether test orders are skipped.",
  matchByOrderName: "Choose whether storefront reports are matched by order name.",
  mismatchGraceMinutes: "Enter a whole number of minutes from 5 to 1440 (24 hours).",
};

/** A whole number typed into a field: digits only, so "1e1", "10.5" and " " are refused rather than coerced. */
function wholeNumber(value: FormDataEntryValue | null): number | null {
  if (typeof value !== "string") return null;
  const text = value.trim();
  return /^\d{1,6}$/.test(text) ? Number(text) : null;
}

function bool(value: FormDataEntryValue | null): boolean | null {
  return value === "true" ? true : value === "false" ? false : null;
}

/** Trimmed, empty entries dropped, duplicates (compared case-insensitively, as the rules compare) kept once. */
export function cleanList(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of values) {
    const value = raw.trim();
    if (!value || seen.has(value.toLowerCase())) continue;
    seen.add(value.toLowerCase());
    out.push(value);
  }
  return out;
}

export type ParsedOptionsForm =
  | { ok: true; options: PurchaseOptions; revision: string }
  | { ok: false; errors: OptionErrors };

export function parseOptionsForm(form: FormData): ParsedOptionsForm {
  const errors: OptionErrors = {};
  const revision = form.get(OPTION_FIELDS.revision);
  if (typeof revision !== "string" || !/^[0-9a-f]{1,64}$/.test(revision)) {
    errors.form = "The page is out of date. Reload it and save your options again.";
  }

  const delayMode = form.get(OPTION_FIELDS.upsellDelay);
  let upsellDelayMinutes: number | null = null;
  if (delayMode === "off") upsellDelayMinutes = 0;
  else if (delayMode === "on") {
    upsellDelayMinutes = wholeNumber(form.get(OPTION_FIELDS.upsellDelayMinutes));
    // 0 minutes is "forward at once", which has its own choice; here it would be a typo.
    if (upsellDelayMinutes === 0) upsellDelayMinutes = null;
  }

  const sources = cleanList(form.getAll(OPTION_FIELDS.excludedSource).map(String));
  const tags = cleanList(form.getAll(OPTION_FIELDS.excludedTag).map(String));
  const candidate = {
    upsellDelayMinutes,
    excludedSources: sources,
    excludedTags: tags,
    skipTestOrders: bool(form.get(OPTION_FIELDS.skipTestOrders)),
    matchByOrderName: bool(form.get(OPTION_FIELDS.matchByOrderName)),
    mismatchGraceMinutes: wholeNumber(form.get(OPTION_FIELDS.mismatchGraceMinutes)),
  };

  const parsed = strictPurchaseOptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as OptionField | undefined;
      if (field && field in MESSAGES) errors[field] ??= MESSAGES[field];
    }
  }
  if (sources.length > MAX_LIST_ENTRIES || sources.some((s) => s.length > MAX_ENTRY_LENGTH)) {
    errors.excludedSources ??=
      sources.length > MAX_LIST_ENTRIES ? `Exclude at most ${MAX_LIST_ENTRIES} sales channels.` : MESSAGES.excludedSources;
  }
  if (tags.some((t) => t.includes(","))) {
    // Shopify keeps an order's tags as one comma-separated text: a tag cannot contain a comma.
    errors.excludedTags ??= "A tag cannot contain a comma. Add each tag on its own.";
  } else if (tags.length > MAX_LIST_ENTRIES || tags.some((t) => t.length > MAX_ENTRY_LENGTH)) {
    errors.excludedTags ??= tags.length > MAX_LIST_ENTRIES ? `Exclude at most ${MAX_LIST_ENTRIES} tags.` : MESSAGES.excludedTags;
  }

  if (!parsed.success || Object.keys(errors).length > 0) {
    // A rule no message covers still refuses the form, with a reason.
    if (Object.keys(errors).length === 0) errors.form = "These options could not be saved. Check each field and try again.";
    return { ok: false, errors };
  }
  return { ok: true, options: parsed.data, revision: revision as string };
}

/** Options → the form's fields, for the page's submit and for tests. */
export function optionsToForm(options: PurchaseOptions, revision: string): FormData {
  const form = new FormData();
  form.set(OPTION_FIELDS.intent, OPTIONS_INTENT);
  form.set(OPTION_FIELDS.revision, revision);
  form.set(OPTION_FIELDS.upsellDelay, options.upsellDelayMinutes === 0 ? "off" : "on");
  form.set(OPTION_FIELDS.upsellDelayMinutes, options.upsellDelayMinutes === 0 ? "" : String(options.upsellDelayMinutes));
  for (const source of options.excludedSources) form.append(OPTION_FIELDS.excludedSource, source);
  for (const tag of options.excludedTags) form.append(OPTION_FIELDS.excludedTag, tag);
  form.set(OPTION_FIELDS.skipTestOrders, String(options.skipTestOrders));
  form.set(OPTION_FIELDS.matchByOrderName, String(options.matchByOrderName));
  form.set(OPTION_FIELDS.mismatchGraceMinutes, String(options.mismatchGraceMinutes));
  return form;
}
