import { gid, parseGid } from "../../store/format";
import { orderTotals } from "../../store/payloads";
import type { LineItemRecord, OrderRecord, RefundRecord, TransactionRecord } from "../../store/types";
import type { SortKey } from "../connection";
import { type Ctx, type TypeResolvers, type as def, hasAnyScope } from "../context";
import type { SearchSpec } from "../search";
import { connect, count, decimal, emptyConnection, moneyBag, moneyV2, noExtras, time } from "../views";
import { addressView } from "./customers";

const SIXTY_DAYS = 60 * 86_400_000;

/** Without read_all_orders an app sees only the last 60 days of orders, as on Shopify. */
export function visibleOrders(ctx: Ctx): OrderRecord[] {
  const all = [...ctx.shop.orders.values()];
  if (hasAnyScope(ctx, ["read_all_orders"])) return all;
  const cutoff = ctx.store.now() - SIXTY_DAYS;
  return all.filter((o) => o.createdAt >= cutoff);
}

export function findOrder(ctx: Ctx, gidValue: string): OrderRecord | null {
  const g = parseGid(gidValue);
  if (g?.type !== "Order") return null;
  return visibleOrders(ctx).find((o) => o.id === g.id) ?? null;
}

const fulfillmentQueryValue = (o: OrderRecord) =>
  o.fulfillmentStatus === "fulfilled" ? ["shipped", "fulfilled"] : o.fulfillmentStatus === "partial" ? ["partial"] : ["unshipped", "unfulfilled"];

export function orderSpec(): SearchSpec<OrderRecord> {
  return {
    defaults: (o) => [o.name, o.email, String(o.number)],
    fields: {
      id: { kind: "id", get: (o) => o.id },
      name: { kind: "list", get: (o) => [o.name, String(o.number)] },
      email: { kind: "string", get: (o) => o.email },
      created_at: { kind: "date", get: (o) => o.createdAt },
      updated_at: { kind: "date", get: (o) => o.updatedAt },
      processed_at: { kind: "date", get: (o) => o.processedAt },
      financial_status: { kind: "string", get: (o) => o.financialStatus },
      fulfillment_status: { kind: "list", get: fulfillmentQueryValue },
      status: {
        kind: "list",
        get: (o) => [o.cancelledAt !== null ? "cancelled" : o.closedAt !== null ? "closed" : "open", "any"],
      },
      tag: { kind: "list", get: (o) => o.tags },
      tag_not: { kind: "list", get: (o) => o.tags, negate: true },
      source_name: { kind: "string", get: (o) => o.sourceName },
      customer_id: { kind: "id", get: (o) => o.customerId },
      test: { kind: "boolean", get: (o) => o.test },
      sku: { kind: "list", get: (o) => o.lineItems.map((l) => l.sku ?? "") },
      discount_code: { kind: "list", get: (o) => o.discountCodes.map((d) => d.code) },
      gateway: { kind: "string", get: (o) => o.gateway },
      currency: { kind: "string", get: (o) => o.presentmentCurrency },
      total_price: { kind: "number", get: (o) => orderTotals(o).totalCents / 100 },
      cancelled_at: { kind: "date", get: (o) => o.cancelledAt },
      return_status: { kind: "string", get: () => "no_return" },
    },
  };
}

export function orderSortKey(sortKey: string | undefined): { key: (o: OrderRecord) => SortKey; numeric: boolean } {
  switch (sortKey) {
    case "CREATED_AT":
      return { key: (o) => ({ id: o.id, value: o.createdAt }), numeric: true };
    case "UPDATED_AT":
      return { key: (o) => ({ id: o.id, value: o.updatedAt }), numeric: true };
    case "PROCESSED_AT":
      return { key: (o) => ({ id: o.id, value: o.processedAt }), numeric: true };
    case "ORDER_NUMBER":
      return { key: (o) => ({ id: o.id, value: o.number }), numeric: true };
    case "TOTAL_PRICE":
      return { key: (o) => ({ id: o.id, value: orderTotals(o).totalCents }), numeric: true };
    case "CURRENT_TOTAL_PRICE":
      return { key: (o) => ({ id: o.id, value: orderTotals(o).currentTotalCents }), numeric: true };
    case "TOTAL_ITEMS_QUANTITY":
      return { key: (o) => ({ id: o.id, value: o.lineItems.reduce((s, l) => s + l.quantity, 0) }), numeric: true };
    case "FINANCIAL_STATUS":
      return { key: (o) => ({ id: o.id, value: o.financialStatus }), numeric: false };
    default:
      return { key: (o) => ({ id: o.id, value: null }), numeric: false };
  }
}

const DISPLAY_FINANCIAL: Record<OrderRecord["financialStatus"], string> = {
  pending: "PENDING",
  authorized: "AUTHORIZED",
  partially_paid: "PARTIALLY_PAID",
  paid: "PAID",
  partially_refunded: "PARTIALLY_REFUNDED",
  refunded: "REFUNDED",
  voided: "VOIDED",
};

interface LineSource {
  __typename: "LineItem";
  order: OrderRecord;
  line: LineItemRecord;
}
interface RefundSource {
  __typename: "Refund";
  order: OrderRecord;
  refund: RefundRecord;
}

const lineSource = (order: OrderRecord, line: LineItemRecord): LineSource => ({ __typename: "LineItem", order, line });

/** A discount code as GraphQL shows it; the simulator's codes are fixed amounts (REST's discount_applications agree). */
function discountApplicationView(o: OrderRecord, index: number) {
  const d = o.discountCodes[index];
  return {
    __typename: "DiscountCodeApplication",
    code: d.code,
    index,
    allocationMethod: "ACROSS",
    targetSelection: "ALL",
    targetType: d.type === "shipping" ? "SHIPPING_LINE" : "LINE_ITEM",
    value: { __typename: "MoneyV2", amount: decimal(d.amountCents), currencyCode: o.currency },
  };
}

function transactionView(ctx: Ctx, order: OrderRecord, x: TransactionRecord) {
  return {
    __typename: "OrderTransaction",
    id: gid("OrderTransaction", x.id),
    kind: x.kind.toUpperCase(),
    status: x.status.toUpperCase(),
    amountSet: moneyBag(ctx, x.amountCents, order),
    gateway: x.gateway,
    formattedGateway: x.gateway === "shopify_payments" ? "Shopify Payments" : "Manual",
    createdAt: time(x.createdAt),
    processedAt: time(x.createdAt),
    test: order.test,
    errorCode: null,
    manualPaymentGateway: x.gateway === "manual",
    manuallyCapturable: false,
    multiCapturable: false,
    authorizationExpiresAt: null,
    accountNumber: null,
    paymentId: `r${x.id}`,
    fees: [],
    order: () => order,
    parentTransaction: () => {
      const all = [...order.transactions, ...order.refunds.flatMap((r) => r.transactions)];
      const parent = all.find((t) => t.id === x.parentId);
      return parent ? transactionView(ctx, order, parent) : null;
    },
  };
}

function shippingLineView(ctx: Ctx, o: OrderRecord) {
  return {
    id: gid("ShippingLine", o.id),
    title: o.shippingTitle,
    code: o.shippingTitle,
    source: "shopify",
    carrierIdentifier: null,
    custom: false,
    isRemoved: false,
    phone: null,
    deliveryCategory: null,
    shippingRateHandle: null,
    originalPriceSet: moneyBag(ctx, o.shippingCents, o),
    discountedPriceSet: moneyBag(ctx, o.shippingCents, o),
    currentDiscountedPriceSet: moneyBag(ctx, o.shippingCents, o),
    discountAllocations: [],
    taxLines: [],
  };
}

export const orderResolvers: Record<string, TypeResolvers> = {
  Order: def<OrderRecord>({
    ...noExtras,
    cartToken: () => null,
    checkoutToken: (o) => o.checkoutToken,
    registeredSourceUrl: () => null,
    merchantOfRecordApp: () => null,
    cancellation: () => null,
    fulfillmentOrders: () => emptyConnection(),
    returns: () => emptyConnection(),
    agreements: () => emptyConnection(),
    nonFulfillableLineItems: () => emptyConnection(),
    additionalFees: () => [],
    shopifyProtect: () => null,
    risk: () => ({ assessments: [], recommendation: "ACCEPT" }),
    totalCashRoundingAdjustment: (o, _a, ctx) => ({ paymentSet: moneyBag(ctx, 0, o), refundSet: moneyBag(ctx, 0, o) }),
    shippingLines: (o, a, ctx, info) => {
      const lines = o.shippingTitle ? [o] : [];
      const view = (x: OrderRecord) => shippingLineView(ctx, x);
      const conn = connect(ctx, info, lines, a, (x) => ({ id: x.id, value: null }));
      return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: view(e.node) })), nodes: conn.nodes.map(view) };
    },
    discountApplications: (o, a, ctx, info) => {
      const conn = connect(ctx, info, o.discountCodes.map((d, i) => ({ d, i })), a, (x) => ({ id: String(x.i + 1), value: x.i }), true);
      const view = (x: { d: OrderRecord["discountCodes"][number]; i: number }) => discountApplicationView(o, x.i);
      return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: view(e.node) })), nodes: conn.nodes.map(view) };
    },
    id: (o) => gid("Order", o.id),
    legacyResourceId: (o) => o.id,
    name: (o) => o.name,
    // The number inside the name ("#1001" → 1001), i.e. REST's `order_number` (REST's own `number` starts at 1).
    number: (o) => o.number,
    email: (o) => o.email,
    phone: (o) => o.phone,
    note: (o) => o.note,
    tags: (o) => o.tags,
    test: (o) => o.test,
    sourceName: (o) => o.sourceName,
    sourceIdentifier: () => null,
    confirmed: () => true,
    confirmationNumber: (o) => o.token.slice(0, 9).toUpperCase(),
    closed: (o) => o.closedAt !== null,
    closedAt: (o) => time(o.closedAt),
    cancelledAt: (o) => time(o.cancelledAt),
    cancelReason: (o) => (o.cancelReason ? o.cancelReason.toUpperCase() : null),
    createdAt: (o) => time(o.createdAt),
    processedAt: (o) => time(o.processedAt),
    updatedAt: (o) => time(o.updatedAt),
    currencyCode: (o) => o.currency,
    presentmentCurrencyCode: (o) => o.presentmentCurrency,
    customerLocale: (o) => o.customerLocale,
    customerAcceptsMarketing: (o) => o.buyerAcceptsMarketing,
    clientIp: (o) => o.browserIp,
    taxesIncluded: (o) => o.taxesIncluded,
    taxExempt: () => false,
    dutiesIncluded: () => false,
    estimatedTaxes: () => false,
    edited: (o) => o.transactions.length > 1,
    displayFinancialStatus: (o) => DISPLAY_FINANCIAL[o.financialStatus],
    displayFulfillmentStatus: (o) => (o.fulfillmentStatus === "fulfilled" ? "FULFILLED" : o.fulfillmentStatus === "partial" ? "PARTIALLY_FULFILLED" : "UNFULFILLED"),
    fullyPaid: (o) => orderTotals(o).outstandingCents === 0,
    unpaid: (o) => o.financialStatus === "pending",
    refundable: (o) => orderTotals(o).currentTotalCents > 0 && o.financialStatus !== "pending",
    restockable: () => true,
    requiresShipping: () => true,
    fulfillable: (o) => o.fulfillmentStatus !== "fulfilled" && o.cancelledAt === null,
    capturable: () => false,
    canMarkAsPaid: (o) => o.financialStatus === "pending",
    canNotifyCustomer: (o) => !!o.email,
    merchantEditable: (o) => o.cancelledAt === null,
    merchantEditableErrors: () => [],
    discountCode: (o) => o.discountCodes[0]?.code ?? null,
    discountCodes: (o) => o.discountCodes.map((d) => d.code),
    paymentGatewayNames: (o) => [o.gateway],
    customAttributes: (o) => o.noteAttributes.map((a) => ({ key: a.name, value: a.value })),
    poNumber: () => null,
    statusPageUrl: (o, _a, ctx) => `https://${ctx.shop.domain}/${ctx.shop.id}/orders/${o.token}/authenticate?key=${o.token}`,
    customer: (o, _a, ctx) => (o.customerId ? (ctx.shop.customers.get(o.customerId) ?? null) : null),
    shippingAddress: (o) => addressView(o.shippingAddress),
    billingAddress: (o) => addressView(o.billingAddress),
    displayAddress: (o) => addressView(o.shippingAddress ?? o.billingAddress),
    billingAddressMatchesShippingAddress: (o) => o.shippingAddress?.id === o.billingAddress?.id,
    subtotalLineItemsQuantity: (o) => o.lineItems.reduce((s, l) => s + l.quantity, 0),
    currentSubtotalLineItemsQuantity: (o) => {
      const t = orderTotals(o);
      return o.lineItems.reduce((s, l) => s + l.quantity - (t.refundedQty.get(l.id) ?? 0), 0);
    },
    totalWeight: (o) => String(orderTotals(o).weightGrams),
    currentTotalWeight: (o) => String(orderTotals(o).weightGrams),
    totalPriceSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).totalCents, o),
    originalTotalPriceSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).totalCents, o),
    subtotalPriceSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).subtotalCents, o),
    totalDiscountsSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).discountCents, o),
    totalTaxSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).taxCents, o),
    totalShippingPriceSet: (o, _a, ctx) => moneyBag(ctx, o.shippingCents, o),
    totalRefundedSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).refundedCents, o),
    totalRefundedShippingSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).refundedShippingCents, o),
    totalReceivedSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).receivedCents, o),
    totalOutstandingSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).outstandingCents, o),
    totalCapturableSet: (o, _a, ctx) => moneyBag(ctx, 0, o),
    totalTipReceivedSet: (o, _a, ctx) => moneyBag(ctx, 0, o),
    netPaymentSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).receivedCents - orderTotals(o).refundedCents, o),
    currentTotalPriceSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).currentTotalCents, o),
    currentSubtotalPriceSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).currentSubtotalCents, o),
    currentTotalTaxSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).currentTaxCents, o),
    currentTotalDiscountsSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).discountCents, o),
    currentShippingPriceSet: (o, _a, ctx) => moneyBag(ctx, o.shippingCents - orderTotals(o).refundedShippingCents, o),
    currentCartDiscountAmountSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).discountCents, o),
    cartDiscountAmountSet: (o, _a, ctx) => moneyBag(ctx, orderTotals(o).discountCents, o),
    refundDiscrepancySet: (o, _a, ctx) => moneyBag(ctx, 0, o),
    originalTotalDutiesSet: () => null,
    currentTotalDutiesSet: () => null,
    originalTotalAdditionalFeesSet: () => null,
    currentTotalAdditionalFeesSet: () => null,
    totalPrice: (o) => (orderTotals(o).totalCents / 100).toFixed(2),
    subtotalPrice: (o) => (orderTotals(o).subtotalCents / 100).toFixed(2),
    taxLines: (o, _a, ctx) => {
      const tax = orderTotals(o).taxCents;
      return tax ? [{ title: "VAT", rate: o.taxRate, ratePercentage: o.taxRate * 100, priceSet: moneyBag(ctx, tax, o), channelLiable: false, source: null }] : [];
    },
    currentTaxLines: (o, _a, ctx) => {
      const tax = orderTotals(o).currentTaxCents;
      return tax ? [{ title: "VAT", rate: o.taxRate, ratePercentage: o.taxRate * 100, priceSet: moneyBag(ctx, tax, o), channelLiable: false, source: null }] : [];
    },
    shippingLine: (o, _a, ctx) => (o.shippingTitle ? shippingLineView(ctx, o) : null),
    lineItems: (o, a, ctx, info) => {
      const conn = connect(ctx, info, o.lineItems.map((l, i) => ({ l, i })), a, (x) => ({ id: x.l.id, value: x.i }), true);
      return {
        ...conn,
        edges: conn.edges.map((e) => ({ cursor: e.cursor, node: lineSource(o, e.node.l) })),
        nodes: conn.nodes.map((n) => lineSource(o, n.l)),
      };
    },
    refunds: (o, a) => o.refunds.slice(0, a.first ?? undefined).map((refund): RefundSource => ({ __typename: "Refund", order: o, refund })),
    transactions: (o, a, ctx) =>
      [...o.transactions, ...o.refunds.flatMap((r) => r.transactions)].slice(0, a.first ?? undefined).map((x) => transactionView(ctx, o, x)),
    transactionsCount: (o) => count(o.transactions.length + o.refunds.reduce((s, r) => s + r.transactions.length, 0)),
    app: (o) =>
      o.sourceName === "web" || o.sourceName === "pos"
        ? { id: "gid://shopify/App/580111", name: o.sourceName === "pos" ? "Point of Sale" : "Online Store", icon: { url: "https://cdn.shopify.com/app-icon.png", altText: null, width: 64, height: 64, id: null } }
        : null,
    channelInformation: () => null,
    returnStatus: () => "NO_RETURN",
    alerts: () => [],
    disputes: () => [],
    fulfillments: () => [],
    fulfillmentsCount: (o) => count(o.fulfillmentStatus === "fulfilled" ? 1 : 0),
    hasTimelineComment: () => false,
    paymentTerms: () => null,
    retailLocation: () => null,
    staffMember: () => null,
    productNetwork: () => false,
  }),

  LineItem: def<LineSource>({
    id: (s) => gid("LineItem", s.line.id),
    name: (s) => (s.line.variantTitle ? `${s.line.title} - ${s.line.variantTitle}` : s.line.title),
    title: (s) => s.line.title,
    variantTitle: (s) => s.line.variantTitle,
    sku: (s) => s.line.sku,
    vendor: (s) => s.line.vendor,
    quantity: (s) => s.line.quantity,
    currentQuantity: (s) => s.line.quantity - (orderTotals(s.order).refundedQty.get(s.line.id) ?? 0),
    refundableQuantity: (s) => s.line.quantity - (orderTotals(s.order).refundedQty.get(s.line.id) ?? 0),
    unfulfilledQuantity: (s) => (s.order.fulfillmentStatus === "fulfilled" ? 0 : s.line.quantity),
    nonFulfillableQuantity: (s) => orderTotals(s.order).refundedQty.get(s.line.id) ?? 0,
    fulfillableQuantity: (s) => (s.order.fulfillmentStatus === "fulfilled" ? 0 : s.line.quantity),
    taxable: (s) => s.line.taxable,
    requiresShipping: (s) => s.line.requiresShipping,
    isGiftCard: () => false,
    restockable: () => true,
    merchantEditable: () => true,
    customAttributes: () => [],
    product: (s, _a, ctx) => (s.line.productId ? (ctx.shop.products.get(s.line.productId) ?? null) : null),
    variant: (s, _a, ctx) => (s.line.variantId ? (ctx.shop.variants.get(s.line.variantId) ?? null) : null),
    image: () => null,
    weight: (s) => ({ unit: "GRAMS", value: s.line.grams }),
    originalUnitPriceSet: (s, _a, ctx) => moneyBag(ctx, s.line.priceCents, s.order),
    originalTotalSet: (s, _a, ctx) => moneyBag(ctx, s.line.priceCents * s.line.quantity, s.order),
    discountedUnitPriceSet: (s, _a, ctx) => moneyBag(ctx, Math.round((s.line.priceCents * s.line.quantity - s.line.discountCents) / s.line.quantity), s.order),
    discountedUnitPriceAfterAllDiscountsSet: (s, _a, ctx) =>
      moneyBag(ctx, Math.round((s.line.priceCents * s.line.quantity - s.line.discountCents) / s.line.quantity), s.order),
    discountedTotalSet: (s, _a, ctx) => moneyBag(ctx, s.line.priceCents * s.line.quantity - s.line.discountCents, s.order),
    totalDiscountSet: (s, _a, ctx) => moneyBag(ctx, s.line.discountCents, s.order),
    priceAfterAllDiscountsBeforeTaxesSet: (s, _a, ctx) =>
      moneyBag(ctx, s.line.priceCents * s.line.quantity - s.line.discountCents - (s.order.taxesIncluded ? s.line.taxCents : 0), s.order),
    unfulfilledDiscountedTotalSet: (s, _a, ctx) =>
      moneyBag(ctx, s.order.fulfillmentStatus === "fulfilled" ? 0 : s.line.priceCents * s.line.quantity - s.line.discountCents, s.order),
    unfulfilledOriginalTotalSet: (s, _a, ctx) =>
      moneyBag(ctx, s.order.fulfillmentStatus === "fulfilled" ? 0 : s.line.priceCents * s.line.quantity, s.order),
    taxLines: (s, _a, ctx) =>
      s.line.taxCents
        ? [{ title: "VAT", rate: s.order.taxRate, ratePercentage: s.order.taxRate * 100, priceSet: moneyBag(ctx, s.line.taxCents, s.order), channelLiable: false, source: null }]
        : [],
    // The order's discount as the REST payload allocates it: the whole line discount to application index 0.
    discountAllocations: (s, _a, ctx) =>
      s.line.discountCents && s.order.discountCodes.length
        ? [
            {
              allocatedAmount: moneyV2(s.line.discountCents, ctx.shop.currency),
              allocatedAmountSet: moneyBag(ctx, s.line.discountCents, s.order),
              discountApplication: discountApplicationView(s.order, 0),
            },
          ]
        : [],
    duties: () => [],
    sellingPlan: () => null,
    contract: () => null,
    lineItemGroup: () => null,
    staffMember: () => null,
    originalUnitPrice: (s) => (s.line.priceCents / 100).toFixed(2),
  }),

  Refund: def<RefundSource>({
    orderAdjustments: () => emptyConnection(),
    id: (s) => gid("Refund", s.refund.id),
    legacyResourceId: (s) => s.refund.id,
    note: (s) => s.refund.note,
    createdAt: (s) => time(s.refund.createdAt),
    processedAt: (s) => time(s.refund.createdAt),
    updatedAt: (s) => time(s.refund.createdAt),
    order: (s) => s.order,
    totalRefundedSet: (s, _a, ctx) => moneyBag(ctx, s.refund.transactions.reduce((t, x) => t + x.amountCents, 0), s.order),
    duties: () => [],
    return: () => null,
    staffMember: () => null,
    refundLineItems: (s, a, ctx, info) => {
      const conn = connect(ctx, info, s.refund.lines, a, (l) => ({ id: l.id, value: null }));
      const view = (rl: RefundRecord["lines"][number]) => ({
        id: gid("RefundLineItem", rl.id),
        quantity: rl.quantity,
        restockType: rl.restockType,
        restocked: rl.restockType === "RETURN",
        location: null,
        lineItem: lineSource(s.order, s.order.lineItems.find((l) => l.id === rl.lineItemId)!),
        priceSet: moneyBag(ctx, Math.round(rl.subtotalCents / rl.quantity), s.order),
        subtotalSet: moneyBag(ctx, rl.subtotalCents, s.order),
        totalTaxSet: moneyBag(ctx, rl.taxCents, s.order),
      });
      return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: view(e.node) })), nodes: conn.nodes.map(view) };
    },
    transactions: (s, a, ctx, info) => {
      const conn = connect(ctx, info, s.refund.transactions, a, (x) => ({ id: x.id, value: null }));
      return {
        ...conn,
        edges: conn.edges.map((e) => ({ cursor: e.cursor, node: transactionView(ctx, s.order, e.node) })),
        nodes: conn.nodes.map((x) => transactionView(ctx, s.order, x)),
      };
    },
    refundShippingLines: (s, a, ctx, info) => {
      const items = s.refund.shippingCents ? [{ id: s.refund.id, cents: s.refund.shippingCents }] : [];
      const conn = connect(ctx, info, items, a, (x) => ({ id: x.id, value: null }));
      const view = (x: { id: string; cents: number }) => ({
        id: gid("RefundShippingLine", x.id),
        subtotalAmountSet: moneyBag(ctx, x.cents, s.order),
        taxAmountSet: moneyBag(ctx, 0, s.order),
      });
      return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: view(e.node) })), nodes: conn.nodes.map(view) };
    },
  }),
};
