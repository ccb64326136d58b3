import { raw, type JsonValue } from "../json";
import { gid, money, restTime } from "./format";
import type {
  AddressRecord,
  CollectionRecord,
  CustomerRecord,
  LineItemRecord,
  OrderRecord,
  ProductRecord,
  RefundRecord,
  ShopState,
  TransactionRecord,
  VariantRecord,
} from "./types";

/**
 * Webhook payloads in Shopify's REST shapes (snake_case, ids as bare JSON numbers, money as strings with *_set
 * money bags, timestamps in the shop's offset).
 */

type Obj = { [key: string]: JsonValue };

const t = (shop: ShopState, ms: number | null): string | null => (ms === null ? null : restTime(ms, shop.ianaTimezone));

export function moneyBag(shop: ShopState, cents: number, order?: OrderRecord): Obj {
  const presentment = order ? Math.round(cents * order.presentmentRate) : cents;
  return {
    shop_money: { amount: money(cents), currency_code: shop.currency },
    presentment_money: { amount: money(presentment), currency_code: order ? order.presentmentCurrency : shop.currency },
  };
}

export function addressPayload(a: AddressRecord | null, customerId?: string, isDefault?: boolean): JsonValue {
  if (!a) return null;
  const out: Obj = {
    first_name: a.firstName,
    address1: a.address1,
    phone: a.phone,
    city: a.city,
    zip: a.zip,
    province: a.province,
    country: a.country,
    last_name: a.lastName,
    address2: a.address2,
    company: a.company,
    latitude: null,
    longitude: null,
    name: [a.firstName, a.lastName].filter(Boolean).join(" "),
    country_code: a.countryCode,
    province_code: a.provinceCode,
  };
  if (customerId !== undefined) {
    return { id: raw(a.id), customer_id: raw(customerId), ...out, country_name: a.country, default: !!isDefault };
  }
  return out;
}

export function emailConsentPayload(shop: ShopState, c: CustomerRecord): JsonValue {
  if (!c.emailConsent) return null;
  return {
    state: c.emailConsent.state.toLowerCase(),
    opt_in_level: c.emailConsent.optInLevel?.toLowerCase() ?? null,
    consent_updated_at: t(shop, c.emailConsent.updatedAt),
  };
}

export function smsConsentPayload(shop: ShopState, c: CustomerRecord): JsonValue {
  if (!c.smsConsent) return null;
  return {
    state: c.smsConsent.state.toLowerCase(),
    opt_in_level: c.smsConsent.optInLevel.toLowerCase(),
    consent_updated_at: t(shop, c.smsConsent.updatedAt),
    consent_collected_from: c.smsConsent.collectedFrom,
  };
}

/** customers/create, customers/update: since 2025-01 without marketing consent (it has its own topics). */
export function customerPayload(shop: ShopState, c: CustomerRecord, opts: { withConsent?: boolean } = {}): Obj {
  const def = c.addresses.find((a) => a.id === c.defaultAddressId) ?? null;
  const out: Obj = {
    id: raw(c.id),
    email: c.email,
    created_at: t(shop, c.createdAt),
    updated_at: t(shop, c.updatedAt),
    first_name: c.firstName,
    last_name: c.lastName,
    state: c.state.toLowerCase(),
    note: c.note,
    verified_email: c.verifiedEmail,
    multipass_identifier: null,
    tax_exempt: c.taxExempt,
    phone: c.phone,
    currency: shop.currency,
    addresses: c.addresses.map((a) => addressPayload(a, c.id, a.id === c.defaultAddressId)),
    tax_exemptions: [],
    admin_graphql_api_id: gid("Customer", c.id),
    default_address: def ? addressPayload(def, c.id, true) : null,
    tags: c.tags.join(", "),
  };
  if (opts.withConsent) {
    out.email_marketing_consent = emailConsentPayload(shop, c);
    out.sms_marketing_consent = smsConsentPayload(shop, c);
  }
  return out;
}

/** customers/email_marketing_consent/update */
export function emailConsentTopicPayload(shop: ShopState, c: CustomerRecord): Obj {
  return {
    customer_id: raw(c.id),
    email_address: c.email,
    email_marketing_consent: emailConsentPayload(shop, c),
  };
}

/** customers/marketing_consent/update (SMS) */
export function smsConsentTopicPayload(shop: ShopState, c: CustomerRecord): Obj {
  return {
    id: raw(c.id),
    phone: c.phone,
    sms_marketing_consent: smsConsentPayload(shop, c),
  };
}

export function orderTotals(order: OrderRecord) {
  const lineItemsCents = order.lineItems.reduce((s, l) => s + l.priceCents * l.quantity, 0);
  const discountCents = order.lineItems.reduce((s, l) => s + l.discountCents, 0);
  const taxCents = order.lineItems.reduce((s, l) => s + l.taxCents, 0);
  const subtotalCents = lineItemsCents - discountCents;
  const totalCents = subtotalCents + order.shippingCents + (order.taxesIncluded ? 0 : taxCents);
  const refundedCents = order.refunds.reduce(
    (s, r) => s + r.transactions.filter((x) => x.status === "success").reduce((a, x) => a + x.amountCents, 0),
    0,
  );
  const refundedSubtotalCents = order.refunds.reduce((s, r) => s + r.lines.reduce((a, l) => a + l.subtotalCents, 0), 0);
  const refundedTaxCents = order.refunds.reduce((s, r) => s + r.lines.reduce((a, l) => a + l.taxCents, 0), 0);
  const refundedShippingCents = order.refunds.reduce((s, r) => s + r.shippingCents, 0);
  const refundedQty = new Map<string, number>();
  for (const r of order.refunds) for (const l of r.lines) refundedQty.set(l.lineItemId, (refundedQty.get(l.lineItemId) ?? 0) + l.quantity);
  const receivedCents = order.transactions
    .filter((x) => x.status === "success" && (x.kind === "sale" || x.kind === "capture"))
    .reduce((s, x) => s + x.amountCents, 0);
  return {
    lineItemsCents,
    discountCents,
    taxCents,
    subtotalCents,
    totalCents,
    refundedCents,
    refundedShippingCents,
    currentSubtotalCents: subtotalCents - refundedSubtotalCents,
    currentTaxCents: taxCents - refundedTaxCents,
    currentTotalCents: totalCents - refundedCents,
    outstandingCents: Math.max(0, totalCents - receivedCents),
    receivedCents,
    refundedQty,
    weightGrams: order.lineItems.reduce((s, l) => s + l.grams * l.quantity, 0),
  };
}

function lineItemPayload(shop: ShopState, order: OrderRecord, l: LineItemRecord, refundedQty: number): Obj {
  const fulfillable = order.fulfillmentStatus === "fulfilled" ? 0 : Math.max(0, l.quantity - refundedQty);
  return {
    id: raw(l.id),
    admin_graphql_api_id: gid("LineItem", l.id),
    attributed_staffs: [],
    current_quantity: l.quantity - refundedQty,
    fulfillable_quantity: fulfillable,
    fulfillment_service: "manual",
    fulfillment_status: order.fulfillmentStatus === "fulfilled" ? "fulfilled" : null,
    gift_card: false,
    grams: l.grams,
    name: l.variantTitle ? `${l.title} - ${l.variantTitle}` : l.title,
    price: money(l.priceCents),
    price_set: moneyBag(shop, l.priceCents, order),
    product_exists: l.productId !== null,
    product_id: l.productId ? raw(l.productId) : null,
    properties: [],
    quantity: l.quantity,
    requires_shipping: l.requiresShipping,
    sales_line_item_group_id: null,
    sku: l.sku,
    taxable: l.taxable,
    title: l.title,
    total_discount: money(l.discountCents),
    total_discount_set: moneyBag(shop, l.discountCents, order),
    variant_id: l.variantId ? raw(l.variantId) : null,
    variant_inventory_management: l.variantId ? "shopify" : null,
    variant_title: l.variantTitle,
    vendor: l.vendor,
    tax_lines: l.taxCents
      ? [
          {
            channel_liable: false,
            price: money(l.taxCents),
            price_set: moneyBag(shop, l.taxCents, order),
            rate: order.taxRate,
            title: "VAT",
          },
        ]
      : [],
    duties: [],
    discount_allocations: l.discountCents
      ? [
          {
            amount: money(l.discountCents),
            amount_set: moneyBag(shop, l.discountCents, order),
            discount_application_index: 0,
          },
        ]
      : [],
  };
}

function transactionPayload(shop: ShopState, order: OrderRecord, x: TransactionRecord): Obj {
  return {
    id: raw(x.id),
    admin_graphql_api_id: gid("OrderTransaction", x.id),
    amount: money(x.amountCents),
    authorization: null,
    created_at: t(shop, x.createdAt),
    currency: order.presentmentCurrency,
    device_id: null,
    error_code: null,
    gateway: x.gateway,
    kind: x.kind,
    location_id: null,
    message: null,
    order_id: raw(order.id),
    parent_id: x.parentId ? raw(x.parentId) : null,
    processed_at: t(shop, x.createdAt),
    receipt: {},
    source_name: "web",
    status: x.status,
    test: order.test,
    user_id: null,
  };
}

export function refundPayload(shop: ShopState, order: OrderRecord, r: RefundRecord): Obj {
  return {
    id: raw(r.id),
    admin_graphql_api_id: gid("Refund", r.id),
    created_at: t(shop, r.createdAt),
    note: r.note,
    order_id: raw(order.id),
    processed_at: t(shop, r.createdAt),
    restock: r.restock,
    total_duties_set: moneyBag(shop, 0, order),
    user_id: null,
    order_adjustments: r.shippingCents
      ? [
          {
            id: raw(r.id),
            amount: money(-r.shippingCents),
            amount_set: moneyBag(shop, -r.shippingCents, order),
            kind: "shipping_refund",
            order_id: raw(order.id),
            reason: "Shipping refund",
            refund_id: raw(r.id),
            tax_amount: "0.00",
            tax_amount_set: moneyBag(shop, 0, order),
          },
        ]
      : [],
    transactions: r.transactions.map((x) => transactionPayload(shop, order, x)),
    refund_line_items: r.lines.map((rl) => {
      const li = order.lineItems.find((l) => l.id === rl.lineItemId)!;
      return {
        id: raw(rl.id),
        line_item_id: raw(rl.lineItemId),
        location_id: null,
        quantity: rl.quantity,
        restock_type: rl.restockType.toLowerCase(),
        subtotal: money(rl.subtotalCents),
        subtotal_set: moneyBag(shop, rl.subtotalCents, order),
        total_tax: money(rl.taxCents),
        total_tax_set: moneyBag(shop, rl.taxCents, order),
        line_item: lineItemPayload(shop, order, li, 0),
      };
    }),
    duties: [],
  };
}

export function orderPayload(shop: ShopState, order: OrderRecord, customer: CustomerRecord | null): Obj {
  const tot = orderTotals(order);
  const bag = (c: number) => moneyBag(shop, c, order);
  return {
    id: raw(order.id),
    admin_graphql_api_id: gid("Order", order.id),
    app_id: order.sourceName === "web" || order.sourceName === "pos" ? raw("580111") : null,
    browser_ip: order.browserIp,
    buyer_accepts_marketing: order.buyerAcceptsMarketing,
    cancel_reason: order.cancelReason,
    cancelled_at: t(shop, order.cancelledAt),
    cart_token: null,
    checkout_id: null,
    checkout_token: order.checkoutToken,
    client_details: order.browserIp
      ? { accept_language: order.customerLocale, browser_height: null, browser_ip: order.browserIp, browser_width: null, session_hash: null, user_agent: "Mozilla/5.0" }
      : null,
    closed_at: t(shop, order.closedAt),
    confirmation_number: order.token.slice(0, 9).toUpperCase(),
    confirmed: true,
    contact_email: order.email,
    created_at: t(shop, order.createdAt),
    currency: order.currency,
    current_shipping_price_set: bag(order.shippingCents - tot.refundedShippingCents),
    current_subtotal_price: money(tot.currentSubtotalCents),
    current_subtotal_price_set: bag(tot.currentSubtotalCents),
    current_total_additional_fees_set: null,
    current_total_discounts: money(tot.discountCents),
    current_total_discounts_set: bag(tot.discountCents),
    current_total_duties_set: null,
    current_total_price: money(tot.currentTotalCents),
    current_total_price_set: bag(tot.currentTotalCents),
    current_total_tax: money(tot.currentTaxCents),
    current_total_tax_set: bag(tot.currentTaxCents),
    customer_locale: order.customerLocale,
    device_id: null,
    discount_codes: order.discountCodes.map((d) => ({ code: d.code, amount: money(d.amountCents), type: d.type })),
    duties_included: false,
    email: order.email,
    estimated_taxes: false,
    financial_status: order.financialStatus,
    fulfillment_status: order.fulfillmentStatus,
    landing_site: order.sourceName === "web" ? "/" : null,
    landing_site_ref: null,
    location_id: null,
    merchant_business_entity_id: "MTY4MTIzNDU2Nzg5",
    merchant_of_record_app_id: null,
    name: order.name,
    note: order.note,
    note_attributes: order.noteAttributes.map((a) => ({ name: a.name, value: a.value })),
    number: order.number - 1000,
    order_number: order.number,
    order_status_url: `https://${shop.domain}/${shop.id}/orders/${order.token}/authenticate?key=${order.token}`,
    original_total_additional_fees_set: null,
    original_total_duties_set: null,
    payment_gateway_names: [order.gateway],
    phone: order.phone,
    po_number: null,
    presentment_currency: order.presentmentCurrency,
    processed_at: t(shop, order.processedAt),
    reference: null,
    referring_site: null,
    source_identifier: null,
    source_name: order.sourceName,
    source_url: null,
    subtotal_price: money(tot.subtotalCents),
    subtotal_price_set: bag(tot.subtotalCents),
    tags: order.tags.join(", "),
    tax_exempt: false,
    tax_lines: tot.taxCents
      ? [{ channel_liable: false, price: money(tot.taxCents), price_set: bag(tot.taxCents), rate: order.taxRate, title: "VAT" }]
      : [],
    taxes_included: order.taxesIncluded,
    test: order.test,
    token: order.token,
    total_cash_rounding_payment_adjustment_set: bag(0),
    total_cash_rounding_refund_adjustment_set: bag(0),
    total_discounts: money(tot.discountCents),
    total_discounts_set: bag(tot.discountCents),
    total_line_items_price: money(tot.lineItemsCents),
    total_line_items_price_set: bag(tot.lineItemsCents),
    total_outstanding: money(tot.outstandingCents),
    total_price: money(tot.totalCents),
    total_price_set: bag(tot.totalCents),
    total_shipping_price_set: bag(order.shippingCents),
    total_tax: money(tot.taxCents),
    total_tax_set: bag(tot.taxCents),
    total_tip_received: "0.00",
    total_weight: tot.weightGrams,
    updated_at: t(shop, order.updatedAt),
    user_id: null,
    billing_address: addressPayload(order.billingAddress),
    customer: customer
      ? (() => {
          const c = customerPayload(shop, customer, { withConsent: true });
          delete c.addresses;
          return c;
        })()
      : null,
    discount_applications: order.discountCodes.map((d) => ({
      target_type: d.type === "shipping" ? "shipping_line" : "line_item",
      type: "discount_code",
      value: money(d.amountCents),
      value_type: "fixed_amount",
      allocation_method: "across",
      target_selection: "all",
      code: d.code,
    })),
    fulfillments: [],
    line_items: order.lineItems.map((l) => lineItemPayload(shop, order, l, tot.refundedQty.get(l.id) ?? 0)),
    payment_terms: null,
    refunds: order.refunds.map((r) => refundPayload(shop, order, r)),
    shipping_address: addressPayload(order.shippingAddress),
    shipping_lines: order.shippingTitle
      ? [
          {
            id: raw(order.id),
            carrier_identifier: null,
            code: order.shippingTitle,
            discounted_price: money(order.shippingCents),
            discounted_price_set: bag(order.shippingCents),
            is_removed: false,
            phone: null,
            price: money(order.shippingCents),
            price_set: bag(order.shippingCents),
            requested_fulfillment_service_id: null,
            source: "shopify",
            title: order.shippingTitle,
            tax_lines: [],
            discount_allocations: [],
          },
        ]
      : [],
    returns: [],
  };
}

function variantPayload(shop: ShopState, v: VariantRecord, available: number): Obj {
  return {
    admin_graphql_api_id: gid("ProductVariant", v.id),
    barcode: v.barcode,
    compare_at_price: v.compareAtPriceCents === null ? null : money(v.compareAtPriceCents),
    created_at: t(shop, v.createdAt),
    id: raw(v.id),
    inventory_policy: v.inventoryPolicy.toLowerCase(),
    position: v.position,
    price: money(v.priceCents),
    product_id: raw(v.productId),
    sku: v.sku,
    taxable: v.taxable,
    title: v.title,
    updated_at: t(shop, v.updatedAt),
    option1: v.selectedOptions[0]?.value ?? null,
    option2: v.selectedOptions[1]?.value ?? null,
    option3: v.selectedOptions[2]?.value ?? null,
    image_id: v.imageId ? raw(v.imageId) : null,
    inventory_item_id: raw(v.inventoryItemId),
    inventory_quantity: available,
    old_inventory_quantity: available,
  };
}

export function productPayload(
  shop: ShopState,
  p: ProductRecord,
  variants: VariantRecord[],
  availableOf: (v: VariantRecord) => number,
): Obj {
  const images = p.images.map((img, i) => ({
    id: raw(img.imageId),
    alt: img.altText,
    position: i + 1,
    product_id: raw(p.id),
    created_at: t(shop, img.createdAt),
    updated_at: t(shop, img.createdAt),
    admin_graphql_api_id: gid("ProductImage", img.imageId),
    width: img.width,
    height: img.height,
    src: img.url,
    variant_ids: variants.filter((v) => v.imageId === img.imageId).map((v) => raw(v.id)),
  }));
  return {
    admin_graphql_api_id: gid("Product", p.id),
    body_html: p.descriptionHtml,
    created_at: t(shop, p.createdAt),
    handle: p.handle,
    id: raw(p.id),
    product_type: p.productType,
    published_at: t(shop, p.publishedAt),
    template_suffix: p.templateSuffix,
    title: p.title,
    updated_at: t(shop, p.updatedAt),
    vendor: p.vendor,
    status: p.status.toLowerCase(),
    published_scope: "global",
    tags: p.tags.join(", "),
    variants: variants.map((v) => variantPayload(shop, v, availableOf(v))),
    options: p.options.map((o) => ({
      name: o.name,
      id: raw(o.id),
      product_id: raw(p.id),
      position: o.position,
      values: o.values.map((x) => x.name),
    })),
    images,
    image: images[0] ?? null,
    media: p.images.map((img, i) => ({
      id: raw(img.mediaId),
      product_id: raw(p.id),
      position: i + 1,
      created_at: t(shop, img.createdAt),
      updated_at: t(shop, img.createdAt),
      alt: img.altText,
      status: "ACTIVE",
      media_content_type: "IMAGE",
      preview_image: { width: img.width, height: img.height, src: img.url, status: "READY" },
      variant_ids: [],
      admin_graphql_api_id: gid("MediaImage", img.mediaId),
    })),
    variant_gids: variants.map((v) => ({ admin_graphql_api_id: gid("ProductVariant", v.id), updated_at: new Date(v.updatedAt).toISOString() })),
    has_variants_that_requires_components: false,
    category: null,
  };
}

export function collectionPayload(shop: ShopState, c: CollectionRecord): Obj {
  return {
    id: raw(c.id),
    handle: c.handle,
    title: c.title,
    updated_at: t(shop, c.updatedAt),
    body_html: c.descriptionHtml,
    published_at: t(shop, c.publishedAt),
    sort_order: c.sortOrder === "MANUAL" ? "manual" : c.sortOrder.toLowerCase().replace("_", "-"),
    template_suffix: null,
    published_scope: "web",
    admin_graphql_api_id: gid("Collection", c.id),
  };
}

export function inventoryLevelPayload(shop: ShopState, itemId: string, locationId: string, available: number, updatedAt: number): Obj {
  return {
    inventory_item_id: raw(itemId),
    location_id: raw(locationId),
    available,
    updated_at: t(shop, updatedAt),
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${locationId}?inventory_item_id=${itemId}`,
  };
}

/** The REST shop resource: the body of app/uninstalled (and shop/update). */
export function shopPayload(shop: ShopState): Obj {
  const loc = shop.locations[0];
  return {
    id: raw(shop.id),
    name: shop.name,
    email: shop.email,
    domain: shop.domain,
    province: loc?.address.province ?? null,
    country: loc?.address.countryCode ?? null,
    address1: loc?.address.address1 ?? null,
    zip: loc?.address.zip ?? null,
    city: loc?.address.city ?? null,
    source: null,
    phone: null,
    latitude: null,
    longitude: null,
    primary_locale: "en",
    address2: null,
    created_at: t(shop, shop.createdAt),
    updated_at: t(shop, shop.updatedAt),
    country_code: loc?.address.countryCode ?? null,
    country_name: loc?.address.country ?? null,
    currency: shop.currency,
    customer_email: shop.email,
    timezone: `(GMT${restTime(Date.now(), shop.ianaTimezone).slice(19)}) ${shop.ianaTimezone}`,
    iana_timezone: shop.ianaTimezone,
    shop_owner: "Syncline Owner",
    money_format: shop.currency === "EUR" ? "€{{amount_with_comma_separator}}" : "${{amount}}",
    money_with_currency_format:
      shop.currency === "EUR" ? "€{{amount_with_comma_separator}} EUR" : "${{amount}} " + shop.currency,
    weight_unit: "kg",
    province_code: loc?.address.provinceCode ?? null,
    taxes_included: true,
    auto_configure_tax_inclusivity: null,
    tax_shipping: null,
    county_taxes: true,
    plan_display_name: planDisplayName(shop.plan),
    plan_name: shop.plan,
    has_discounts: true,
    has_gift_cards: false,
    myshopify_domain: shop.domain,
    google_apps_domain: null,
    google_apps_login_enabled: null,
    money_in_emails_format: "€{{amount_with_comma_separator}}",
    money_with_currency_in_emails_format: "€{{amount_with_comma_separator}} EUR",
    eligible_for_payments: true,
    requires_extra_payments_agreement: false,
    password_enabled: false,
    has_storefront: true,
    finances: true,
    primary_location_id: loc ? raw(loc.id) : null,
    checkout_api_supported: true,
    multi_location_enabled: true,
    setup_required: false,
    pre_launch_enabled: false,
    enabled_presentment_currencies: [shop.currency, ...(shop.currency === "EUR" ? ["USD"] : ["EUR"])],
    marketing_sms_consent_enabled_at_checkout: true,
    transactional_sms_disabled: false,
  };
}

export function planDisplayName(plan: ShopState["plan"]): string {
  return { basic: "Basic", standard: "Grow", advanced: "Advanced", plus: "Shopify Plus", commerce_components: "Commerce Components" }[plan];
}
