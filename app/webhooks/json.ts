import { parse, isSafeNumber, isInteger } from "lossless-json";
import { z } from "zod";

/**
 * Shopify's numeric ids can exceed 2^53, where JSON.parse silently rounds them. Webhook bodies are parsed here
 * instead: integers beyond the safe range become bigint, everything else is what JSON.parse would give.
 */
export function parseShopifyJson(text: string): unknown {
  return parse(text, null, (value) =>
    isInteger(value) && !isSafeNumber(value) ? BigInt(value) : Number(value),
  );
}

/** A Shopify numeric id in any form a payload carries it (number, bigint, digit string), as a decimal string. */
export const shopifyId = z
  .union([z.string().regex(/^\d+$/), z.number().int().nonnegative(), z.bigint().nonnegative()])
  .transform((v) => v.toString());

/** A GID (`gid://shopify/Customer/123`) reduced to its numeric id, or a plain numeric id, as a string. */
export function numericId(id: string | number | bigint): string {
  const text = id.toString();
  const match = /(\d+)(?:\?.*)?$/.exec(text);
  if (!match) throw new Error(`Not a Shopify id: ${text}`);
  return match[1];
}
