import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import type { AppConfig } from "../config";
import type { JsonValue } from "../json";
import { raw } from "../json";
import { gid } from "./format";
import {
  collectionPayload,
  customerPayload,
  emailConsentTopicPayload,
  inventoryLevelPayload,
  orderPayload,
  orderTotals,
  productPayload,
  refundPayload,
  shopPayload,
  smsConsentTopicPayload,
} from "./payloads";
import type {
  CollectionRecord,
  CustomerRecord,
  EmailMarketingState,
  LineItemRecord,
  OptInLevel,
  OrderRecord,
  PlanKey,
  ProductRecord,
  RefundRecord,
  ShopState,
  SmsMarketingState,
  TokenRecord,
  VariantRecord,
  WebhookSubscriptionRecord,
} from "./types";

/** An event Shopify would deliver as a webhook. */
export interface StoreWebhookEvent {
  shop: string;
  /** String form, e.g. "orders/create". */
  topic: string;
  payload: JsonValue;
  /** Event time (X-Shopify-Triggered-At). */
  triggeredAt: number;
}

export class NotFoundError extends Error {
  override name = "NotFoundError";
}
export class InvalidInputError extends Error {
  override name = "InvalidInputError";
}

/** Points restored per second for each plan, as Shopify documents for the GraphQL Admin API. */
export const PLAN_RESTORE_RATE: Record<PlanKey, number> = {
  basic: 100,
  standard: 100,
  advanced: 200,
  plus: 1000,
  commerce_components: 2000,
};

/** 2^53 + 1: the first integer a JS number cannot hold. */
export const BIG_ID_OFFSET = 9_007_199_254_740_993n;

const ID_BASES: Record<string, bigint> = {
  Product: 8_100_000_000_000n,
  ProductVariant: 44_200_000_000_000n,
  InventoryItem: 46_300_000_000_000n,
  Collection: 480_000_000_000n,
  Customer: 7_300_000_000_000n,
  MailingAddress: 8_800_000_000_000n,
  Order: 5_900_000_000_000n,
  LineItem: 14_800_000_000_000n,
  Refund: 920_000_000_000n,
  RefundLineItem: 530_000_000_000n,
  OrderTransaction: 6_700_000_000_000n,
  Location: 71_000_000_000n,
  WebhookSubscription: 1_400_000_000_000n,
  BulkOperation: 3_500_000_000_000n,
  ProductOption: 10_300_000_000_000n,
  ProductOptionValue: 3_700_000_000_000n,
  MediaImage: 31_000_000_000_000n,
  ProductImage: 40_100_000_000_000n,
  AppInstallation: 560_000_000_000n,
  DataRequest: 9_100_000n,
  WebPixel: 2_600_000n,
};

export interface ConsentChange<S> {
  state: S;
  optInLevel?: OptInLevel | null;
  /** ISO time or ms; defaults to now, as Shopify stamps it when absent. */
  consentUpdatedAt?: string | number | null;
  collectedFrom?: "SHOPIFY" | "OTHER";
  sourceLocationId?: string | null;
}

export interface PlaceOrderInput {
  customerId?: string | null;
  email?: string | null;
  lines?: { variantId: string; quantity: number }[];
  discountCode?: { code: string; amountCents: number } | null;
  sourceName?: string;
  presentmentCurrency?: string;
  test?: boolean;
  tags?: string[];
  note?: string | null;
  processedAt?: number;
  financialStatus?: "paid" | "pending" | "authorized";
  buyerAcceptsMarketing?: boolean;
}

export interface UpdateOrderInput {
  tags?: string[];
  note?: string | null;
  email?: string | null;
  noteAttributes?: { name: string; value: string }[];
  addLines?: { variantId: string; quantity: number }[];
  cancel?: { reason?: string } | boolean;
  fulfill?: boolean;
}

export interface RefundInput {
  lines?: { lineItemId: string; quantity: number }[];
  shipping?: boolean;
  note?: string | null;
  restock?: boolean;
}

export class SimStore extends EventEmitter {
  readonly shops = new Map<string, ShopState>();
  /** Overridable clock so tests can move time. */
  now: () => number = () => Date.now();

  constructor(readonly config: AppConfig) {
    super();
  }

  // ---------------------------------------------------------------- shops, ids

  shop(domain: string): ShopState {
    const s = this.shops.get(domain.toLowerCase());
    if (!s) throw new NotFoundError(`unknown shop ${domain}`);
    return s;
  }

  findShop(domain: string): ShopState | undefined {
    return this.shops.get(domain.toLowerCase());
  }

  createShop(opts: {
    domain: string;
    name: string;
    email?: string;
    currency?: string;
    ianaTimezone?: string;
    plan?: PlanKey;
    bigIds?: boolean;
    shopId?: string;
    createdAt?: number;
  }): ShopState {
    const domain = opts.domain.toLowerCase();
    if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(domain)) throw new InvalidInputError(`invalid shop domain ${domain}`);
    if (this.shops.has(domain)) throw new InvalidInputError(`shop ${domain} exists`);
    const idOffset = opts.bigIds ? BIG_ID_OFFSET : 0n;
    const now = opts.createdAt ?? this.now();
    const shop: ShopState = {
      __typename: "Shop",
      id: opts.shopId ?? String(opts.bigIds ? oddAbove(68_123_456_789n + idOffset) : 68_123_456_789n + BigInt(this.shops.size) * 1_000n),
      domain,
      name: opts.name,
      email: opts.email ?? `owner@${domain.replace(".myshopify.com", "")}.example`,
      currency: opts.currency ?? "EUR",
      ianaTimezone: opts.ianaTimezone ?? "Europe/Berlin",
      createdAt: now,
      updatedAt: now,
      plan: opts.plan ?? "standard",
      restoreRateOverride: null,
      bucketSizeOverride: null,
      idOffset,
      idCounters: new Map(),
      nextOrderNumber: 1001,
      installation: { installed: false, installationId: "", scopes: [], installedAt: null, uninstalledAt: null },
      tokens: new Map(),
      refreshTokens: new Map(),
      authCodes: new Map(),
      locations: [],
      products: new Map(),
      variants: new Map(),
      inventory: new Map(),
      collections: new Map(),
      customers: new Map(),
      orders: new Map(),
      subscriptions: new Map(),
      bulkOperations: new Map(),
      webPixel: null,
    };
    shop.installation.installationId = this.nextId(shop, "AppInstallation");
    this.shops.set(domain, shop);
    return shop;
  }

  nextId(shop: ShopState, kind: string): string {
    const base = ID_BASES[kind];
    if (base === undefined) throw new Error(`no id base for ${kind}`);
    const n = (shop.idCounters.get(kind) ?? 0n) + 1n;
    shop.idCounters.set(kind, n);
    if (shop.idOffset === 0n) return String(base + n);
    // Between 2^53 and 2^54 doubles hold only even integers: odd ids are guaranteed to break a JS number.
    return String(oddAbove(base + shop.idOffset + 2n * n));
  }

  emitWebhook(shop: ShopState, topic: string, payload: JsonValue, triggeredAt = this.now()): void {
    const event: StoreWebhookEvent = { shop: shop.domain, topic, payload, triggeredAt };
    this.emit("webhook", event);
  }

  // ---------------------------------------------------------------- installation, tokens, scopes

  /** The merchant installs (or opens) the app: required scopes are granted. Idempotent. */
  install(domain: string): void {
    const shop = this.shop(domain);
    if (shop.installation.installed) return;
    shop.installation.installed = true;
    shop.installation.installedAt = this.now();
    shop.installation.uninstalledAt = null;
    shop.installation.scopes = [...this.config.requiredScopes];
  }

  /** Uninstall: tokens are revoked first (as on Shopify), then app/uninstalled is sent, then API subscriptions go. */
  uninstall(domain: string): void {
    const shop = this.shop(domain);
    if (!shop.installation.installed) throw new InvalidInputError(`app is not installed on ${domain}`);
    shop.installation.installed = false;
    shop.installation.uninstalledAt = this.now();
    shop.installation.scopes = [];
    shop.tokens.clear();
    shop.refreshTokens.clear();
    this.emitWebhook(shop, "app/uninstalled", shopPayload(shop));
    shop.subscriptions.clear();
    shop.webPixel = null;
    for (const op of shop.bulkOperations.values()) if (op.status === "RUNNING" || op.status === "CREATED") op.status = "CANCELED";
  }

  issueToken(
    domain: string,
    kind: "offline" | "online",
    opts: { userId?: string | null; expiresInSec?: number | null; withRefreshToken?: boolean } = {},
  ): { token: TokenRecord; refreshToken: string | null } {
    const shop = this.shop(domain);
    const now = this.now();
    const token: TokenRecord = {
      token: `${kind === "online" ? "shpua" : "shpat"}_${randomBytes(16).toString("hex")}`,
      kind,
      expiresAt: opts.expiresInSec ? now + opts.expiresInSec * 1000 : null,
      userId: opts.userId ?? null,
      createdAt: now,
    };
    shop.tokens.set(token.token, token);
    let refreshToken: string | null = null;
    if (opts.withRefreshToken) {
      refreshToken = `shprt_${randomBytes(16).toString("hex")}`;
      shop.refreshTokens.set(refreshToken, { accessToken: token.token, expiresAt: now + 90 * 86400_000 });
    }
    return { token, refreshToken };
  }

  /** Returns the token record when `token` is a live token of an installed app on this shop. */
  authenticate(domain: string, token: string | undefined | null): TokenRecord | null {
    if (!token) return null;
    const shop = this.findShop(domain);
    if (!shop || !shop.installation.installed) return null;
    const rec = shop.tokens.get(token);
    if (!rec) return null;
    if (rec.expiresAt !== null && rec.expiresAt <= this.now()) return null;
    return rec;
  }

  issueAuthCode(domain: string): string {
    const shop = this.shop(domain);
    const code = randomBytes(16).toString("hex");
    shop.authCodes.set(code, { expiresAt: this.now() + 60_000 });
    return code;
  }

  consumeAuthCode(domain: string, code: string): boolean {
    const shop = this.findShop(domain);
    const rec = shop?.authCodes.get(code);
    if (!shop || !rec) return false;
    shop.authCodes.delete(code);
    return rec.expiresAt > this.now();
  }

  /** Scopes the app may hold: required and optional from shopify.app.toml, plus implied read scopes. */
  declaredScopes(): Set<string> {
    return new Set([...this.config.requiredScopes, ...this.config.optionalScopes]);
  }

  /** The merchant approves optional scopes on the grant page. Sends app/scopes_update when something changed. */
  async grantScopes(domain: string, scopes: string[]): Promise<void> {
    const shop = this.shop(domain);
    if (!shop.installation.installed) this.install(domain);
    const declared = this.declaredScopes();
    const undeclared = scopes.filter((s) => !declared.has(s));
    if (undeclared.length) {
      throw new InvalidInputError(`scopes not declared in shopify.app.toml: ${undeclared.join(", ")}`);
    }
    this.setScopes(domain, [...new Set([...shop.installation.scopes, ...scopes])]);
  }

  /** Sets the granted scopes outright (control API, appRevokeAccessScopes). */
  setScopes(domain: string, scopes: string[]): boolean {
    const shop = this.shop(domain);
    const previous = [...shop.installation.scopes];
    const current = [...new Set(scopes)];
    const changed = previous.length !== current.length || previous.some((s) => !current.includes(s));
    if (!changed) return false;
    shop.installation.scopes = current;
    const now = this.now();
    this.emitWebhook(shop, "app/scopes_update", {
      id: raw(shop.installation.installationId),
      previous,
      current,
      updated_at: new Date(now).toISOString(),
    });
    return true;
  }

  /** Shopify's rule: a write scope implies the matching read scope. */
  hasScope(domain: string, scope: string): boolean {
    const scopes = this.shop(domain).installation.scopes;
    if (scopes.includes(scope)) return true;
    const m = /^read_(.+)$/.exec(scope);
    return !!m && scopes.includes(`write_${m[1]}`);
  }

  setPlan(domain: string, plan: PlanKey, overrides: { restoreRate?: number | null; bucketSize?: number | null } = {}): void {
    const shop = this.shop(domain);
    if (!(plan in PLAN_RESTORE_RATE)) throw new InvalidInputError(`unknown plan ${plan}`);
    shop.plan = plan;
    if (overrides.restoreRate !== undefined) shop.restoreRateOverride = overrides.restoreRate;
    if (overrides.bucketSize !== undefined) shop.bucketSizeOverride = overrides.bucketSize;
  }

  // ---------------------------------------------------------------- catalog

  available(shop: ShopState, inventoryItemId: string): number {
    let sum = 0;
    for (const lvl of shop.inventory.get(inventoryItemId)?.values() ?? []) sum += lvl.available;
    return sum;
  }

  variantsOf(shop: ShopState, p: ProductRecord): VariantRecord[] {
    return p.variantIds.map((id) => shop.variants.get(id)!).filter(Boolean);
  }

  product(domain: string, id: string): ProductRecord {
    const p = this.shop(domain).products.get(id);
    if (!p) throw new NotFoundError(`product ${id} not found`);
    return p;
  }

  variant(domain: string, id: string): VariantRecord {
    const v = this.shop(domain).variants.get(id);
    if (!v) throw new NotFoundError(`variant ${id} not found`);
    return v;
  }

  productWebhookBody(shop: ShopState, p: ProductRecord): JsonValue {
    return productPayload(shop, p, this.variantsOf(shop, p), (v) => this.available(shop, v.inventoryItemId));
  }

  addProduct(domain: string, product: ProductRecord, variants: VariantRecord[], stock: Record<string, number> = {}, notify = true): ProductRecord {
    const shop = this.shop(domain);
    shop.products.set(product.id, product);
    for (const v of variants) {
      shop.variants.set(v.id, v);
      const levels = new Map<string, { available: number; updatedAt: number }>();
      shop.locations.forEach((loc, i) => {
        levels.set(loc.id, { available: i === 0 ? (stock[v.id] ?? 0) : 0, updatedAt: product.createdAt });
      });
      shop.inventory.set(v.inventoryItemId, levels);
    }
    if (notify) this.emitWebhook(shop, "products/create", this.productWebhookBody(shop, product));
    return product;
  }

  /** A new single-variant product (control API, tests); sends products/create. */
  createProduct(
    domain: string,
    input: { title: string; priceCents: number; sku?: string | null; vendor?: string; productType?: string; status?: ProductRecord["status"]; tags?: string[]; available?: number },
  ): ProductRecord {
    const shop = this.shop(domain);
    if (!input.title?.trim()) throw new InvalidInputError("title is required");
    if (!Number.isInteger(input.priceCents) || input.priceCents < 0) throw new InvalidInputError("price must be a non-negative amount");
    const now = this.now();
    let handle = input.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/(^-|-$)/g, "") || "product";
    const handles = new Set([...shop.products.values()].map((p) => p.handle));
    for (let i = 1; handles.has(handle); i++) handle = `${handle.replace(/-\d+$/, "")}-${i}`;
    const product: ProductRecord = {
      __typename: "Product",
      id: this.nextId(shop, "Product"),
      title: input.title,
      handle,
      descriptionHtml: "",
      vendor: input.vendor ?? shop.name,
      productType: input.productType ?? "",
      status: input.status ?? "ACTIVE",
      tags: input.tags ?? [],
      createdAt: now,
      updatedAt: now,
      publishedAt: (input.status ?? "ACTIVE") === "ACTIVE" ? now : null,
      templateSuffix: null,
      options: [{ id: this.nextId(shop, "ProductOption"), name: "Title", position: 1, values: [{ id: this.nextId(shop, "ProductOptionValue"), name: "Default Title" }] }],
      variantIds: [],
      images: [],
      isGiftCard: false,
    };
    const variant: VariantRecord = {
      __typename: "ProductVariant",
      id: this.nextId(shop, "ProductVariant"),
      productId: product.id,
      title: "Default Title",
      sku: input.sku ?? null,
      barcode: null,
      priceCents: input.priceCents,
      compareAtPriceCents: null,
      position: 1,
      selectedOptions: [{ name: "Title", value: "Default Title" }],
      inventoryItemId: this.nextId(shop, "InventoryItem"),
      inventoryPolicy: "DENY",
      tracked: true,
      taxable: true,
      grams: 200,
      imageId: null,
      createdAt: now,
      updatedAt: now,
    };
    product.variantIds.push(variant.id);
    return this.addProduct(domain, product, [variant], { [variant.id]: input.available ?? 0 });
  }

  updateProduct(
    domain: string,
    id: string,
    patch: Partial<Pick<ProductRecord, "title" | "status" | "tags" | "vendor" | "productType" | "descriptionHtml" | "handle">> & {
      published?: boolean;
    },
  ): ProductRecord {
    const shop = this.shop(domain);
    const p = this.product(domain, id);
    const { published, ...fields } = patch;
    Object.assign(p, fields);
    if (published !== undefined) p.publishedAt = published ? (p.publishedAt ?? this.now()) : null;
    p.updatedAt = this.now();
    this.emitWebhook(shop, "products/update", this.productWebhookBody(shop, p));
    return p;
  }

  /** A price change is a products/update on Shopify (there is no variant topic). */
  updateVariantPrice(domain: string, variantId: string, priceCents: number, compareAtPriceCents?: number | null): VariantRecord {
    const shop = this.shop(domain);
    const v = this.variant(domain, variantId);
    if (!Number.isInteger(priceCents) || priceCents < 0) throw new InvalidInputError("price must be a non-negative amount");
    v.priceCents = priceCents;
    if (compareAtPriceCents !== undefined) v.compareAtPriceCents = compareAtPriceCents;
    const now = this.now();
    v.updatedAt = now;
    const p = this.product(domain, v.productId);
    p.updatedAt = now;
    this.emitWebhook(shop, "products/update", this.productWebhookBody(shop, p));
    return v;
  }

  deleteProduct(domain: string, id: string): void {
    const shop = this.shop(domain);
    const p = this.product(domain, id);
    for (const vid of p.variantIds) {
      const v = shop.variants.get(vid);
      if (v) shop.inventory.delete(v.inventoryItemId);
      shop.variants.delete(vid);
    }
    shop.products.delete(id);
    for (const c of shop.collections.values()) c.productIds = c.productIds.filter((x) => x !== id);
    this.emitWebhook(shop, "products/delete", { id: raw(id) });
  }

  /** Sets (or adjusts by `delta`) the available quantity of an inventory item at a location. */
  setInventory(domain: string, inventoryItemId: string, opts: { available?: number; delta?: number; locationId?: string }): number {
    const shop = this.shop(domain);
    const levels = shop.inventory.get(inventoryItemId);
    if (!levels) throw new NotFoundError(`inventory item ${inventoryItemId} not found`);
    const locationId = opts.locationId ?? shop.locations[0].id;
    const lvl = levels.get(locationId);
    if (!lvl) throw new NotFoundError(`inventory item ${inventoryItemId} is not stocked at location ${locationId}`);
    const now = this.now();
    lvl.available = opts.available ?? lvl.available + (opts.delta ?? 0);
    lvl.updatedAt = now;
    const v = [...shop.variants.values()].find((x) => x.inventoryItemId === inventoryItemId);
    if (v) v.updatedAt = now;
    this.emitWebhook(shop, "inventory_levels/update", inventoryLevelPayload(shop, inventoryItemId, locationId, lvl.available, now));
    return lvl.available;
  }

  updateCollection(
    domain: string,
    id: string,
    patch: { title?: string; descriptionHtml?: string; addProductIds?: string[]; removeProductIds?: string[] },
  ): CollectionRecord {
    const shop = this.shop(domain);
    const c = shop.collections.get(id);
    if (!c) throw new NotFoundError(`collection ${id} not found`);
    if (patch.title !== undefined) c.title = patch.title;
    if (patch.descriptionHtml !== undefined) c.descriptionHtml = patch.descriptionHtml;
    for (const pid of patch.addProductIds ?? []) {
      this.product(domain, pid);
      if (!c.productIds.includes(pid)) c.productIds.push(pid);
    }
    if (patch.removeProductIds) c.productIds = c.productIds.filter((x) => !patch.removeProductIds!.includes(x));
    c.updatedAt = this.now();
    this.emitWebhook(shop, "collections/update", collectionPayload(shop, c));
    return c;
  }

  // ---------------------------------------------------------------- customers

  customer(domain: string, id: string): CustomerRecord {
    const c = this.shop(domain).customers.get(id);
    if (!c) throw new NotFoundError(`customer ${id} not found`);
    return c;
  }

  findCustomerByEmail(shop: ShopState, email: string): CustomerRecord | undefined {
    const e = email.trim().toLowerCase();
    for (const c of shop.customers.values()) if (c.email?.toLowerCase() === e) return c;
    return undefined;
  }

  findCustomerByPhone(shop: ShopState, phone: string): CustomerRecord | undefined {
    const p = normalizePhone(phone);
    for (const c of shop.customers.values()) if (c.phone && normalizePhone(c.phone) === p) return c;
    return undefined;
  }

  addCustomer(domain: string, c: CustomerRecord, notify = true): CustomerRecord {
    const shop = this.shop(domain);
    shop.customers.set(c.id, c);
    if (notify) this.emitWebhook(shop, "customers/create", customerPayload(shop, c));
    return c;
  }

  /** Field updates (customerSet). Email/phone uniqueness is the caller's check. */
  updateCustomer(
    domain: string,
    id: string,
    patch: Partial<Pick<CustomerRecord, "firstName" | "lastName" | "email" | "phone" | "note" | "tags" | "locale" | "taxExempt">>,
  ): CustomerRecord {
    const shop = this.shop(domain);
    const c = this.customer(domain, id);
    const now = this.now();
    if (patch.email !== undefined && patch.email !== c.email) {
      c.email = patch.email;
      c.emailConsent = patch.email
        ? (c.emailConsent ?? { state: "NOT_SUBSCRIBED", optInLevel: "SINGLE_OPT_IN", updatedAt: null, sourceLocationId: null })
        : null;
    }
    if (patch.phone !== undefined && patch.phone !== c.phone) {
      c.phone = patch.phone;
      c.smsConsent = patch.phone
        ? (c.smsConsent ?? { state: "NOT_SUBSCRIBED", optInLevel: "SINGLE_OPT_IN", updatedAt: null, collectedFrom: "OTHER", sourceLocationId: null })
        : null;
    }
    const { email: _e, phone: _p, ...rest } = patch;
    Object.assign(c, rest);
    c.updatedAt = now;
    this.emitWebhook(shop, "customers/update", customerPayload(shop, c));
    return c;
  }

  /**
   * Marketing consent change, with Shopify's rule that the most recent consentUpdatedAt wins: an older change is
   * ignored. Returns which channels changed.
   */
  updateConsent(
    domain: string,
    customerId: string,
    change: { email?: ConsentChange<EmailMarketingState>; sms?: ConsentChange<SmsMarketingState> },
  ): { email: boolean; sms: boolean } {
    const shop = this.shop(domain);
    const c = this.customer(domain, customerId);
    const now = this.now();
    const when = (v: string | number | null | undefined): number => {
      if (v === undefined || v === null) return Math.floor(now / 1000) * 1000;
      const ms = typeof v === "number" ? v : Date.parse(v);
      if (Number.isNaN(ms)) throw new InvalidInputError(`invalid consentUpdatedAt ${String(v)}`);
      // Shopify keeps consent times in whole seconds (its webhooks and the API report no fraction).
      return Math.floor(ms / 1000) * 1000;
    };
    const changed = { email: false, sms: false };
    if (change.email) {
      if (!c.email) throw new InvalidInputError("An email address is required to set the email marketing consent state.");
      const at = when(change.email.consentUpdatedAt);
      const cur = c.emailConsent!;
      if (cur.updatedAt === null || at >= cur.updatedAt) {
        c.emailConsent = {
          state: change.email.state,
          optInLevel: change.email.optInLevel === undefined ? cur.optInLevel ?? "SINGLE_OPT_IN" : change.email.optInLevel,
          updatedAt: at,
          sourceLocationId: change.email.sourceLocationId ?? null,
        };
        changed.email = true;
      }
    }
    if (change.sms) {
      if (!c.phone) throw new InvalidInputError("A phone number is required to set the SMS consent state.");
      const at = when(change.sms.consentUpdatedAt);
      const cur = c.smsConsent!;
      if (cur.updatedAt === null || at >= cur.updatedAt) {
        c.smsConsent = {
          state: change.sms.state,
          optInLevel: change.sms.optInLevel ?? cur.optInLevel ?? "SINGLE_OPT_IN",
          updatedAt: at,
          collectedFrom: change.sms.collectedFrom ?? "OTHER",
          sourceLocationId: change.sms.sourceLocationId ?? null,
        };
        changed.sms = true;
      }
    }
    if (changed.email || changed.sms) {
      c.updatedAt = now;
      if (changed.email) this.emitWebhook(shop, "customers/email_marketing_consent/update", emailConsentTopicPayload(shop, c));
      if (changed.sms) this.emitWebhook(shop, "customers/marketing_consent/update", smsConsentTopicPayload(shop, c));
      this.emitWebhook(shop, "customers/update", customerPayload(shop, c));
    }
    return changed;
  }

  // ---------------------------------------------------------------- orders

  order(domain: string, id: string): OrderRecord {
    const o = this.shop(domain).orders.get(id);
    if (!o) throw new NotFoundError(`order ${id} not found`);
    return o;
  }

  orderWebhookBody(shop: ShopState, o: OrderRecord): JsonValue {
    return orderPayload(shop, o, o.customerId ? (shop.customers.get(o.customerId) ?? null) : null);
  }

  buildLineItems(shop: ShopState, lines: { variantId: string; quantity: number }[]): LineItemRecord[] {
    if (!lines.length) throw new InvalidInputError("an order needs at least one line item");
    return lines.map(({ variantId, quantity }) => {
      const v = shop.variants.get(variantId);
      if (!v) throw new NotFoundError(`variant ${variantId} not found`);
      if (!Number.isInteger(quantity) || quantity < 1) throw new InvalidInputError("quantity must be a positive integer");
      const p = shop.products.get(v.productId)!;
      return {
        id: this.nextId(shop, "LineItem"),
        variantId: v.id,
        productId: p.id,
        title: p.title,
        variantTitle: v.title === "Default Title" ? null : v.title,
        sku: v.sku,
        vendor: p.vendor,
        quantity,
        priceCents: v.priceCents,
        discountCents: 0,
        taxCents: 0,
        taxable: v.taxable,
        requiresShipping: true,
        grams: v.grams,
      };
    });
  }

  /** Spreads an order-level discount over lines and computes included VAT per line. */
  priceLines(order: OrderRecord): void {
    const gross = order.lineItems.reduce((s, l) => s + l.priceCents * l.quantity, 0);
    const discount = Math.min(gross, order.discountCodes.reduce((s, d) => s + d.amountCents, 0));
    let left = discount;
    order.lineItems.forEach((l, i) => {
      const lineGross = l.priceCents * l.quantity;
      const share = i === order.lineItems.length - 1 ? left : Math.round((discount * lineGross) / Math.max(1, gross));
      l.discountCents = Math.min(share, lineGross);
      left -= l.discountCents;
      const net = lineGross - l.discountCents;
      l.taxCents = l.taxable ? Math.round(order.taxesIncluded ? (net * order.taxRate) / (1 + order.taxRate) : net * order.taxRate) : 0;
    });
  }

  /** Stores a fully built order (the seed uses this without notifications). */
  addOrder(domain: string, order: OrderRecord, notify = true): OrderRecord {
    const shop = this.shop(domain);
    shop.orders.set(order.id, order);
    if (!notify) return order;
    const body = this.orderWebhookBody(shop, order);
    this.emitWebhook(shop, "orders/create", body);
    if (order.financialStatus === "paid") this.emitWebhook(shop, "orders/paid", body);
    for (const l of order.lineItems) {
      const v = l.variantId ? shop.variants.get(l.variantId) : undefined;
      if (v?.tracked) this.setInventory(domain, v.inventoryItemId, { delta: -l.quantity });
    }
    return order;
  }

  placeOrder(domain: string, input: PlaceOrderInput = {}): OrderRecord {
    const shop = this.shop(domain);
    const now = this.now();
    const customer = input.customerId ? this.customer(domain, input.customerId) : null;
    const lines =
      input.lines ??
      [...shop.variants.values()]
        .filter((v) => shop.products.get(v.productId)?.status === "ACTIVE")
        .slice(0, 1)
        .map((v) => ({ variantId: v.id, quantity: 1 }));
    const number = shop.nextOrderNumber++;
    const presentment = input.presentmentCurrency ?? shop.currency;
    const order: OrderRecord = {
      __typename: "Order",
      id: this.nextId(shop, "Order"),
      number,
      name: `#${number}`,
      email: input.email ?? customer?.email ?? null,
      phone: customer?.phone ?? null,
      customerId: customer?.id ?? null,
      currency: shop.currency,
      presentmentCurrency: presentment,
      presentmentRate: presentment === shop.currency ? 1 : presentment === "USD" ? 1.08 : 0.93,
      createdAt: now,
      processedAt: input.processedAt ?? now,
      updatedAt: now,
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      lineItems: this.buildLineItems(shop, lines),
      discountCodes: input.discountCode ? [{ ...input.discountCode, type: "fixed_amount" }] : [],
      shippingCents: 495,
      shippingTitle: "Standard",
      taxesIncluded: true,
      taxRate: 0.19,
      sourceName: input.sourceName ?? "web",
      tags: input.tags ?? [],
      note: input.note ?? null,
      noteAttributes: [],
      test: input.test ?? false,
      financialStatus: input.financialStatus ?? "paid",
      fulfillmentStatus: null,
      refunds: [],
      transactions: [],
      buyerAcceptsMarketing: input.buyerAcceptsMarketing ?? customer?.emailConsent?.state === "SUBSCRIBED",
      shippingAddress: customer?.addresses[0] ?? null,
      billingAddress: customer?.addresses[0] ?? null,
      customerLocale: customer?.locale ?? "en",
      browserIp: "203.0.113.7",
      token: randomBytes(16).toString("hex"),
      checkoutToken: randomBytes(16).toString("hex"),
      gateway: "shopify_payments",
    };
    this.priceLines(order);
    if (order.financialStatus === "paid") {
      order.transactions.push({
        id: this.nextId(shop, "OrderTransaction"),
        kind: "sale",
        status: "success",
        amountCents: orderTotals(order).totalCents,
        gateway: order.gateway,
        createdAt: order.processedAt,
        parentId: null,
      });
    }
    if (customer) customer.updatedAt = now;
    return this.addOrder(domain, order);
  }

  updateOrder(domain: string, id: string, patch: UpdateOrderInput): OrderRecord {
    const shop = this.shop(domain);
    const o = this.order(domain, id);
    const now = this.now();
    if (patch.tags) o.tags = patch.tags;
    if (patch.note !== undefined) o.note = patch.note;
    if (patch.email !== undefined) o.email = patch.email;
    if (patch.noteAttributes) o.noteAttributes = patch.noteAttributes;
    let edited: LineItemRecord[] = [];
    if (patch.addLines?.length) {
      // An order edit, e.g. a post-purchase upsell: new lines, new totals, an extra sale transaction.
      edited = this.buildLineItems(shop, patch.addLines);
      const before = orderTotals(o).totalCents;
      o.lineItems.push(...edited);
      this.priceLines(o);
      const delta = orderTotals(o).totalCents - before;
      if (o.financialStatus === "paid" && delta > 0) {
        o.transactions.push({
          id: this.nextId(shop, "OrderTransaction"),
          kind: "sale",
          status: "success",
          amountCents: delta,
          gateway: o.gateway,
          createdAt: now,
          parentId: null,
        });
      }
    }
    const cancelled = !!patch.cancel && o.cancelledAt === null;
    if (cancelled) {
      o.cancelledAt = now;
      o.closedAt = now;
      o.cancelReason = typeof patch.cancel === "object" && patch.cancel.reason ? patch.cancel.reason : "customer";
    }
    const fulfilled = !!patch.fulfill && o.fulfillmentStatus !== "fulfilled";
    if (fulfilled) o.fulfillmentStatus = "fulfilled";
    o.updatedAt = now;
    if (edited.length) {
      this.emitWebhook(shop, "orders/edited", {
        order_edit: {
          id: raw(this.nextId(shop, "LineItem")),
          app_id: null,
          created_at: new Date(now).toISOString(),
          notify_customer: false,
          order_id: raw(o.id),
          staff_note: "",
          user_id: null,
          line_items: {
            additions: edited.map((l) => ({ id: raw(l.id), delta: l.quantity })),
            removals: [],
          },
          discounts: { additions: [], removals: [] },
          shipping_lines: { additions: [], removals: [] },
        },
      });
    }
    for (const l of edited) {
      const v = l.variantId ? shop.variants.get(l.variantId) : undefined;
      if (v?.tracked) this.setInventory(domain, v.inventoryItemId, { delta: -l.quantity });
    }
    const body = this.orderWebhookBody(shop, o);
    if (cancelled) this.emitWebhook(shop, "orders/cancelled", body);
    if (fulfilled) this.emitWebhook(shop, "orders/fulfilled", body);
    this.emitWebhook(shop, "orders/updated", body);
    return o;
  }

  /** Refunds the given lines (default: everything not yet refunded, plus shipping). */
  refundOrder(domain: string, id: string, input: RefundInput = {}): RefundRecord {
    const shop = this.shop(domain);
    const o = this.order(domain, id);
    const now = this.now();
    const tot = orderTotals(o);
    const wanted =
      input.lines ??
      o.lineItems
        .map((l) => ({ lineItemId: l.id, quantity: l.quantity - (tot.refundedQty.get(l.id) ?? 0) }))
        .filter((x) => x.quantity > 0);
    const refundShipping = input.shipping ?? input.lines === undefined;
    const refund: RefundRecord = {
      id: this.nextId(shop, "Refund"),
      orderId: o.id,
      createdAt: now,
      note: input.note ?? null,
      restock: !!input.restock,
      lines: [],
      shippingCents: refundShipping ? Math.max(0, o.shippingCents - tot.refundedShippingCents) : 0,
      transactions: [],
    };
    for (const w of wanted) {
      const li = o.lineItems.find((l) => l.id === w.lineItemId);
      if (!li) throw new NotFoundError(`line item ${w.lineItemId} not found on order ${o.id}`);
      const left = li.quantity - (tot.refundedQty.get(li.id) ?? 0);
      if (w.quantity < 1 || w.quantity > left) {
        throw new InvalidInputError(`cannot refund ${w.quantity} of line item ${li.id}: ${left} refundable`);
      }
      const unitNet = (li.priceCents * li.quantity - li.discountCents) / li.quantity;
      refund.lines.push({
        id: this.nextId(shop, "RefundLineItem"),
        lineItemId: li.id,
        quantity: w.quantity,
        restockType: input.restock ? "RETURN" : "NO_RESTOCK",
        subtotalCents: Math.round(unitNet * w.quantity),
        taxCents: Math.round((li.taxCents * w.quantity) / li.quantity),
      });
    }
    const amount = refund.lines.reduce((s, l) => s + l.subtotalCents, 0) + refund.shippingCents;
    if (amount <= 0) throw new InvalidInputError("nothing to refund");
    const sale = o.transactions.find((x) => x.kind === "sale");
    refund.transactions.push({
      id: this.nextId(shop, "OrderTransaction"),
      kind: "refund",
      status: "success",
      amountCents: amount,
      gateway: o.gateway,
      createdAt: now,
      parentId: sale?.id ?? null,
    });
    o.refunds.push(refund);
    const after = orderTotals(o);
    o.financialStatus = after.currentTotalCents <= 0 ? "refunded" : "partially_refunded";
    o.updatedAt = now;
    this.emitWebhook(shop, "refunds/create", refundPayload(shop, o, refund));
    this.emitWebhook(shop, "orders/updated", this.orderWebhookBody(shop, o));
    if (input.restock) {
      for (const rl of refund.lines) {
        const li = o.lineItems.find((l) => l.id === rl.lineItemId)!;
        const v = li.variantId ? shop.variants.get(li.variantId) : undefined;
        if (v?.tracked) this.setInventory(domain, v.inventoryItemId, { delta: rl.quantity });
      }
    }
    return refund;
  }

  // ---------------------------------------------------------------- compliance

  customersDataRequest(domain: string, customerId: string, orderIds?: string[]): void {
    const shop = this.shop(domain);
    const c = this.customer(domain, customerId);
    const orders = orderIds ?? [...shop.orders.values()].filter((o) => o.customerId === c.id).map((o) => o.id);
    this.emitWebhook(shop, "customers/data_request", {
      shop_id: raw(shop.id),
      shop_domain: shop.domain,
      orders_requested: orders.map((id) => raw(id)),
      customer: { id: raw(c.id), email: c.email, phone: c.phone },
      data_request: { id: raw(this.nextId(shop, "DataRequest")) },
    });
  }

  customersRedact(domain: string, customerId: string, orderIds?: string[]): void {
    const shop = this.shop(domain);
    const c = this.customer(domain, customerId);
    const orders = orderIds ?? [...shop.orders.values()].filter((o) => o.customerId === c.id).map((o) => o.id);
    this.emitWebhook(shop, "customers/redact", {
      shop_id: raw(shop.id),
      shop_domain: shop.domain,
      customer: { id: raw(c.id), email: c.email, phone: c.phone },
      orders_to_redact: orders.map((id) => raw(id)),
    });
  }

  shopRedact(domain: string): void {
    const shop = this.shop(domain);
    this.emitWebhook(shop, "shop/redact", { shop_id: raw(shop.id), shop_domain: shop.domain });
  }

  // ---------------------------------------------------------------- webhook subscriptions

  subscriptionGid(s: WebhookSubscriptionRecord): string {
    return gid("WebhookSubscription", s.id);
  }
}

const oddAbove = (v: bigint): bigint => (v % 2n === 0n ? v + 1n : v);

export function normalizePhone(p: string): string {
  return p.replace(/[^\d+]/g, "");
}
