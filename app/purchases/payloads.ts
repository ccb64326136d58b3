/**
 * The REST order and refund payloads of orders/create, orders/updated and refunds/create, validated with zod, and
 * the pure mapping into what a purchase stores and forwards. The bodies are parsed by parseShopifyJson, so an id
 * arrives as a number, or as a bigint beyond 2^53; `shopifyId` turns either into its decimal string.
 */
import { z } from "zod";

import { shopifyId } from "~/webhooks/json";

import { sumAmounts, toMinor } from "./money";

const decimal = z.union([z.string().regex(/^-?\d*\.?\d+$/), z.number()]).transform((v) => v.toString());
const timestamp = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), "not a timestamp")
  .transform((v) => new Date(v));
const money = z.object({ amount: decimal, currency_code: z.string() }).passthrough();
const moneySet = z.object({ shop_money: money, presentment_money: money }).passthrough();

export const orderPayloadSchema = z
  .object({
    id: shopifyId,
    name: z.string().nullish(),
    order_number: shopifyId.nullish(),
    email: z.string().nullish(),
    customer: z.object({ id: shopifyId, email: z.string().nullish() }).passthrough().nullish(),
    currency: z.string(),
    total_price: decimal,
    presentment_currency: z.string().nullish(),
    total_price_set: moneySet.nullish(),
    discount_codes: z
      .array(z.object({ code: z.string(), amount: decimal.nullish(), type: z.string().nullish() }).passthrough())
      .nullish(),
    line_items: z.array(
      z
        .object({
          id: shopifyId,
          product_id: shopifyId.nullish(),
          variant_id: shopifyId.nullish(),
          sku: z.string().nullish(),
          title: z.string().nullish(),
          quantity: z.number().int().nonnegative(),
          price: decimal,
        })
        .passthrough(),
    ),
    source_name: z.string().nullish(),
    tags: z.string().nullish(),
    test: z.boolean().nullish(),
    created_at: timestamp,
    processed_at: timestamp.nullish(),
    updated_at: timestamp,
  })
  .passthrough();

export type OrderPayload = z.output<typeof orderPayloadSchema>;

export interface PurchaseLineItem {
  lineItemId: string;
  productId: string | null;
  variantId: string | null;
  sku: string | null;
  title: string | null;
  quantity: number;
  price: string;
}

export interface DiscountCode {
  code: string;
  amount: string | null;
  type: string | null;
}

/** An order as the purchase sync stores and forwards it. */
export interface MappedOrder {
  orderId: string;
  orderName: string | null;
  orderNumber: string | null;
  customerId: string | null;
  email: string | null;
  currency: string;
  totalPrice: string;
  presentmentCurrency: string | null;
  presentmentTotal: string | null;
  discountCodes: DiscountCode[];
  lineItems: PurchaseLineItem[];
  sourceName: string | null;
  tags: string;
  test: boolean;
  orderCreatedAt: Date;
  processedAt: Date | null;
  sourceUpdatedAt: Date;
}

export function mapOrder(order: OrderPayload): MappedOrder {
  const presentment = order.total_price_set?.presentment_money;
  return {
    orderId: order.id,
    orderName: order.name ?? null,
    orderNumber: order.order_number ?? null,
    customerId: order.customer?.id ?? null,
    email: order.email || order.customer?.email || null,
    currency: order.currency,
    totalPrice: order.total_price,
    presentmentCurrency: presentment?.currency_code ?? order.presentment_currency ?? null,
    presentmentTotal: presentment?.amount ?? null,
    discountCodes: (order.discount_codes ?? []).map((d) => ({ code: d.code, amount: d.amount ?? null, type: d.type ?? null })),
    lineItems: order.line_items.map((item) => ({
      lineItemId: item.id,
      productId: item.product_id ?? null,
      variantId: item.variant_id ?? null,
      sku: item.sku || null,
      title: item.title ?? null,
      quantity: item.quantity,
      price: item.price,
    })),
    sourceName: order.source_name ?? null,
    tags: order.tags ?? "",
    test: order.test ?? false,
    orderCreatedAt: order.created_at,
    processedAt: order.processed_at ?? null,
    sourceUpdatedAt: order.updated_at,
  };
}

export const refundPayloadSchema = z
  .object({
    id: shopifyId,
    order_id: shopifyId,
    created_at: timestamp,
    refund_line_items: z
      .array(
        z
          .object({
            line_item_id: shopifyId,
            quantity: z.number().int().nonnegative(),
            subtotal: decimal.nullish(),
            total_tax: decimal.nullish(),
          })
          .passthrough(),
      )
      .nullish(),
    transactions: z
      .array(
        z
          .object({
            kind: z.string().nullish(),
            status: z.string().nullish(),
            amount: decimal,
            currency: z.string().nullish(),
          })
          .passthrough(),
      )
      .nullish(),
  })
  .passthrough();

export type RefundPayload = z.output<typeof refundPayloadSchema>;

export interface RefundLineItem {
  lineItemId: string;
  quantity: number;
  subtotal: string | null;
}

export interface MappedRefund {
  refundId: string;
  orderId: string;
  /** The money returned to the buyer by this refund. */
  amount: string;
  /** The currency of `amount`; null when it was taken from the line items, which are in the shop currency. */
  currency: string | null;
  lineItems: RefundLineItem[];
  refundCreatedAt: Date;
}

/**
 * The refunded amount is what the refund's successful `refund` transactions returned (the money that actually
 * went back, shipping included). A refund without transactions (restock only, or a payload trimmed by
 * includeFields) falls back to its line items' subtotal plus tax, in the shop currency.
 */
export function mapRefund(refund: RefundPayload): MappedRefund {
  const lineItems = (refund.refund_line_items ?? []).map((item) => ({
    lineItemId: item.line_item_id,
    quantity: item.quantity,
    subtotal: item.subtotal ?? null,
  }));
  const refunds = (refund.transactions ?? []).filter(
    (t) => (t.kind ?? "refund") === "refund" && (t.status ?? "success") === "success",
  );
  if (refunds.length > 0) {
    return {
      refundId: refund.id,
      orderId: refund.order_id,
      amount: sumAmounts(refunds.map((t) => t.amount)),
      currency: refunds[0].currency ?? null,
      lineItems,
      refundCreatedAt: refund.created_at,
    };
  }
  const amounts = (refund.refund_line_items ?? []).flatMap((item) => [item.subtotal ?? "0", item.total_tax ?? "0"]);
  return {
    refundId: refund.id,
    orderId: refund.order_id,
    amount: sumAmounts(amounts),
    currency: null,
    lineItems,
    refundCreatedAt: refund.created_at,
  };
}

/** The parts of a purchase and its refunds that decide whether it is fully refunded. */
export interface RefundCheckOrder {
  currency: string;
  totalPrice: string;
  presentmentCurrency: string | null;
  presentmentTotal: string | null;
  lineItems: Pick<PurchaseLineItem, "lineItemId" | "quantity">[];
}

/**
 * A purchase is fully refunded when either
 * - the refunds returned at least the order total, summed per currency and compared with the total in that
 *   currency (refund transactions are in the presentment currency, line-item fallbacks in the shop currency), or
 * - every line item with a quantity was refunded in full quantity (covers refunds paid outside Shopify, e.g. store
 *   credit, that carry no refund transaction).
 * A zero-total order counts only by the second rule: an empty refund must not mark a free order refunded.
 */
export function isFullyRefunded(
  order: RefundCheckOrder,
  refunds: Pick<MappedRefund, "amount" | "currency" | "lineItems">[],
): boolean {
  if (refunds.length === 0) return false;
  const byCurrency = new Map<string, bigint>();
  for (const refund of refunds) {
    const currency = (refund.currency ?? order.currency).toUpperCase();
    byCurrency.set(currency, (byCurrency.get(currency) ?? 0n) + toMinor(refund.amount));
  }
  const totals: [string, string][] = [[order.currency.toUpperCase(), order.totalPrice]];
  if (order.presentmentCurrency && order.presentmentTotal) {
    totals.push([order.presentmentCurrency.toUpperCase(), order.presentmentTotal]);
  }
  for (const [currency, total] of totals) {
    const refunded = byCurrency.get(currency);
    if (refunded !== undefined && toMinor(total) > 0n && refunded >= toMinor(total)) return true;
  }
  const refundedQuantity = new Map<string, number>();
  for (const item of refunds.flatMap((r) => r.lineItems)) {
    refundedQuantity.set(item.lineItemId, (refundedQuantity.get(item.lineItemId) ?? 0) + item.quantity);
  }
  const sold = order.lineItems.filter((item) => item.quantity > 0);
  return sold.length > 0 && sold.every((item) => (refundedQuantity.get(item.lineItemId) ?? 0) >= item.quantity);
}
