import type { IncomingMessage, ServerResponse } from "node:http";
import { signIdToken } from "./jwt";
import { parseFault, type AdminApiFaults } from "./graphql/faults";
import { pixelSummary } from "./graphql/resolvers/pixels";
import { gid, gqlTime, money, parseGid } from "./store/format";
import { orderTotals } from "./store/payloads";
import { seedShop, type SeedOptions, type ShopSeedOptions } from "./store/seed";
import { InvalidInputError, NotFoundError, type SimStore } from "./store/store";
import type { CustomerRecord, OrderRecord, PlanKey, ProductRecord, ShopState, WebhookSubscriptionRecord } from "./store/types";
import { parseBrowserOverride, type StorefrontPixel } from "./storefront";
import type { LeakyBuckets } from "./throttle";
import type { Delivery, WebhookDispatcher, WebhookSwitches } from "./webhooks";

/**
 * The control API under /_simulator/*: JSON endpoints that drive the store for demos, benchmarks and Playwright
 * when the simulator runs as a separate process. Every endpoint is listed in tests/simulator/README.md.
 * Ids may be given as digit strings or gids; send them as strings (JSON numbers above 2^53 lose digits).
 */

export interface ControlDeps {
  store: SimStore;
  webhooks: WebhookDispatcher;
  buckets: LeakyBuckets;
  apiKey: string;
  apiSecret: string;
  reset(seed?: SeedOptions | false): void;
  faults: AdminApiFaults;
  bulkFile(token: string): Buffer | undefined;
  schemaLoadMs: number;
  storefront: StorefrontPixel;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

const idOf = (v: unknown, what: string): string => {
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new HttpError(400, `${what}: send ids above 2^53 as strings`);
    return String(v);
  }
  if (typeof v !== "string" || !v) throw new HttpError(400, `${what} is required`);
  const g = parseGid(v);
  if (g) return g.id;
  if (!/^\d+$/.test(v)) throw new HttpError(400, `${what} must be a numeric id or a gid`);
  return v;
};

const cents = (v: unknown, what: string): number => {
  const n = typeof v === "number" ? v : Number(String(v));
  if (!Number.isFinite(n) || n < 0) throw new HttpError(400, `${what} must be a decimal amount such as "12.50"`);
  return Math.round(n * 100);
};

// ------------------------------------------------------------------ summaries (JSON-safe; ids as strings)

export function orderSummary(shop: ShopState, o: OrderRecord) {
  const t = orderTotals(o);
  return {
    id: o.id,
    gid: gid("Order", o.id),
    name: o.name,
    orderNumber: o.number,
    email: o.email,
    customerId: o.customerId,
    financialStatus: o.financialStatus,
    fulfillmentStatus: o.fulfillmentStatus,
    currency: o.currency,
    presentmentCurrency: o.presentmentCurrency,
    totalPrice: money(t.totalCents),
    currentTotalPrice: money(t.currentTotalCents),
    totalRefunded: money(t.refundedCents),
    sourceName: o.sourceName,
    tags: o.tags,
    test: o.test,
    cancelledAt: o.cancelledAt === null ? null : gqlTime(o.cancelledAt),
    createdAt: gqlTime(o.createdAt),
    updatedAt: gqlTime(o.updatedAt),
    lineItems: o.lineItems.map((l) => ({ id: l.id, variantId: l.variantId, productId: l.productId, sku: l.sku, title: l.title, quantity: l.quantity, price: money(l.priceCents) })),
    refunds: o.refunds.map((r) => ({ id: r.id, createdAt: gqlTime(r.createdAt), amount: money(r.transactions.reduce((s, x) => s + x.amountCents, 0)) })),
    shop: shop.domain,
  };
}

export function customerSummary(c: CustomerRecord) {
  const consent = (x: { state: string; optInLevel: string | null; updatedAt: number | null } | null) =>
    x ? { state: x.state, optInLevel: x.optInLevel, consentUpdatedAt: x.updatedAt === null ? null : new Date(x.updatedAt).toISOString() } : null;
  return {
    id: c.id,
    gid: gid("Customer", c.id),
    firstName: c.firstName,
    lastName: c.lastName,
    email: c.email,
    phone: c.phone,
    tags: c.tags,
    emailConsent: consent(c.emailConsent),
    smsConsent: c.smsConsent ? { ...consent(c.smsConsent), collectedFrom: c.smsConsent.collectedFrom } : null,
    createdAt: gqlTime(c.createdAt),
    updatedAt: gqlTime(c.updatedAt),
  };
}

export function productSummary(store: SimStore, shop: ShopState, p: ProductRecord) {
  return {
    id: p.id,
    gid: gid("Product", p.id),
    title: p.title,
    handle: p.handle,
    status: p.status,
    published: p.publishedAt !== null,
    vendor: p.vendor,
    productType: p.productType,
    tags: p.tags,
    updatedAt: gqlTime(p.updatedAt),
    variants: store.variantsOf(shop, p).map((v) => ({
      id: v.id,
      gid: gid("ProductVariant", v.id),
      title: v.title,
      sku: v.sku,
      price: money(v.priceCents),
      compareAtPrice: v.compareAtPriceCents === null ? null : money(v.compareAtPriceCents),
      inventoryItemId: v.inventoryItemId,
      tracked: v.tracked,
      available: store.available(shop, v.inventoryItemId),
    })),
  };
}

export function subscriptionSummary(s: WebhookSubscriptionRecord) {
  return {
    id: s.id,
    gid: gid("WebhookSubscription", s.id),
    topic: s.topic,
    uri: s.uri,
    filter: s.filter,
    includeFields: s.includeFields,
    format: s.format,
    apiVersion: s.apiVersion,
    createdAt: gqlTime(s.createdAt),
  };
}

export function deliverySummary(d: Delivery, withBody: boolean) {
  return {
    webhookId: d.webhookId,
    eventId: d.eventId,
    topic: d.topic,
    shop: d.shop,
    url: d.url,
    subscription: d.subscription,
    state: d.state,
    triggeredAt: d.triggeredAt,
    attempts: d.attempts,
    note: d.note,
    ...(withBody ? { body: d.body, headers: d.headers } : {}),
  };
}

function shopState(deps: ControlDeps, shop: ShopState) {
  return {
    domain: shop.domain,
    id: shop.id,
    gid: gid("Shop", shop.id),
    name: shop.name,
    email: shop.email,
    currency: shop.currency,
    plan: shop.plan,
    throttle: deps.buckets.status(shop),
    adminApi: { ...deps.faults.stats(shop.domain), pendingFaults: deps.faults.pending(shop.domain) },
    installed: shop.installation.installed,
    scopes: shop.installation.scopes,
    requiredScopes: deps.store.config.requiredScopes,
    optionalScopes: deps.store.config.optionalScopes,
    subscriptions: [...shop.subscriptions.values()].map(subscriptionSummary),
    appSubscriptions: deps.store.config.subscriptions,
    webPixel: pixelSummary(shop.webPixel),
    counts: {
      products: shop.products.size,
      variants: shop.variants.size,
      collections: shop.collections.size,
      customers: shop.customers.size,
      orders: shop.orders.size,
      bulkOperations: shop.bulkOperations.size,
    },
    locations: shop.locations.map((l) => ({ id: l.id, gid: gid("Location", l.id), name: l.name })),
  };
}

// ------------------------------------------------------------------ routing

export async function handleControl(deps: ControlDeps, req: IncomingMessage, res: ServerResponse, url: URL, body: () => Promise<string>): Promise<void> {
  const send = (status: number, data: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
    res.end(JSON.stringify(data));
  };
  try {
    const json = async (): Promise<Json> => {
      const text = await body();
      if (!text.trim()) return {};
      try {
        const v = JSON.parse(text) as unknown;
        if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
        return v as Json;
      } catch {
        throw new HttpError(400, "body must be a JSON object");
      }
    };
    const result = await route(deps, req.method ?? "GET", url, json);
    send(result.status ?? 200, result.data);
  } catch (e) {
    if (e instanceof HttpError) send(e.status, { error: e.message });
    else if (e instanceof NotFoundError) send(404, { error: e.message });
    else if (e instanceof InvalidInputError) send(400, { error: e.message });
    else send(500, { error: (e as Error).message });
  }
}

async function route(deps: ControlDeps, method: string, url: URL, json: () => Promise<Json>): Promise<{ status?: number; data: unknown }> {
  const { store, webhooks } = deps;
  const parts = url.pathname.replace(/^\/_simulator\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const q = url.searchParams;
  const is = (m: string, ...pattern: string[]) =>
    method === m && parts.length === pattern.length && pattern.every((p, i) => p.startsWith(":") || p === parts[i]);

  if (is("GET") || is("GET", "health")) {
    return { data: { ok: true, schemaLoadMs: Math.round(deps.schemaLoadMs), shops: [...store.shops.keys()] } };
  }
  if (is("POST", "reset")) {
    const b = await json();
    deps.reset(b.seed === false ? false : (b as SeedOptions));
    return { data: { ok: true, shops: [...store.shops.keys()] } };
  }
  if (is("GET", "shops")) return { data: [...store.shops.values()].map((s) => shopState(deps, s)) };
  if (is("POST", "shops")) {
    const b = (await json()) as ShopSeedOptions;
    if (!b.domain) throw new HttpError(400, "domain is required");
    const shop = seedShop(store, { products: 5, customers: 5, orders: 3, ...b });
    return { status: 201, data: shopState(deps, shop) };
  }

  // Webhooks
  if (is("GET", "webhooks", "switches")) return { data: webhooks.switches };
  if (is("POST", "webhooks", "switches")) {
    const b = await json();
    if (b.reset === true) webhooks.resetSwitches();
    const { reset: _reset, ...rest } = b;
    try {
      return { data: webhooks.set(rest as Partial<WebhookSwitches>) };
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
  }
  if (is("GET", "webhooks", "deliveries")) {
    const limit = Number(q.get("limit") ?? 200);
    const list = webhooks.deliveries({
      topic: q.get("topic") ?? undefined,
      shop: q.get("shop") ?? undefined,
      webhookId: q.get("webhookId") ?? undefined,
      state: (q.get("state") as Delivery["state"] | null) ?? undefined,
    });
    return { data: { totals: webhooks.totals, deliveries: list.slice(-limit).map((d) => deliverySummary(d, q.get("body") === "1")) } };
  }
  if (is("DELETE", "webhooks", "deliveries")) {
    webhooks.clearLog();
    return { data: { ok: true } };
  }
  if (is("POST", "webhooks", "flush")) {
    webhooks.flushHeld();
    return { data: { ok: true } };
  }
  if (is("GET", "webhooks", "idle")) {
    await webhooks.idle(Number(q.get("timeoutMs") ?? 10_000)).catch((e: Error) => {
      throw new HttpError(504, e.message);
    });
    return { data: { ok: true, totals: webhooks.totals } };
  }
  if (is("POST", "webhooks", "send")) {
    const b = await json();
    const shop = store.shop(String(b.shop ?? ""));
    if (typeof b.topic !== "string" || !b.topic) throw new HttpError(400, "topic is required (e.g. orders/create)");
    const text = typeof b.payload === "string" ? b.payload : b.payload !== undefined ? JSON.stringify(b.payload) : null;
    if (text === null) throw new HttpError(400, "payload is required (a JSON text, sent byte for byte)");
    const sent = webhooks.sendRaw({
      shop: shop.domain,
      topic: b.topic,
      body: text,
      url: typeof b.url === "string" ? b.url : undefined,
      webhookId: typeof b.webhookId === "string" ? b.webhookId : undefined,
    });
    if (!sent.length) throw new HttpError(409, `no subscription on ${shop.domain} for ${b.topic}; pass "url" to send anyway`);
    if (b.wait === true) await Promise.all(sent.map((d) => webhooks.waitFor((x) => x === d, Number(b.timeoutMs ?? 30_000))));
    return { data: { deliveries: sent.map((d) => deliverySummary(d, false)) } };
  }

  // The storefront's web pixel (storefront.ts)
  if (is("GET", "storefront", "switches")) return { data: deps.storefront.switches };
  if (is("POST", "storefront", "switches")) {
    const b = await json();
    if (b.reset === true) deps.storefront.reset();
    return { data: deps.storefront.set({ enabled: typeof b.enabled === "boolean" ? b.enabled : undefined, delayMs: b.delayMs === undefined ? undefined : Number(b.delayMs) }) };
  }
  if (is("GET", "storefront", "reports")) {
    await deps.storefront.idle();
    return { data: deps.storefront.posts.filter((p) => !q.get("shop") || p.shop === q.get("shop")) };
  }

  // Per shop
  if (parts[0] !== "shops" || parts.length < 2) throw new HttpError(404, `unknown control endpoint ${method} ${url.pathname}`);
  const shop = store.shop(parts[1]);
  const domain = shop.domain;
  const sub = parts.slice(2);
  const at = (m: string, ...pattern: string[]) =>
    method === m && sub.length === pattern.length && pattern.every((p, i) => p.startsWith(":") || p === sub[i]);

  if (at("GET")) return { data: shopState(deps, shop) };
  if (at("GET", "customers")) {
    const query = (q.get("email") ?? "").toLowerCase();
    const list = [...shop.customers.values()].filter((c) => !query || c.email?.toLowerCase() === query);
    return { data: list.slice(0, Number(q.get("limit") ?? 1000)).map(customerSummary) };
  }
  if (at("GET", "customers", ":id")) return { data: customerSummary(store.customer(domain, idOf(sub[1], "customer id"))) };
  if (at("GET", "orders")) return { data: [...shop.orders.values()].slice(-Number(q.get("limit") ?? 1000)).map((o) => orderSummary(shop, o)) };
  if (at("GET", "orders", ":id")) return { data: orderSummary(shop, store.order(domain, idOf(sub[1], "order id"))) };
  if (at("GET", "products")) return { data: [...shop.products.values()].slice(0, Number(q.get("limit") ?? 1000)).map((p) => productSummary(store, shop, p)) };
  if (at("GET", "products", ":id")) return { data: productSummary(store, shop, store.product(domain, idOf(sub[1], "product id"))) };
  if (at("GET", "subscriptions")) return { data: [...shop.subscriptions.values()].map(subscriptionSummary) };

  if (at("POST", "orders")) {
    const b = await json();
    const lines = Array.isArray(b.lines)
      ? (b.lines as Json[]).map((l) => ({ variantId: idOf(l.variantId, "lines[].variantId"), quantity: Number(l.quantity ?? 1) }))
      : undefined;
    // `browser`: how the storefront's web pixel reports this checkout (storefront.ts); omitted = as placed.
    const o = deps.storefront.withOverride(parseBrowserOverride(b.browser), () => store.placeOrder(domain, {
      customerId: b.customerId ? idOf(b.customerId, "customerId") : null,
      email: typeof b.email === "string" ? b.email : undefined,
      lines,
      discountCode: b.discountCode && typeof b.discountCode === "object" ? { code: String((b.discountCode as Json).code), amountCents: cents((b.discountCode as Json).amount, "discountCode.amount") } : null,
      sourceName: typeof b.sourceName === "string" ? b.sourceName : undefined,
      presentmentCurrency: typeof b.presentmentCurrency === "string" ? b.presentmentCurrency : undefined,
      test: typeof b.test === "boolean" ? b.test : undefined,
      tags: Array.isArray(b.tags) ? b.tags.map(String) : undefined,
      note: typeof b.note === "string" ? b.note : undefined,
      financialStatus: b.financialStatus === "pending" || b.financialStatus === "authorized" ? b.financialStatus : undefined,
      processedAt: typeof b.processedAt === "string" ? Date.parse(b.processedAt) : undefined,
    }));
    return { status: 201, data: orderSummary(shop, o) };
  }
  if (at("POST", "orders", ":id", "update") || at("PATCH", "orders", ":id")) {
    const b = await json();
    const o = store.updateOrder(domain, idOf(sub[1], "order id"), {
      tags: Array.isArray(b.tags) ? b.tags.map(String) : undefined,
      note: b.note === null || typeof b.note === "string" ? b.note : undefined,
      email: b.email === null || typeof b.email === "string" ? b.email : undefined,
      noteAttributes: Array.isArray(b.noteAttributes) ? (b.noteAttributes as Json[]).map((a) => ({ name: String(a.name), value: String(a.value) })) : undefined,
      addLines: Array.isArray(b.addLines) ? (b.addLines as Json[]).map((l) => ({ variantId: idOf(l.variantId, "addLines[].variantId"), quantity: Number(l.quantity ?? 1) })) : undefined,
      cancel: b.cancel === true || (typeof b.cancel === "object" && b.cancel !== null) ? (b.cancel as { reason?: string } | true) : undefined,
      fulfill: b.fulfill === true,
    });
    return { data: orderSummary(shop, o) };
  }
  if (at("POST", "orders", ":id", "refund")) {
    const b = await json();
    const r = store.refundOrder(domain, idOf(sub[1], "order id"), {
      lines: Array.isArray(b.lines) ? (b.lines as Json[]).map((l) => ({ lineItemId: idOf(l.lineItemId, "lines[].lineItemId"), quantity: Number(l.quantity ?? 1) })) : undefined,
      shipping: typeof b.shipping === "boolean" ? b.shipping : undefined,
      note: typeof b.note === "string" ? b.note : undefined,
      restock: b.restock === true,
    });
    return { status: 201, data: { refundId: r.id, gid: gid("Refund", r.id), order: orderSummary(shop, store.order(domain, r.orderId)) } };
  }
  if (at("POST", "customers", ":id", "consent")) {
    const b = await json();
    const read = (x: unknown) => {
      if (!x || typeof x !== "object") return undefined;
      const c = x as Json;
      return {
        state: String(c.state ?? c.marketingState) as never,
        optInLevel: (c.optInLevel ?? c.marketingOptInLevel ?? undefined) as never,
        consentUpdatedAt: (c.consentUpdatedAt ?? undefined) as string | undefined,
        collectedFrom: (c.collectedFrom ?? undefined) as never,
      };
    };
    const id = idOf(sub[1], "customer id");
    const changed = store.updateConsent(domain, id, { email: read(b.email), sms: read(b.sms) });
    return { data: { changed, customer: customerSummary(store.customer(domain, id)) } };
  }
  if (at("POST", "variants", ":id", "price")) {
    const b = await json();
    const v = store.updateVariantPrice(
      domain,
      idOf(sub[1], "variant id"),
      cents(b.price, "price"),
      b.compareAtPrice === undefined ? undefined : b.compareAtPrice === null ? null : cents(b.compareAtPrice, "compareAtPrice"),
    );
    return { data: productSummary(store, shop, store.product(domain, v.productId)) };
  }
  if (at("POST", "products")) {
    const b = await json();
    const p = store.createProduct(domain, {
      title: String(b.title ?? ""),
      priceCents: cents(b.price ?? "0", "price"),
      sku: typeof b.sku === "string" ? b.sku : null,
      vendor: typeof b.vendor === "string" ? b.vendor : undefined,
      productType: typeof b.productType === "string" ? b.productType : undefined,
      status: typeof b.status === "string" ? (b.status.toUpperCase() as ProductRecord["status"]) : undefined,
      tags: Array.isArray(b.tags) ? b.tags.map(String) : undefined,
      available: typeof b.available === "number" ? b.available : undefined,
    });
    return { status: 201, data: productSummary(store, shop, p) };
  }
  if (at("POST", "products", ":id") || at("PATCH", "products", ":id")) {
    const b = await json();
    const p = store.updateProduct(domain, idOf(sub[1], "product id"), {
      ...(typeof b.title === "string" && { title: b.title }),
      ...(typeof b.status === "string" && { status: b.status.toUpperCase() as ProductRecord["status"] }),
      ...(Array.isArray(b.tags) && { tags: b.tags.map(String) }),
      ...(typeof b.vendor === "string" && { vendor: b.vendor }),
      ...(typeof b.descriptionHtml === "string" && { descriptionHtml: b.descriptionHtml }),
      ...(typeof b.published === "boolean" && { published: b.published }),
    });
    return { data: productSummary(store, shop, p) };
  }
  if (at("POST", "products", ":id", "delete") || at("DELETE", "products", ":id")) {
    store.deleteProduct(domain, idOf(sub[1], "product id"));
    return { data: { ok: true } };
  }
  if (at("POST", "inventory")) {
    const b = await json();
    const available = store.setInventory(domain, idOf(b.inventoryItemId, "inventoryItemId"), {
      available: typeof b.available === "number" ? b.available : undefined,
      delta: typeof b.delta === "number" ? b.delta : undefined,
      locationId: b.locationId ? idOf(b.locationId, "locationId") : undefined,
    });
    return { data: { available } };
  }
  if (at("POST", "collections", ":id") || at("PATCH", "collections", ":id")) {
    const b = await json();
    const c = store.updateCollection(domain, idOf(sub[1], "collection id"), {
      title: typeof b.title === "string" ? b.title : undefined,
      descriptionHtml: typeof b.descriptionHtml === "string" ? b.descriptionHtml : undefined,
      addProductIds: Array.isArray(b.addProductIds) ? b.addProductIds.map((x) => idOf(x, "addProductIds[]")) : undefined,
      removeProductIds: Array.isArray(b.removeProductIds) ? b.removeProductIds.map((x) => idOf(x, "removeProductIds[]")) : undefined,
    });
    return { data: { id: c.id, gid: gid("Collection", c.id), title: c.title, productIds: c.productIds } };
  }
  if (at("POST", "install")) {
    store.install(domain);
    return { data: shopState(deps, shop) };
  }
  if (at("POST", "uninstall")) {
    store.uninstall(domain);
    return { data: shopState(deps, shop) };
  }
  if (at("POST", "scopes")) {
    const b = await json();
    if (Array.isArray(b.set)) store.setScopes(domain, b.set.map(String));
    if (Array.isArray(b.grant)) await store.grantScopes(domain, b.grant.map(String));
    if (Array.isArray(b.revoke)) {
      const revoke = b.revoke.map(String);
      store.setScopes(domain, shop.installation.scopes.filter((s) => !revoke.includes(s)));
    }
    return { data: { scopes: shop.installation.scopes } };
  }
  if (at("POST", "compliance")) {
    const b = await json();
    const orderIds = Array.isArray(b.orderIds) ? b.orderIds.map((x) => idOf(x, "orderIds[]")) : undefined;
    switch (b.topic) {
      case "customers/data_request":
        store.customersDataRequest(domain, idOf(b.customerId, "customerId"), orderIds);
        break;
      case "customers/redact":
        store.customersRedact(domain, idOf(b.customerId, "customerId"), orderIds);
        break;
      case "shop/redact":
        store.shopRedact(domain);
        break;
      default:
        throw new HttpError(400, "topic must be customers/data_request, customers/redact or shop/redact");
    }
    return { data: { ok: true } };
  }
  if (at("POST", "plan")) {
    const b = await json();
    store.setPlan(domain, (b.plan ?? shop.plan) as PlanKey, {
      restoreRate: b.restoreRate === undefined ? undefined : (b.restoreRate as number | null),
      bucketSize: b.bucketSize === undefined ? undefined : (b.bucketSize as number | null),
    });
    if (typeof b.available === "number") deps.buckets.set(shop, b.available);
    return { data: { plan: shop.plan, throttle: deps.buckets.status(shop) } };
  }
  if (at("POST", "faults")) {
    const b = await json();
    let fault;
    try {
      fault = parseFault(b);
      deps.faults.inject(domain, fault, b.count === undefined ? 1 : Number(b.count));
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
    return { status: 201, data: { pending: deps.faults.pending(domain) } };
  }
  if (at("DELETE", "faults")) {
    deps.faults.clear(domain);
    return { data: { pending: [] } };
  }
  if (at("POST", "tokens")) {
    const b = await json();
    if (!shop.installation.installed) throw new HttpError(409, "the app is not installed on this shop");
    const { token } = store.issueToken(domain, b.kind === "online" ? "online" : "offline");
    return { status: 201, data: { access_token: token.token, scope: shop.installation.scopes.join(",") } };
  }
  if (at("POST", "id-token")) {
    store.install(domain);
    return { data: { idToken: signIdToken({ shop: domain, apiKey: deps.apiKey, apiSecret: deps.apiSecret, now: store.now() }) } };
  }
  throw new HttpError(404, `unknown control endpoint ${method} ${url.pathname}`);
}
