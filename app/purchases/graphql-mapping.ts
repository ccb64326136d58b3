/**
 * An order read through the GraphQL Admin API (the catch-up's PurchasesOrder query, the backfill's bulk JSONL) →
 * the same `MappedOrder` that `mapOrder` (payloads.ts) makes of the orders/create webhook payload, so both paths
 * register identical purchases. tests/purchases/graphql-mapping.test.ts reads one simulator order both ways and
 * compares every field.
 *
 * REST ↔ GraphQL, field by field:
 * - ids: GIDs (`gid://shopify/Order/123`) reduced to their decimal digits (never through a JS number);
 * - `order_number` is GraphQL's `number` (the number inside the name, "#1001" → 1001);
 * - money: GraphQL's Decimal prints like BigDecimal ("10.0"); REST always writes at least two decimals ("10.00"):
 *   `restDecimal` pads to two and keeps any further digits ("1.234" stays);
 * - `total_price` / `total_price_set`: `totalPriceSet` (shop and presentment money);
 * - line item `price`: `originalUnitPriceSet.shopMoney` (REST's line price is the undiscounted unit price in the
 *   shop currency); `sku: ""` becomes null as in mapOrder;
 * - `discount_codes[]`: the DiscountCodeApplications in index order; `amount` = the allocations of that
 *   application on line items and shipping lines (what REST reports as deducted), `type` = "shipping" for a
 *   shipping-line target, "percentage" for a percentage value, else "fixed_amount";
 * - `tags`: REST's comma-separated string is GraphQL's list joined with ", ";
 * - `email`: the order's, else the customer's default email (REST: `email || customer.email`);
 * - times: REST carries the shop's UTC offset, GraphQL UTC; both become the same Date.
 *
 * Scopes: GraphQL hides `customer` without read_customers and line items' `product`/`variant` without
 * read_products (webhook payloads carry them with read_orders alone). Queries leave those fields out when the scope
 * is missing, and they map to null here; see the purchases README, "Catch-up and backfill".
 */
import { z } from "zod";

import { numericId } from "~/webhooks/json";

import type { DiscountCode, MappedOrder, PurchaseLineItem } from "./payloads";

const gid = z.string().regex(/^gid:\/\/shopify\/[A-Za-z]+\/\d+/, "not a Shopify GID");
const decimal = z.union([z.string().regex(/^-?\d*\.?\d+$/), z.number()]).transform((v) => v.toString());
const timestamp = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), "not a timestamp")
  .transform((v) => new Date(v));
const shopMoney = z.object({ shopMoney: z.object({ amount: decimal }).passthrough() }).passthrough();
const allocation = z
  .object({
    allocatedAmountSet: shopMoney,
    discountApplication: z.object({ index: z.number().int().nonnegative() }).passthrough(),
  })
  .passthrough();

export const graphqlOrderSchema = z
  .object({
    id: gid,
    name: z.string().nullish(),
    number: z.union([z.number().int(), z.string().regex(/^\d+$/)]).nullish(),
    email: z.string().nullish(),
    customer: z
      .object({ id: gid, defaultEmailAddress: z.object({ emailAddress: z.string().nullish() }).passthrough().nullish() })
      .passthrough()
      .nullish(),
    currencyCode: z.string(),
    presentmentCurrencyCode: z.string().nullish(),
    totalPriceSet: z
      .object({
        shopMoney: z.object({ amount: decimal, currencyCode: z.string() }).passthrough(),
        presentmentMoney: z.object({ amount: decimal, currencyCode: z.string() }).passthrough().nullish(),
      })
      .passthrough(),
    sourceName: z.string().nullish(),
    tags: z.array(z.string()).nullish(),
    test: z.boolean().nullish(),
    createdAt: timestamp,
    processedAt: timestamp.nullish(),
    updatedAt: timestamp,
  })
  .passthrough();

export const graphqlLineItemSchema = z
  .object({
    id: gid,
    sku: z.string().nullish(),
    title: z.string().nullish(),
    quantity: z.number().int().nonnegative(),
    product: z.object({ id: gid }).passthrough().nullish(),
    variant: z.object({ id: gid }).passthrough().nullish(),
    originalUnitPriceSet: shopMoney,
    discountAllocations: z.array(allocation).nullish(),
  })
  .passthrough();

export const graphqlDiscountApplicationSchema = z
  .object({
    __typename: z.string(),
    index: z.number().int().nonnegative(),
    targetType: z.string().nullish(),
    value: z.object({ __typename: z.string() }).passthrough().nullish(),
    code: z.string().nullish(),
  })
  .passthrough();

export const graphqlShippingLineSchema = z.object({ discountAllocations: z.array(allocation).nullish() }).passthrough();

export type GraphqlOrder = z.output<typeof graphqlOrderSchema>;
export type GraphqlLineItem = z.output<typeof graphqlLineItemSchema>;
export type GraphqlDiscountApplication = z.output<typeof graphqlDiscountApplicationSchema>;
export type GraphqlShippingLine = z.output<typeof graphqlShippingLineSchema>;

export interface GraphqlOrderParts {
  lineItems: GraphqlLineItem[];
  discountApplications: GraphqlDiscountApplication[];
  shippingLines: GraphqlShippingLine[];
}

/** GraphQL Decimal ("10.0", "10", "1.234") → REST's money string ("10.00", "10.00", "1.234"). */
export function restDecimal(amount: string): string {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(amount.trim());
  if (!match) throw new Error(`Not a decimal amount: ${amount}`);
  const [, sign, whole, fraction = ""] = match;
  const digits = fraction.replace(/0+$/, "").padEnd(2, "0");
  return `${sign}${whole || "0"}.${digits}`;
}

/** Exact decimal addition of REST money strings (no binary floating point). */
function addDecimals(amounts: string[]): string {
  const scale = Math.max(2, ...amounts.map((a) => (a.split(".")[1] ?? "").length));
  const total = amounts.reduce((sum, a) => {
    const [whole, fraction = ""] = a.replace(/^-/, "").split(".");
    const value = BigInt(whole || "0") * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, "0") || "0");
    return sum + (a.startsWith("-") ? -value : value);
  }, 0n);
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const unit = 10n ** BigInt(scale);
  return restDecimal(`${negative ? "-" : ""}${abs / unit}.${(abs % unit).toString().padStart(scale, "0")}`);
}

function discountType(application: GraphqlDiscountApplication): string {
  if (application.targetType === "SHIPPING_LINE") return "shipping";
  if (application.value?.__typename === "PricingPercentageValue") return "percentage";
  return "fixed_amount";
}

export function mapGraphqlDiscountCodes(parts: GraphqlOrderParts): DiscountCode[] {
  const allocations = [...parts.lineItems, ...parts.shippingLines].flatMap((owner) => owner.discountAllocations ?? []);
  return parts.discountApplications
    .filter((application) => application.__typename === "DiscountCodeApplication" && application.code)
    .sort((a, b) => a.index - b.index)
    .map((application) => ({
      code: application.code as string,
      amount: addDecimals(
        allocations
          .filter((a) => a.discountApplication.index === application.index)
          .map((a) => restDecimal(a.allocatedAmountSet.shopMoney.amount)),
      ),
      type: discountType(application),
    }));
}

export function mapGraphqlLineItem(item: GraphqlLineItem): PurchaseLineItem {
  return {
    lineItemId: numericId(item.id),
    productId: item.product ? numericId(item.product.id) : null,
    variantId: item.variant ? numericId(item.variant.id) : null,
    sku: item.sku || null,
    title: item.title ?? null,
    quantity: item.quantity,
    price: restDecimal(item.originalUnitPriceSet.shopMoney.amount),
  };
}

export function mapGraphqlOrder(order: GraphqlOrder, parts: GraphqlOrderParts): MappedOrder {
  const presentment = order.totalPriceSet.presentmentMoney;
  return {
    orderId: numericId(order.id),
    orderName: order.name ?? null,
    orderNumber: order.number === null || order.number === undefined ? null : order.number.toString(),
    customerId: order.customer ? numericId(order.customer.id) : null,
    email: order.email || order.customer?.defaultEmailAddress?.emailAddress || null,
    currency: order.currencyCode,
    totalPrice: restDecimal(order.totalPriceSet.shopMoney.amount),
    presentmentCurrency: presentment?.currencyCode ?? order.presentmentCurrencyCode ?? null,
    presentmentTotal: presentment ? restDecimal(presentment.amount) : null,
    discountCodes: mapGraphqlDiscountCodes(parts),
    lineItems: parts.lineItems.map(mapGraphqlLineItem),
    sourceName: order.sourceName ?? null,
    tags: (order.tags ?? []).join(", "),
    test: order.test ?? false,
    orderCreatedAt: order.createdAt,
    processedAt: order.processedAt ?? null,
    sourceUpdatedAt: order.updatedAt,
  };
}

/** Parses untrusted GraphQL data (a query answer, bulk lines) and maps it; throws a ZodError naming the bad field. */
export function parseGraphqlOrder(
  order: unknown,
  parts: { lineItems: unknown[]; discountApplications: unknown[]; shippingLines: unknown[] },
): MappedOrder {
  return mapGraphqlOrder(graphqlOrderSchema.parse(order), {
    lineItems: parts.lineItems.map((item) => graphqlLineItemSchema.parse(item)),
    discountApplications: parts.discountApplications.map((a) => graphqlDiscountApplicationSchema.parse(a)),
    shippingLines: parts.shippingLines.map((l) => graphqlShippingLineSchema.parse(l)),
  });
}
