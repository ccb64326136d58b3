import { GraphQLError } from "graphql";
import { gid, parseGid } from "../../store/format";
import { InvalidInputError, normalizePhone } from "../../store/store";
import type { CustomerRecord, EmailMarketingState, SmsMarketingState, WebhookSubscriptionRecord } from "../../store/types";
import { type Args, type Ctx, type TypeResolvers, type as def, hasAnyScope } from "../context";
import { accessDenied, notImplemented } from "../errors";
import { connect, count, filter, mediaImageView } from "../views";
import { expireIfStale } from "../bulk";
import {
  collectionSortKey,
  collectionSpec,
  findInventoryItem,
  findInventoryLevel,
  findLocation,
  findProduct,
  findVariant,
  productSortKey,
  productSpec,
  variantSortKey,
  variantSpec,
} from "./catalog";
import { customerSortKey, customerSpec, findCustomer } from "./customers";
import { findOrder, orderSortKey, orderSpec, visibleOrders } from "./orders";
import { APP, INSTALLATION, accessScope, appId, findBulkOperation, findSubscription, subscriptionsConnection, webhookSpec } from "./platform";

// ------------------------------------------------------------------ node lookup

function lookupNode(ctx: Ctx, id: string): unknown {
  const g = parseGid(id);
  if (!g) return null;
  switch (g.type) {
    case "Product":
      return findProduct(ctx, id);
    case "ProductVariant":
      return findVariant(ctx, id);
    case "Collection":
      return ctx.shop.collections.get(g.id) ?? null;
    case "Customer":
      return findCustomer(ctx, id);
    case "Order":
      return findOrder(ctx, id);
    case "WebhookSubscription":
      return findSubscription(ctx, id);
    case "BulkOperation":
      return findBulkOperation(ctx, id);
    case "Location":
      return findLocation(ctx, id);
    case "InventoryItem":
      return findInventoryItem(ctx, id);
    case "InventoryLevel":
      return findInventoryLevel(ctx, id);
    case "AppInstallation":
      return g.id === ctx.shop.installation.installationId ? INSTALLATION : null;
    case "App":
      return g.id === appId(ctx.apiKey) ? APP : null;
    case "Shop":
      return g.id === ctx.shop.id ? ctx.shop : null;
    case "MediaImage": {
      for (const p of ctx.shop.products.values()) {
        const img = p.images.find((i) => i.mediaId === g.id);
        if (img) return mediaImageView(img);
      }
      return null;
    }
    default:
      return null;
  }
}

/** node()/nodes() return an interface, so the concrete type's access rule is checked here. */
function guardNode(ctx: Ctx, field: string, value: unknown): unknown {
  const typename = (value as { __typename?: string } | null)?.__typename;
  const rule = typename ? ctx.loaded.typeAccess.get(typename) : undefined;
  if (rule && !hasAnyScope(ctx, rule.scopes)) throw accessDenied(field, rule);
  return value;
}

// ------------------------------------------------------------------ QueryRoot

export const queryResolvers: TypeResolvers = def<unknown>({
  shop: (_s, _a, ctx) => ctx.shop,
  currentAppInstallation: () => INSTALLATION,
  appInstallation: (_s, a, ctx) => (!a.id || a.id === gid("AppInstallation", ctx.shop.installation.installationId) ? INSTALLATION : null),
  app: (_s, a, ctx) => (!a.id || a.id === gid("App", appId(ctx.apiKey)) ? APP : null),
  appByKey: (_s, a, ctx) => (a.apiKey === ctx.apiKey ? APP : null),

  webhookSubscriptions: (_s, a, ctx, info) => {
    let items = [...ctx.shop.subscriptions.values()];
    if (a.topics?.length) items = items.filter((s) => (a.topics as string[]).includes(s.topic));
    if (a.format) items = items.filter((s) => s.format === a.format);
    const uri = a.uri ?? a.callbackUrl;
    if (uri) items = items.filter((s) => s.uri === uri);
    return subscriptionsConnection(ctx, info, filter(ctx, info, items, a.query, webhookSpec()), a);
  },
  webhookSubscription: (_s, a, ctx) => findSubscription(ctx, String(a.id)),
  webhookSubscriptionsCount: (_s, a, ctx, info) => count(filter(ctx, info, [...ctx.shop.subscriptions.values()], a.query, webhookSpec()).length, a.limit),

  products: (_s, a, ctx, info) => {
    rejectSavedSearch(a);
    const s = productSortKey(a.sortKey, ctx);
    return connect(ctx, info, filter(ctx, info, [...ctx.shop.products.values()], a.query, productSpec(ctx)), a, s.key, s.numeric);
  },
  product: (_s, a, ctx) => findProduct(ctx, String(a.id)),
  productByHandle: (_s, a, ctx) => [...ctx.shop.products.values()].find((p) => p.handle === a.handle) ?? null,
  productByIdentifier: (_s, a, ctx) => {
    const idf = a.identifier as { id?: string; handle?: string; customId?: unknown };
    if (idf.customId) throw notImplemented("ProductIdentifierInput", "customId");
    if (idf.id) return findProduct(ctx, idf.id);
    return [...ctx.shop.products.values()].find((p) => p.handle === idf.handle) ?? null;
  },
  productsCount: (_s, a, ctx, info) => {
    rejectSavedSearch(a);
    return count(filter(ctx, info, [...ctx.shop.products.values()], a.query, productSpec(ctx)).length, a.limit);
  },
  productVariants: (_s, a, ctx, info) => {
    rejectSavedSearch(a);
    const s = variantSortKey(a.sortKey, ctx);
    return connect(ctx, info, filter(ctx, info, [...ctx.shop.variants.values()], a.query, variantSpec(ctx)), a, s.key, s.numeric);
  },
  productVariant: (_s, a, ctx) => findVariant(ctx, String(a.id)),
  productVariantsCount: (_s, a, ctx, info) => count(filter(ctx, info, [...ctx.shop.variants.values()], a.query, variantSpec(ctx)).length, a.limit),

  collections: (_s, a, ctx, info) => {
    rejectSavedSearch(a);
    const s = collectionSortKey(a.sortKey);
    return connect(ctx, info, filter(ctx, info, [...ctx.shop.collections.values()], a.query, collectionSpec()), a, s.key, s.numeric);
  },
  collection: (_s, a, ctx) => {
    const g = parseGid(String(a.id));
    return g?.type === "Collection" ? (ctx.shop.collections.get(g.id) ?? null) : null;
  },
  collectionByHandle: (_s, a, ctx) => [...ctx.shop.collections.values()].find((c) => c.handle === a.handle) ?? null,
  collectionsCount: (_s, a, ctx, info) => count(filter(ctx, info, [...ctx.shop.collections.values()], a.query, collectionSpec()).length, a.limit),

  customers: (_s, a, ctx, info) => {
    const s = customerSortKey(a.sortKey);
    return connect(ctx, info, filter(ctx, info, [...ctx.shop.customers.values()], a.query, customerSpec(ctx)), a, s.key, s.numeric);
  },
  customer: (_s, a, ctx) => findCustomer(ctx, String(a.id)),
  customerByIdentifier: (_s, a, ctx) => {
    const idf = a.identifier as { id?: string; emailAddress?: string; phoneNumber?: string; customId?: unknown };
    const given = [idf.id, idf.emailAddress, idf.phoneNumber, idf.customId].filter((x) => x !== undefined && x !== null);
    if (given.length !== 1) {
      throw new GraphQLError("Exactly one identifier (id, emailAddress, phoneNumber or customId) must be provided.", {
        extensions: { code: "BAD_REQUEST" },
      });
    }
    if (idf.customId) throw notImplemented("CustomerIdentifierInput", "customId");
    if (idf.id) return findCustomer(ctx, idf.id);
    if (idf.emailAddress) return ctx.store.findCustomerByEmail(ctx.shop, idf.emailAddress) ?? null;
    return ctx.store.findCustomerByPhone(ctx.shop, String(idf.phoneNumber)) ?? null;
  },
  customersCount: (_s, a, ctx, info) => count(filter(ctx, info, [...ctx.shop.customers.values()], a.query, customerSpec(ctx)).length, a.limit),

  orders: (_s, a, ctx, info) => {
    rejectSavedSearch(a);
    const s = orderSortKey(a.sortKey);
    return connect(ctx, info, filter(ctx, info, visibleOrders(ctx), a.query, orderSpec()), a, s.key, s.numeric);
  },
  order: (_s, a, ctx) => findOrder(ctx, String(a.id)),
  ordersCount: (_s, a, ctx, info) => count(filter(ctx, info, visibleOrders(ctx), a.query, orderSpec()).length, a.limit),

  locations: (_s, a, ctx, info) => {
    const items = ctx.shop.locations.filter((l) => l.isActive || a.includeInactive);
    return connect(ctx, info, filter(ctx, info, items, a.query, { defaults: (l) => [l.name], fields: {} }), a, (l) => ({ id: l.id, value: null }));
  },
  location: (_s, a, ctx) => (a.id ? findLocation(ctx, String(a.id)) : (ctx.shop.locations[0] ?? null)),
  inventoryItem: (_s, a, ctx) => findInventoryItem(ctx, String(a.id)),
  inventoryLevel: (_s, a, ctx) => findInventoryLevel(ctx, String(a.id)),

  bulkOperation: (_s, a, ctx) => findBulkOperation(ctx, String(a.id)),
  currentBulkOperation: (_s, a, ctx) => {
    const type = a.type ?? "QUERY";
    const ops = [...ctx.shop.bulkOperations.values()].filter((b) => b.type === type);
    const op = ops[ops.length - 1] ?? null;
    if (op) expireIfStale(op, ctx.store.now());
    return op;
  },

  node: (_s, a, ctx) => guardNode(ctx, "node", lookupNode(ctx, String(a.id))),
  nodes: (_s, a, ctx) => {
    if ((a.ids as string[]).length > 250) {
      throw new GraphQLError("The maximum number of IDs is 250.", { extensions: { code: "BAD_REQUEST" } });
    }
    return (a.ids as string[]).map((id) => guardNode(ctx, "nodes", lookupNode(ctx, id)));
  },
});

function rejectSavedSearch(a: Args): void {
  if (a.savedSearchId) throw notImplemented("QueryRoot", "savedSearchId argument");
}

// ------------------------------------------------------------------ Mutation

type UserError = { field: string[] | null; message: string; code?: string | null };

const TOPIC_PATTERN = /^[A-Z_]+$/;

function validateUri(uri: string | null | undefined): string | null {
  if (!uri || !uri.trim()) return "Address can't be blank";
  if (uri.startsWith("pubsub://")) return /^pubsub:\/\/[a-z][a-z0-9-]{4,28}[a-z0-9]:[A-Za-z][\w.~+%-]{2,254}$/.test(uri) ? null : "Address is invalid";
  if (uri.startsWith("arn:")) return /^arn:aws:events:[a-z0-9-]+::event-source\/aws\.partner\/shopify\.com.*$/.test(uri) ? null : "Address is invalid";
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return "Address is invalid";
  }
  if (u.protocol === "https:") return null;
  // The simulator also delivers to the app on a local http origin (Shopify itself requires https).
  if (u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]", "::1"].includes(u.hostname)) return null;
  return `Address protocol ${u.protocol}// is not supported`;
}

function customerNotFound(field: string[]): UserError {
  return { field, message: "Customer not found", code: "INVALID" };
}

function consentTime(value: unknown, ctx: Ctx, field: string[]): { ms?: number; error?: UserError } {
  if (value === undefined || value === null) return {};
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms)) return { error: { field, message: "Consent updated at is invalid", code: "INVALID" } };
  if (ms > ctx.store.now() + 60_000) return { error: { field, message: "Consent updated at cannot be in the future", code: "INVALID" } };
  return { ms };
}

const WRITABLE_CONSENT = ["SUBSCRIBED", "UNSUBSCRIBED", "PENDING"];

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const mutationResolvers: TypeResolvers = def<unknown>({
  webhookSubscriptionCreate: (_s, a, ctx) => {
    const input = a.webhookSubscription as {
      uri?: string | null;
      filter?: string | null;
      includeFields?: string[] | null;
      metafieldNamespaces?: string[] | null;
      format?: "JSON" | "XML" | null;
      name?: string | null;
      metafields?: unknown[] | null;
    };
    const topic = String(a.topic);
    const errors: UserError[] = [];
    const uriError = validateUri(input.uri);
    if (uriError) errors.push({ field: ["webhookSubscription", "uri"], message: uriError });
    if (!TOPIC_PATTERN.test(topic)) errors.push({ field: ["topic"], message: "Topic is invalid" });
    if (input.metafields?.length) throw notImplemented("WebhookSubscriptionInput", "metafields");
    const format = input.format ?? "JSON";
    if (!errors.length) {
      for (const existing of ctx.shop.subscriptions.values()) {
        if (existing.topic === topic && existing.uri === input.uri) {
          errors.push({ field: ["webhookSubscription", "uri"], message: "Address for this topic has already been taken" });
          break;
        }
      }
    }
    if (errors.length) return { webhookSubscription: null, userErrors: errors };
    const now = ctx.store.now();
    const rec: WebhookSubscriptionRecord = {
      __typename: "WebhookSubscription",
      id: ctx.store.nextId(ctx.shop, "WebhookSubscription"),
      topic,
      uri: input.uri!,
      filter: input.filter ?? null,
      includeFields: input.includeFields ?? [],
      metafieldNamespaces: input.metafieldNamespaces ?? [],
      format,
      name: input.name ?? null,
      apiVersion: ctx.config.webhookApiVersion,
      createdAt: now,
      updatedAt: now,
    };
    ctx.shop.subscriptions.set(rec.id, rec);
    return { webhookSubscription: rec, userErrors: [] };
  },

  webhookSubscriptionUpdate: (_s, a, ctx) => {
    const rec = findSubscription(ctx, String(a.id));
    if (!rec) return { webhookSubscription: null, userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }] };
    const input = a.webhookSubscription as { uri?: string | null; filter?: string | null; includeFields?: string[] | null; format?: "JSON" | "XML" | null; name?: string | null; metafieldNamespaces?: string[] | null };
    if (input.uri !== undefined) {
      const err = validateUri(input.uri);
      if (err) return { webhookSubscription: null, userErrors: [{ field: ["webhookSubscription", "uri"], message: err }] };
      rec.uri = input.uri!;
    }
    if (input.filter !== undefined) rec.filter = input.filter;
    if (input.includeFields !== undefined) rec.includeFields = input.includeFields ?? [];
    if (input.metafieldNamespaces !== undefined) rec.metafieldNamespaces = input.metafieldNamespaces ?? [];
    if (input.format) rec.format = input.format;
    if (input.name !== undefined) rec.name = input.name;
    rec.updatedAt = ctx.store.now();
    return { webhookSubscription: rec, userErrors: [] };
  },

  webhookSubscriptionDelete: (_s, a, ctx) => {
    const rec = findSubscription(ctx, String(a.id));
    if (!rec) return { deletedWebhookSubscriptionId: null, userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }] };
    ctx.shop.subscriptions.delete(rec.id);
    return { deletedWebhookSubscriptionId: gid("WebhookSubscription", rec.id), userErrors: [] };
  },

  customerEmailMarketingConsentUpdate: (_s, a, ctx) => {
    const input = a.input as { customerId: string; emailMarketingConsent: { marketingState: string; marketingOptInLevel?: string | null; consentUpdatedAt?: string | null; sourceLocationId?: string | null } };
    const c = findCustomer(ctx, input.customerId);
    if (!c) return { customer: null, userErrors: [customerNotFound(["input", "customerId"])] };
    const consent = input.emailMarketingConsent;
    if (!WRITABLE_CONSENT.includes(consent.marketingState)) {
      return { customer: null, userErrors: [{ field: ["input", "emailMarketingConsent", "marketingState"], message: "Marketing state is not included in the list", code: "INCLUSION" }] };
    }
    if (!c.email) {
      return { customer: null, userErrors: [{ field: ["input", "customerId"], message: "An email address is required to set the email marketing consent state.", code: "INVALID" }] };
    }
    const t = consentTime(consent.consentUpdatedAt, ctx, ["input", "emailMarketingConsent", "consentUpdatedAt"]);
    if (t.error) return { customer: null, userErrors: [t.error] };
    ctx.store.updateConsent(ctx.shop.domain, c.id, {
      email: {
        state: consent.marketingState as EmailMarketingState,
        optInLevel: (consent.marketingOptInLevel ?? undefined) as never,
        consentUpdatedAt: t.ms,
        sourceLocationId: consent.sourceLocationId ? (parseGid(consent.sourceLocationId)?.id ?? null) : null,
      },
    });
    return { customer: c, userErrors: [] };
  },

  customerSmsMarketingConsentUpdate: (_s, a, ctx) => {
    const input = a.input as { customerId: string; smsMarketingConsent: { marketingState: string; marketingOptInLevel?: string | null; consentUpdatedAt?: string | null; sourceLocationId?: string | null } };
    const c = findCustomer(ctx, input.customerId);
    if (!c) return { customer: null, userErrors: [customerNotFound(["input", "customerId"])] };
    const consent = input.smsMarketingConsent;
    if (!WRITABLE_CONSENT.includes(consent.marketingState)) {
      return { customer: null, userErrors: [{ field: ["input", "smsMarketingConsent", "marketingState"], message: "Marketing state is not included in the list", code: "INCLUSION" }] };
    }
    if (!c.phone) {
      return { customer: null, userErrors: [{ field: ["input", "customerId"], message: "A phone number is required to set the SMS consent state.", code: "INVALID" }] };
    }
    const t = consentTime(consent.consentUpdatedAt, ctx, ["input", "smsMarketingConsent", "consentUpdatedAt"]);
    if (t.error) return { customer: null, userErrors: [t.error] };
    ctx.store.updateConsent(ctx.shop.domain, c.id, {
      sms: {
        state: consent.marketingState as SmsMarketingState,
        optInLevel: (consent.marketingOptInLevel ?? undefined) as never,
        consentUpdatedAt: t.ms,
        collectedFrom: "OTHER",
        sourceLocationId: consent.sourceLocationId ? (parseGid(consent.sourceLocationId)?.id ?? null) : null,
      },
    });
    return { customer: c, userErrors: [] };
  },

  customerSet: (_s, a, ctx) => customerSet(ctx, a),

  bulkOperationRunQuery: (_s, a, ctx) => ctx.bulkOps.start(ctx, String(a.query), a.groupObjects === true),
  bulkOperationCancel: (_s, a, ctx) => ctx.bulkOps.cancel(ctx, String(a.id)),

  appRevokeAccessScopes: (_s, a, ctx) => {
    const scopes = a.scopes as string[];
    const granted = ctx.shop.installation.scopes;
    const err = (code: string, message: string) => ({ revoked: null, userErrors: [{ field: ["scopes"], message, code }] });
    const known = /^(read|write)_[a-z_]+$/;
    const unknown = scopes.filter((s) => !known.test(s));
    if (unknown.length) return err("UNKNOWN_SCOPES", `The following scopes are not valid: ${unknown.join(", ")}`);
    const required = scopes.filter((s) => ctx.config.requiredScopes.includes(s));
    if (required.length) return err("CANNOT_REVOKE_REQUIRED_SCOPES", `Required scopes cannot be revoked: ${required.join(", ")}`);
    const undeclared = scopes.filter((s) => !ctx.config.optionalScopes.includes(s));
    if (undeclared.length) return err("CANNOT_REVOKE_UNDECLARED_SCOPES", `Scopes not declared as optional cannot be revoked: ${undeclared.join(", ")}`);
    const implied = scopes.filter((s) => s.startsWith("read_") && granted.includes(`write_${s.slice(5)}`) && !scopes.includes(`write_${s.slice(5)}`));
    if (implied.length) return err("CANNOT_REVOKE_IMPLIED_SCOPES", `Scopes implied by a granted write scope cannot be revoked: ${implied.join(", ")}`);
    const revoked = scopes.filter((s) => granted.includes(s));
    ctx.store.setScopes(ctx.shop.domain, granted.filter((s) => !scopes.includes(s)));
    return { revoked: revoked.map(accessScope), userErrors: [] };
  },
});

function customerSet(ctx: Ctx, a: Args) {
  const identifier = (a.identifier ?? null) as { id?: string; email?: string; phone?: string; customId?: unknown } | null;
  const input = a.input as {
    email?: string | null;
    phone?: string | null;
    firstName?: string | null;
    lastName?: string | null;
    note?: string | null;
    locale?: string | null;
    tags?: string[] | null;
    taxExempt?: boolean | null;
    addresses?: unknown[] | null;
    taxExemptions?: unknown[] | null;
  };
  const fail = (field: string[], message: string, code: string) => ({ customer: null, userErrors: [{ field, message, code }] });
  if (identifier?.customId) throw notImplemented("CustomerSetIdentifiers", "customId");
  if (input.addresses?.length) throw notImplemented("CustomerSetInput", "addresses");
  let existing: CustomerRecord | null = null;
  if (identifier) {
    const keys = ["id", "email", "phone"].filter((k) => identifier[k as "id"] !== undefined && identifier[k as "id"] !== null);
    if (keys.length !== 1) return fail(["identifier"], "Exactly one identifier must be provided", "INVALID");
    if (identifier.id) {
      existing = findCustomer(ctx, identifier.id);
      if (!existing) return fail(["identifier", "id"], "Resource matching the identifier was not found.", "NOT_FOUND");
    } else if (identifier.email) {
      if (input.email === undefined || input.email?.toLowerCase() !== identifier.email.toLowerCase()) {
        return fail(["input", "email"], "The identifier value does not match the value of the corresponding field in the input.", "INPUT_MISMATCH");
      }
      existing = ctx.store.findCustomerByEmail(ctx.shop, identifier.email) ?? null;
    } else if (identifier.phone) {
      if (input.phone === undefined || normalizePhone(input.phone ?? "") !== normalizePhone(identifier.phone)) {
        return fail(["input", "phone"], "The identifier value does not match the value of the corresponding field in the input.", "INPUT_MISMATCH");
      }
      existing = ctx.store.findCustomerByPhone(ctx.shop, identifier.phone) ?? null;
    }
  }
  if (input.email !== undefined && input.email !== null) {
    if (!EMAIL_RE.test(input.email)) return fail(["input", "email"], "Email is invalid", "INVALID");
    const other = ctx.store.findCustomerByEmail(ctx.shop, input.email);
    if (other && other.id !== existing?.id) return fail(["input", "email"], "Email has already been taken", "TAKEN");
  }
  if (input.phone !== undefined && input.phone !== null) {
    if (!/^\+?[\d\s().-]{6,}$/.test(input.phone)) return fail(["input", "phone"], "Phone is invalid", "INVALID");
    const other = ctx.store.findCustomerByPhone(ctx.shop, input.phone);
    if (other && other.id !== existing?.id) return fail(["input", "phone"], "Phone has already been taken", "TAKEN");
  }
  const patch = {
    ...(input.firstName !== undefined && { firstName: input.firstName }),
    ...(input.lastName !== undefined && { lastName: input.lastName }),
    ...(input.email !== undefined && { email: input.email }),
    ...(input.phone !== undefined && { phone: input.phone }),
    ...(input.note !== undefined && { note: input.note }),
    ...(input.locale !== undefined && input.locale !== null && { locale: input.locale }),
    ...(input.tags !== undefined && { tags: input.tags ?? [] }),
    ...(input.taxExempt !== undefined && input.taxExempt !== null && { taxExempt: input.taxExempt }),
  };
  try {
    if (existing) return { customer: ctx.store.updateCustomer(ctx.shop.domain, existing.id, patch), userErrors: [] };
    if (!input.email && !input.phone && !input.firstName && !input.lastName) {
      return fail(["input"], "A name, phone number, or email address must be present", "BLANK");
    }
    const now = ctx.store.now();
    const c: CustomerRecord = {
      __typename: "Customer",
      id: ctx.store.nextId(ctx.shop, "Customer"),
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      email: input.email ?? null,
      phone: input.phone ?? null,
      state: "DISABLED",
      tags: input.tags ?? [],
      note: input.note ?? null,
      locale: input.locale ?? "en",
      verifiedEmail: false,
      taxExempt: input.taxExempt ?? false,
      createdAt: now,
      updatedAt: now,
      emailConsent: input.email ? { state: "NOT_SUBSCRIBED", optInLevel: "SINGLE_OPT_IN", updatedAt: null, sourceLocationId: null } : null,
      smsConsent: input.phone ? { state: "NOT_SUBSCRIBED", optInLevel: "SINGLE_OPT_IN", updatedAt: null, collectedFrom: "OTHER", sourceLocationId: null } : null,
      addresses: [],
      defaultAddressId: null,
    };
    return { customer: ctx.store.addCustomer(ctx.shop.domain, c), userErrors: [] };
  } catch (e) {
    if (e instanceof InvalidInputError) return fail(["input"], e.message, "INVALID");
    throw e;
  }
}

export const rootResolvers: Record<string, TypeResolvers> = {
  QueryRoot: queryResolvers,
  Mutation: mutationResolvers,
};
