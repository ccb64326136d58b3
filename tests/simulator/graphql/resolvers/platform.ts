import { createHash } from "node:crypto";
import { gid, parseGid } from "../../store/format";
import { planDisplayName } from "../../store/payloads";
import type { BulkOperationRecord, ShopState, WebhookSubscriptionRecord } from "../../store/types";
import { expireIfStale } from "../bulk";
import type { SortKey } from "../connection";
import { type Ctx, type TypeResolvers, type as def } from "../context";
import type { SearchSpec } from "../search";
import { connect, emptyConnection, noExtras, time } from "../views";

/** A stable numeric app id derived from the API key (Shopify's App gid is numeric). */
export function appId(apiKey: string): string {
  return String(parseInt(createHash("sha256").update(apiKey).digest("hex").slice(0, 10), 16) % 9_000_000 + 1_000_000);
}

export function accessScope(handle: string) {
  const m = /^(read|write|unauthenticated_read|unauthenticated_write)_(.+)$/.exec(handle);
  const what = (m?.[2] ?? handle).replace(/_/g, " ");
  const verb = m?.[1].includes("write") ? "Modify" : "Read";
  return { handle, description: `${verb} ${what}` };
}

export interface AppSource {
  __typename: "App";
}
export interface InstallationSource {
  __typename: "AppInstallation";
}

export const APP: AppSource = { __typename: "App" };
export const INSTALLATION: InstallationSource = { __typename: "AppInstallation" };

export function timezoneParts(shop: ShopState, now: number) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: shop.ianaTimezone, timeZoneName: "longOffset" }).formatToParts(new Date(now));
  const off = parts.find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(off);
  const minutes = m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  const abbr =
    new Intl.DateTimeFormat("en-GB", { timeZone: shop.ianaTimezone, timeZoneName: "short" }).formatToParts(new Date(now)).find((p) => p.type === "timeZoneName")
      ?.value ?? "UTC";
  return { offset: m ? `${m[1]}${m[2]}${m[3]}` : "+0000", minutes, abbr };
}

export function webhookSpec(): SearchSpec<WebhookSubscriptionRecord> {
  return {
    defaults: (s) => [s.topic, s.uri],
    fields: {
      id: { kind: "id", get: (s) => s.id },
      topic: { kind: "string", get: (s) => s.topic },
      uri: { kind: "string", get: (s) => s.uri },
      created_at: { kind: "date", get: (s) => s.createdAt },
      updated_at: { kind: "date", get: (s) => s.updatedAt },
      format: { kind: "string", get: (s) => s.format },
    },
  };
}

export function webhookSortKey(sortKey: string | undefined): { key: (s: WebhookSubscriptionRecord) => SortKey; numeric: boolean } {
  return sortKey === "CREATED_AT"
    ? { key: (s) => ({ id: s.id, value: s.createdAt }), numeric: true }
    : { key: (s) => ({ id: s.id, value: null }), numeric: false };
}

export function findSubscription(ctx: Ctx, gidValue: string): WebhookSubscriptionRecord | null {
  const g = parseGid(gidValue);
  return g?.type === "WebhookSubscription" ? (ctx.shop.subscriptions.get(g.id) ?? null) : null;
}

export function findBulkOperation(ctx: Ctx, gidValue: string): BulkOperationRecord | null {
  const g = parseGid(gidValue);
  const op = g?.type === "BulkOperation" ? (ctx.shop.bulkOperations.get(g.id) ?? null) : null;
  if (op) expireIfStale(op, ctx.store.now());
  return op;
}

export function endpointOf(uri: string) {
  if (uri.startsWith("pubsub://")) {
    const [project, topic] = uri.slice("pubsub://".length).split(":");
    return { __typename: "WebhookPubSubEndpoint", pubSubProject: project ?? "", pubSubTopic: topic ?? "" };
  }
  if (uri.startsWith("arn:")) return { __typename: "WebhookEventBridgeEndpoint", arn: uri };
  return { __typename: "WebhookHttpEndpoint", callbackUrl: uri };
}

const shopAddress = (shop: ShopState) => {
  const a = shop.locations[0]?.address;
  return {
    id: gid("ShopAddress", shop.id),
    address1: a?.address1 ?? null,
    address2: a?.address2 ?? null,
    city: a?.city ?? null,
    company: shop.name,
    country: a?.country ?? null,
    countryCodeV2: a?.countryCode ?? null,
    province: a?.province ?? null,
    provinceCode: a?.provinceCode ?? null,
    zip: a?.zip ?? null,
    phone: null,
    latitude: null,
    longitude: null,
    coordinatesValidated: false,
    formattedArea: [a?.city, a?.country].filter(Boolean).join(", "),
    formatted: () => [a?.address1, `${a?.zip ?? ""} ${a?.city ?? ""}`.trim(), a?.country].filter((x): x is string => !!x),
  };
};

export const platformResolvers: Record<string, TypeResolvers> = {
  Shop: def<ShopState>({
    ...noExtras,
    id: (s) => gid("Shop", s.id),
    name: (s) => s.name,
    email: (s) => s.email,
    contactEmail: (s) => s.email,
    myshopifyDomain: (s) => s.domain,
    url: (s) => `https://${s.domain}`,
    description: () => null,
    currencyCode: (s) => s.currency,
    enabledPresentmentCurrencies: (s) => [s.currency, s.currency === "EUR" ? "USD" : "EUR"],
    ianaTimezone: (s) => s.ianaTimezone,
    timezoneAbbreviation: (s, _a, ctx) => timezoneParts(s, ctx.store.now()).abbr,
    timezoneOffset: (s, _a, ctx) => timezoneParts(s, ctx.store.now()).offset,
    timezoneOffsetMinutes: (s, _a, ctx) => timezoneParts(s, ctx.store.now()).minutes,
    createdAt: (s) => time(s.createdAt),
    updatedAt: (s) => time(s.updatedAt),
    plan: (s) => ({
      displayName: planDisplayName(s.plan),
      publicDisplayName: planDisplayName(s.plan),
      partnerDevelopment: false,
      shopifyPlus: s.plan === "plus",
    }),
    primaryDomain: (s) => ({
      id: gid("Domain", s.id),
      host: s.domain,
      url: `https://${s.domain}`,
      sslEnabled: true,
      localization: null,
      marketWebPresence: null,
    }),
    weightUnit: () => "KILOGRAMS",
    unitSystem: () => "METRIC_SYSTEM",
    taxesIncluded: () => true,
    taxShipping: () => false,
    checkoutApiSupported: () => true,
    setupRequired: () => false,
    transactionalSmsDisabled: () => false,
    marketingSmsConsentEnabledAtCheckout: () => true,
    orderNumberFormatPrefix: () => "#",
    orderNumberFormatSuffix: () => "",
    shopOwnerName: () => "Syncline Owner",
    billingAddress: (s) => shopAddress(s),
    shopAddress: (s) => shopAddress(s),
    shipsToCountries: () => ["DE", "NL", "FR", "AT", "BE"],
    alerts: () => [],
    richTextEditorUrl: (s) => `https://${s.domain}/admin/rich_text_editor`,
  }),

  App: def<AppSource>({
    id: (_s, _a, ctx) => gid("App", appId(ctx.apiKey)),
    apiKey: (_s, _a, ctx) => ctx.apiKey,
    title: (_s, _a, ctx) => ctx.config.name,
    handle: (_s, _a, ctx) => ctx.config.name.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
    description: () => null,
    embedded: () => true,
    published: () => false,
    previouslyInstalled: (_s, _a, ctx) => ctx.shop.installation.installedAt !== null,
    developerName: () => "Syncline",
    developerType: () => "PARTNER",
    developerUrl: () => "https://example.com",
    appStoreAppUrl: () => null,
    appStoreDeveloperUrl: () => null,
    installUrl: (_s, _a, ctx) => `https://${ctx.shop.domain}/admin/oauth/install?client_id=${ctx.apiKey}`,
    launchUrl: (_s, _a, ctx) => `https://admin.shopify.com/store/${ctx.shop.domain.split(".")[0]}/apps/${ctx.apiKey}`,
    features: () => [],
    failedRequirements: () => [],
    isPostPurchaseAppInUse: () => false,
    pricingDetails: () => null,
    pricingDetailsSummary: () => "Free",
    privacyPolicyUrl: () => null,
    shopifyDeveloped: () => false,
    uninstallMessage: () => "",
    webhookApiVersion: (_s, _a, ctx) => ctx.config.webhookApiVersion,
    requestedAccessScopes: (_s, _a, ctx) => ctx.config.requiredScopes.map(accessScope),
    optionalAccessScopes: (_s, _a, ctx) => ctx.config.optionalScopes.map(accessScope),
    availableAccessScopes: (_s, _a, ctx) => [...ctx.config.requiredScopes, ...ctx.config.optionalScopes].map(accessScope),
    installation: (_s, _a, ctx) => (ctx.shop.installation.installed ? INSTALLATION : null),
  }),

  AppInstallation: def<InstallationSource>({
    metafields: () => emptyConnection(),
    metafield: () => null,
    id: (_s, _a, ctx) => gid("AppInstallation", ctx.shop.installation.installationId),
    accessScopes: (_s, _a, ctx) => ctx.shop.installation.scopes.map(accessScope),
    app: () => APP,
    launchUrl: (_s, _a, ctx) => `https://admin.shopify.com/store/${ctx.shop.domain.split(".")[0]}/apps/${ctx.apiKey}`,
    uninstallUrl: () => null,
    activeSubscriptions: () => [],
    subscriptions: () => [],
    allSubscriptions: () => emptyConnection(),
    oneTimePurchases: () => emptyConnection(),
    credits: () => emptyConnection(),
    revenueAttributionRecords: () => emptyConnection(),
  }),

  WebhookSubscription: def<WebhookSubscriptionRecord>({
    id: (s) => gid("WebhookSubscription", s.id),
    legacyResourceId: (s) => s.id,
    topic: (s) => s.topic,
    uri: (s) => s.uri,
    callbackUrl: (s) => s.uri,
    endpoint: (s) => endpointOf(s.uri),
    filter: (s) => s.filter,
    includeFields: (s) => s.includeFields,
    metafieldNamespaces: (s) => s.metafieldNamespaces,
    metafields: () => [],
    format: (s) => s.format,
    name: (s) => s.name,
    apiVersion: (s) => ({ handle: s.apiVersion, displayName: s.apiVersion, supported: true }),
    createdAt: (s) => time(s.createdAt),
    updatedAt: (s) => time(s.updatedAt),
  }),

  BulkOperation: def<BulkOperationRecord>({
    id: (b) => gid("BulkOperation", b.id),
    type: (b) => b.type,
    status: (b) => b.status,
    errorCode: (b) => b.errorCode,
    query: (b) => b.query,
    createdAt: (b) => time(b.createdAt),
    completedAt: (b) => time(b.completedAt),
    objectCount: (b) => String(b.objectCount),
    rootObjectCount: (b) => String(b.rootObjectCount),
    fileSize: (b) => (b.fileSize === null ? null : String(b.fileSize)),
    url: (b) => b.url,
    partialDataUrl: (b) => b.partialDataUrl,
  }),
};

export function subscriptionsConnection(ctx: Ctx, info: Parameters<typeof connect>[1], items: WebhookSubscriptionRecord[], a: Record<string, unknown>) {
  const s = webhookSortKey(a.sortKey as string | undefined);
  return connect(ctx, info, items, a, s.key, s.numeric);
}
