import { gid, parseGid } from "../../store/format";
import { normalizePhone } from "../../store/store";
import type { AddressRecord, CustomerRecord, OrderRecord } from "../../store/types";
import { orderTotals } from "../../store/payloads";
import type { SortKey } from "../connection";
import { type Ctx, type TypeResolvers, type as def } from "../context";
import type { SearchSpec } from "../search";
import { connect, emptyConnection, filter, moneyV2, noExtras, time } from "../views";
import { orderSortKey, orderSpec, visibleOrders } from "./orders";

export const customerOrders = (ctx: Ctx, c: CustomerRecord): OrderRecord[] => visibleOrders(ctx).filter((o) => o.customerId === c.id);

function amountSpent(ctx: Ctx, c: CustomerRecord): number {
  return [...ctx.shop.orders.values()]
    .filter((o) => o.customerId === c.id && o.cancelledAt === null)
    .reduce((s, o) => s + orderTotals(o).currentTotalCents, 0);
}

export function customerSpec(ctx: Ctx): SearchSpec<CustomerRecord> {
  const orders = (c: CustomerRecord) => [...ctx.shop.orders.values()].filter((o) => o.customerId === c.id);
  return {
    defaults: (c) => [c.firstName, c.lastName, `${c.firstName ?? ""} ${c.lastName ?? ""}`, c.email, c.phone],
    fields: {
      id: { kind: "id", get: (c) => c.id },
      email: { kind: "string", get: (c) => c.email },
      phone: { kind: "string", get: (c) => (c.phone ? normalizePhone(c.phone) : null) },
      first_name: { kind: "string", get: (c) => c.firstName },
      last_name: { kind: "string", get: (c) => c.lastName },
      tag: { kind: "list", get: (c) => c.tags },
      tag_not: { kind: "list", get: (c) => c.tags, negate: true },
      state: { kind: "string", get: (c) => c.state },
      created_at: { kind: "date", get: (c) => c.createdAt },
      updated_at: { kind: "date", get: (c) => c.updatedAt },
      accepts_marketing: { kind: "boolean", get: (c) => c.emailConsent?.state === "SUBSCRIBED" },
      email_marketing_state: { kind: "string", get: (c) => c.emailConsent?.state ?? null },
      sms_marketing_state: { kind: "string", get: (c) => c.smsConsent?.state ?? null },
      orders_count: { kind: "number", get: (c) => orders(c).length },
      number_of_orders: { kind: "number", get: (c) => orders(c).length },
      amount_spent: { kind: "number", get: (c) => amountSpent(ctx, c) / 100 },
      total_spent: { kind: "number", get: (c) => amountSpent(ctx, c) / 100 },
      country: { kind: "list", get: (c) => c.addresses.flatMap((a) => [a.country ?? "", a.countryCode ?? ""]) },
    },
  };
}

export function customerSortKey(sortKey: string | undefined): { key: (c: CustomerRecord) => SortKey; numeric: boolean } {
  switch (sortKey) {
    case "NAME":
      return { key: (c) => ({ id: c.id, value: `${c.firstName ?? ""} ${c.lastName ?? ""}`.toLowerCase() }), numeric: false };
    case "CREATED_AT":
      return { key: (c) => ({ id: c.id, value: c.createdAt }), numeric: true };
    case "UPDATED_AT":
      return { key: (c) => ({ id: c.id, value: c.updatedAt }), numeric: true };
    default:
      return { key: (c) => ({ id: c.id, value: null }), numeric: false };
  }
}

export function findCustomer(ctx: Ctx, gidValue: string): CustomerRecord | null {
  const g = parseGid(gidValue);
  return g?.type === "Customer" ? (ctx.shop.customers.get(g.id) ?? null) : null;
}

export function addressView(a: AddressRecord | null) {
  if (!a) return null;
  return {
    id: `gid://shopify/MailingAddress/${a.id}?model_name=CustomerAddress`,
    firstName: a.firstName,
    lastName: a.lastName,
    name: [a.firstName, a.lastName].filter(Boolean).join(" ") || null,
    company: a.company,
    address1: a.address1,
    address2: a.address2,
    city: a.city,
    province: a.province,
    provinceCode: a.provinceCode,
    zip: a.zip,
    country: a.country,
    countryCodeV2: a.countryCode,
    countryCode: a.countryCode,
    phone: a.phone,
    latitude: null,
    longitude: null,
    coordinatesValidated: false,
    timeZone: null,
    validationResultSummary: null,
    formattedArea: [a.city, a.country].filter(Boolean).join(", ") || null,
    formatted: (_s: unknown, args: { withName?: boolean; withCompany?: boolean }) =>
      [
        args.withName ? [a.firstName, a.lastName].filter(Boolean).join(" ") : null,
        args.withCompany ? a.company : null,
        a.address1,
        a.address2,
        [a.zip, a.city].filter(Boolean).join(" "),
        a.country,
      ].filter((x): x is string => !!x),
  };
}

const unsubscribeUrl = (ctx: Ctx, c: CustomerRecord) => `https://${ctx.shop.domain}/account/unsubscribe?customer_id=${c.id}`;

export const customerResolvers: Record<string, TypeResolvers> = {
  Customer: def<CustomerRecord>({
    ...noExtras,
    storeCreditAccounts: () => emptyConnection(),
    subscriptionContracts: () => emptyConnection(),
    paymentMethods: () => emptyConnection(),
    companyContactProfiles: () => [],
    identityProviderSubjects: () => [],
    id: (c) => gid("Customer", c.id),
    legacyResourceId: (c) => c.id,
    firstName: (c) => c.firstName,
    lastName: (c) => c.lastName,
    displayName: (c) => [c.firstName, c.lastName].filter(Boolean).join(" ") || c.email || c.phone || "",
    email: (c) => c.email,
    phone: (c) => c.phone,
    state: (c) => c.state,
    tags: (c) => c.tags,
    note: (c) => c.note,
    locale: (c) => c.locale,
    verifiedEmail: (c) => c.verifiedEmail,
    validEmailAddress: (c) => !!c.email && c.emailConsent?.state !== "INVALID",
    taxExempt: (c) => c.taxExempt,
    taxExemptions: () => [],
    createdAt: (c) => time(c.createdAt),
    updatedAt: (c) => time(c.updatedAt),
    canDelete: (c, _a, ctx) => !customerOrders(ctx, c).length,
    dataSaleOptOut: () => false,
    multipassIdentifier: () => null,
    hasTimelineComment: () => false,
    lifetimeDuration: (c, _a, ctx) => {
      const days = Math.floor((ctx.store.now() - c.createdAt) / 86_400_000);
      return days >= 365 ? `about ${Math.round(days / 365)} year${days >= 730 ? "s" : ""}` : `${Math.max(1, Math.round(days / 30))} months`;
    },
    productSubscriberStatus: () => "NEVER_SUBSCRIBED",
    statistics: () => ({ predictedSpendTier: null, rfmGroup: null }),
    image: (c) => ({ id: null, url: `https://cdn.shopify.com/s/images/admin/customers/customer-${Number(c.id.slice(-1)) % 5}.png`, altText: null, width: 64, height: 64, thumbhash: null }),
    numberOfOrders: (c, _a, ctx) => String([...ctx.shop.orders.values()].filter((o) => o.customerId === c.id).length),
    amountSpent: (c, _a, ctx) => moneyV2(amountSpent(ctx, c), ctx.shop.currency),
    unsubscribeUrl: (c, _a, ctx) => unsubscribeUrl(ctx, c),
    defaultAddress: (c) => addressView(c.addresses.find((a) => a.id === c.defaultAddressId) ?? null),
    addresses: (c, a) => c.addresses.slice(0, a.first ?? undefined).map(addressView),
    addressesV2: (c, a, ctx, info) => {
      const conn = connect(ctx, info, c.addresses, a, (x) => ({ id: x.id, value: null }));
      return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: addressView(e.node) })), nodes: conn.nodes.map(addressView) };
    },
    // Consent, 2026-07 style: on the default email address and phone number.
    defaultEmailAddress: (c, _a, ctx) =>
      c.email && c.emailConsent
        ? {
            emailAddress: c.email,
            // CustomerEmailAddressMarketingState has no REDACTED.
            marketingState: c.emailConsent.state === "REDACTED" ? "UNSUBSCRIBED" : c.emailConsent.state,
            marketingOptInLevel: c.emailConsent.optInLevel,
            marketingUpdatedAt: time(c.emailConsent.updatedAt),
            marketingUnsubscribeUrl: unsubscribeUrl(ctx, c),
            openTrackingLevel: "UNKNOWN",
            openTrackingUrl: `https://${ctx.shop.domain}/account/tracking?customer_id=${c.id}`,
            validFormat: c.emailConsent.state !== "INVALID",
            sourceLocation: null,
          }
        : null,
    defaultPhoneNumber: (c) =>
      c.phone && c.smsConsent
        ? {
            phoneNumber: c.phone,
            marketingState: c.smsConsent.state,
            marketingOptInLevel: c.smsConsent.optInLevel,
            marketingUpdatedAt: time(c.smsConsent.updatedAt),
            marketingCollectedFrom: c.smsConsent.collectedFrom,
            sourceLocation: null,
          }
        : null,
    emailMarketingConsent: (c) =>
      c.emailConsent
        ? {
            marketingState: c.emailConsent.state,
            marketingOptInLevel: c.emailConsent.optInLevel,
            consentUpdatedAt: time(c.emailConsent.updatedAt),
            sourceLocation: null,
          }
        : null,
    smsMarketingConsent: (c) =>
      c.smsConsent
        ? {
            marketingState: c.smsConsent.state,
            marketingOptInLevel: c.smsConsent.optInLevel,
            consentUpdatedAt: time(c.smsConsent.updatedAt),
            consentCollectedFrom: c.smsConsent.collectedFrom,
            sourceLocation: null,
          }
        : null,
    orders: (c, a, ctx, info) => {
      const s = orderSortKey(a.sortKey);
      return connect(ctx, info, filter(ctx, info, customerOrders(ctx, c), a.query, orderSpec()), a, s.key, s.numeric);
    },
    lastOrder: (c, _a, ctx) => customerOrders(ctx, c).sort((x, y) => y.createdAt - x.createdAt)[0] ?? null,
  }),
};
