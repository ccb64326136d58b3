import { z } from "zod";

/** The purchase switch's key in SyncSetting, and the sync its webhooks and events are filed under. */
export const PURCHASES_SYNC = "purchases";

/**
 * The purchase sync's options, stored as JSON in SyncSetting.options. Each field falls back to its default on its
 * own (`catch`), so one bad value written by an older version does not throw away the merchant's other choices.
 */
export const purchaseOptionsSchema = z.object({
  /** 0 = forward at once; otherwise hold each new purchase this long so a post-purchase upsell is included. */
  upsellDelayMinutes: z.number().int().min(0).max(60).default(10).catch(10),
  /** `source_name` values to skip: web, pos, shopify_draft_order, subscription_contract, numeric app ids. */
  excludedSources: z.array(z.string().trim().min(1)).default([]).catch([]),
  /** Order tags to skip, compared case-insensitively. */
  excludedTags: z.array(z.string().trim().min(1)).default([]).catch([]),
  skipTestOrders: z.boolean().default(true).catch(true),
  /**
   * Also match a browser report to its order by order name/number (for storefronts whose older integration sends
   * the number rather than the id). Matching by order id is always on.
   */
  matchByOrderName: z.boolean().default(false).catch(false),
  /** How long one side (browser or server) may be missing before the purchase is flagged as a mismatch. */
  mismatchGraceMinutes: z.number().int().min(5).max(1440).default(60).catch(60),
});

export type PurchaseOptions = z.output<typeof purchaseOptionsSchema>;

export const DEFAULT_PURCHASE_OPTIONS: PurchaseOptions = purchaseOptionsSchema.parse({});

/** SyncSetting.options as stored (a JSON string, possibly "{}" or garbage) → complete options. */
export function parsePurchaseOptions(json: string | null | undefined): PurchaseOptions {
  let raw: unknown = {};
  try {
    raw = json ? JSON.parse(json) : {};
  } catch {
    raw = {};
  }
  const parsed = purchaseOptionsSchema.safeParse(raw && typeof raw === "object" && !Array.isArray(raw) ? raw : {});
  return parsed.success ? parsed.data : DEFAULT_PURCHASE_OPTIONS;
}
