/**
 * What the storefront reports about a purchase: the body the web pixel (extensions/purchase-pixel) posts to
 * `/pixel/purchases`, validated with zod, and its mapping into a BrowserPurchase row. Pure: the route and the tests
 * use it without a database.
 *
 * The body is parsed with parseShopifyJson, so an order id sent as a bare JSON number above 2^53 arrives as a bigint
 * and keeps every digit. Ids may come as digits, as numbers, or as GIDs (`gid://shopify/Order/1`,
 * `gid://shopify/OrderIdentity/1`, which is what checkout_completed carries, sometimes base64-encoded): all reduce
 * to the decimal order id.
 */
import { z } from "zod";

import { fromMinor, toMinor } from "./money";

/** Bodies above this are refused with 413 before parsing (a browser's keepalive fetch carries at most 64 KiB). */
export const MAX_REPORT_BYTES = 64 * 1024;
/** More lines than this are refused; the pixel sends at most PIXEL_MAX_LINES and an itemCount covering all. */
export const MAX_REPORT_LINES = 250;

const GID = /^gid:\/\/shopify\/(?:Order|OrderIdentity)\/(\d{1,20})(?:\?.*)?$/;
const DIGITS = /^\d{1,20}$/;

/**
 * An order id as the storefront may send it, reduced to its decimal digits, or null when it is not one. Accepts
 * digits, a JSON number or bigint, an Order or OrderIdentity GID, and a base64-encoded GID.
 */
export function normalizeOrderId(value: unknown): string | null {
  if (typeof value === "bigint") return value >= 0n ? value.toString() : null;
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 ? String(value) : null;
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (DIGITS.test(text)) return /^0+$/.test(text) ? null : text.replace(/^0+/, "");
  const gid = GID.exec(text);
  if (gid) return gid[1];
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0) {
    const decoded = atob(text);
    const inner = GID.exec(decoded);
    if (inner) return inner[1];
  }
  return null;
}

/** A variant or product id as the pixel sends it (digits or a GID of any type), or null. */
export function normalizeResourceId(value: unknown): string | null {
  if (typeof value === "bigint" || typeof value === "number") return normalizeOrderId(value);
  if (typeof value !== "string") return null;
  const match = /^(?:gid:\/\/shopify\/\w+\/)?(\d{1,20})(?:\?.*)?$/.exec(value.trim());
  return match ? match[1] : null;
}

const DECIMAL = /^\d{1,12}(\.\d{1,6})?$/;
const DECIMAL_MESSAGE = "a decimal amount such as 12.50";

/** A decimal amount, from a JSON string (what the pixel sends) or number, as a string with at least two decimals. */
const amount = z
  .union([z.string().trim(), z.number().finite()])
  .transform((v) => (typeof v === "number" ? v.toString() : v))
  .refine((text) => DECIMAL.test(text), DECIMAL_MESSAGE)
  .transform((text) => fromMinor(toMinor(text)));

const idLike = z.union([z.string().max(200), z.number(), z.bigint()]);

const lineItem = z.object({
  variantId: idLike.nullish(),
  productId: idLike.nullish(),
  sku: z.string().max(255).nullish(),
  title: z.string().max(500).nullish(),
  quantity: z.number().int().min(0).max(100_000),
  price: amount.nullish(),
});

export const browserReportSchema = z
  .object({
    /** The myshopify domain (the pixel reads `init.data.shop.myshopifyDomain`). */
    shop: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "a myshopify.com domain"),
    /** The customer event's id: a retried post carries the same one and is stored once. */
    eventId: z.string().trim().regex(/^[\x21-\x7e]{1,128}$/, "1 to 128 printable ASCII characters without spaces"),
    occurredAt: z
      .string()
      .max(64)
      .refine((v) => !Number.isNaN(Date.parse(v)), "an ISO 8601 timestamp")
      .transform((v) => new Date(v)),
    orderId: idLike.nullish().refine((v) => v === undefined || v === null || normalizeOrderId(v) !== null, "an order id (digits or an Order GID)"),
    orderName: z.string().trim().min(1).max(64).nullish(),
    checkoutToken: z.string().trim().max(128).nullish(),
    totalPrice: amount,
    currency: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{3}$/, "an ISO 4217 currency code"),
    // Not checked for shape: Shopify validated the checkout's email, and a legacy integration's odd value is still
    // worth comparing rather than losing the whole report over.
    email: z.string().trim().max(254).nullish(),
    itemCount: z.number().int().min(0).max(1_000_000).nullish(),
    lineItems: z.array(lineItem).max(MAX_REPORT_LINES).default([]),
  })
  .passthrough()
  .superRefine((report, ctx) => {
    if ((report.orderId === undefined || report.orderId === null) && !report.orderName) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["orderId"], message: "orderId or orderName is required" });
    }
    const sum = report.lineItems.reduce((total, line) => total + line.quantity, 0);
    if (report.itemCount !== undefined && report.itemCount !== null && report.itemCount < sum) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["itemCount"], message: "smaller than the quantities of the lines sent" });
    }
  });

export type BrowserReportInput = z.input<typeof browserReportSchema>;

export interface BrowserReportLine {
  variantId: string | null;
  productId: string | null;
  sku: string | null;
  title: string | null;
  quantity: number;
  price: string | null;
}

/** A validated report, as a BrowserPurchase row stores it. */
export interface BrowserReport {
  shop: string;
  eventId: string;
  occurredAt: Date;
  orderId: string | null;
  orderName: string | null;
  checkoutToken: string | null;
  totalPrice: string;
  currency: string;
  /** Trimmed and lower-cased: compared case-insensitively, and found by customers/redact whatever was typed. */
  email: string | null;
  itemCount: number;
  lineItems: BrowserReportLine[];
}

export interface ReportIssue {
  path: string;
  message: string;
}

export type ParsedReport = { ok: true; report: BrowserReport } | { ok: false; issues: ReportIssue[] };

/** Validates a parsed body; on failure, the field errors in words a developer can act on. */
export function parseBrowserReport(body: unknown): ParsedReport {
  const result = browserReportSchema.safeParse(body);
  if (!result.success) {
    return {
      ok: false,
      issues: result.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message })),
    };
  }
  const r = result.data;
  const lines: BrowserReportLine[] = r.lineItems.map((line) => ({
    variantId: normalizeResourceId(line.variantId),
    productId: normalizeResourceId(line.productId),
    sku: line.sku || null,
    title: line.title ?? null,
    quantity: line.quantity,
    price: line.price ?? null,
  }));
  return {
    ok: true,
    report: {
      shop: r.shop,
      eventId: r.eventId,
      occurredAt: r.occurredAt,
      orderId: r.orderId === undefined || r.orderId === null ? null : normalizeOrderId(r.orderId),
      orderName: r.orderName ?? null,
      checkoutToken: r.checkoutToken || null,
      totalPrice: r.totalPrice,
      currency: r.currency,
      email: r.email ? r.email.trim().toLowerCase() : null,
      itemCount: r.itemCount ?? lines.reduce((total, line) => total + line.quantity, 0),
      lineItems: lines,
    },
  };
}
