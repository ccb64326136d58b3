/**
 * Shopify-shaped REST order and refund payloads (the orders/create, orders/updated and refunds/create bodies),
 * written as raw JSON text so that ids above 2^53 travel digit for digit, as Shopify sends them.
 */
export interface OrderFixture {
  id: string;
  name?: string;
  orderNumber?: number;
  email?: string | null;
  customerId?: string | null;
  currency?: string;
  totalPrice?: string;
  presentment?: { amount: string; currency: string };
  lineItems?: { id: string; productId: string; variantId: string; sku: string; quantity: number; price: string }[];
  discountCodes?: { code: string; amount: string; type: string }[];
  sourceName?: string;
  tags?: string;
  test?: boolean;
  createdAt?: string;
  updatedAt?: string;
}

/** A raw number in the JSON text: ids are digits, never quoted, exactly like Shopify's REST payloads. */
const raw = (digits: string) => `__RAW__${digits}__`;
const unraw = (text: string) => text.replace(/"__RAW__(\d+)__"/g, "$1");

export function orderBody(order: OrderFixture): string {
  const currency = order.currency ?? "EUR";
  const total = order.totalPrice ?? "25.00";
  const presentment = order.presentment ?? { amount: total, currency };
  const createdAt = order.createdAt ?? new Date().toISOString();
  const lineItems = order.lineItems ?? [
    { id: "11001", productId: "7001", variantId: "8001", sku: "TEE-M", quantity: 1, price: total },
  ];
  const body = {
    id: raw(order.id),
    admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
    name: order.name ?? "#1001",
    order_number: order.orderNumber ?? 1001,
    email: order.email === undefined ? "ada@example.com" : order.email,
    phone: null,
    customer:
      order.customerId === null
        ? null
        : { id: raw(order.customerId ?? "5001"), email: order.email === undefined ? "ada@example.com" : order.email },
    currency,
    presentment_currency: presentment.currency,
    total_price: total,
    subtotal_price: total,
    total_discounts: "0.00",
    total_tax: "0.00",
    total_price_set: {
      shop_money: { amount: total, currency_code: currency },
      presentment_money: { amount: presentment.amount, currency_code: presentment.currency },
    },
    discount_codes: order.discountCodes ?? [],
    line_items: lineItems.map((item) => ({
      id: raw(item.id),
      product_id: raw(item.productId),
      variant_id: raw(item.variantId),
      sku: item.sku,
      title: "T-shirt",
      quantity: item.quantity,
      price: item.price,
    })),
    source_name: order.sourceName ?? "web",
    tags: order.tags ?? "",
    note: null,
    note_attributes: [],
    test: order.test ?? false,
    financial_status: "paid",
    created_at: createdAt,
    processed_at: createdAt,
    updated_at: order.updatedAt ?? createdAt,
    cancelled_at: null,
    refunds: [],
  };
  return unraw(JSON.stringify(body));
}

export interface RefundFixture {
  id: string;
  orderId: string;
  amount?: string;
  currency?: string;
  lineItems?: { lineItemId: string; quantity: number; subtotal: string }[];
  createdAt?: string;
}

export function refundBody(refund: RefundFixture): string {
  const body = {
    id: raw(refund.id),
    order_id: raw(refund.orderId),
    created_at: refund.createdAt ?? new Date().toISOString(),
    note: null,
    restock: true,
    refund_line_items: (refund.lineItems ?? []).map((item, i) => ({
      id: raw(String(90000 + i)),
      line_item_id: raw(item.lineItemId),
      quantity: item.quantity,
      restock_type: "return",
      subtotal: item.subtotal,
      total_tax: "0.00",
    })),
    transactions:
      refund.amount === undefined
        ? []
        : [{ id: raw("77001"), kind: "refund", status: "success", amount: refund.amount, currency: refund.currency ?? "EUR", gateway: "bogus" }],
    order_adjustments: [],
  };
  return unraw(JSON.stringify(body));
}
