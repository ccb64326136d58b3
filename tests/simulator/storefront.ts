import { randomUUID } from "node:crypto";

import { buildPurchaseReport, type CheckoutCompletedEvent } from "../../extensions/purchase-pixel/src/payload";
import { RawNumber } from "./json";
import { InvalidInputError, type SimStore, type StoreWebhookEvent } from "./store/store";
import type { OrderRecord } from "./store/types";
import { orderTotals } from "./store/payloads";

/**
 * The storefront's side of the app's web pixel. On Shopify, the online store's checkout loads every app pixel of the
 * shop and calls its `checkout_completed` subscription once per checkout (on the thank-you page, or on the first
 * post-purchase offer). The simulator does the same for every order placed with `source_name` "web" on a shop where
 * the app has a web pixel (webPixelCreate): it builds Shopify's checkout_completed event from the order (presentment
 * money as numbers, the order as an OrderIdentity GID), runs the app's own report builder
 * (extensions/purchase-pixel/src/payload.ts) and posts the result to the pixel's `endpoint` setting as a browser in
 * the strict sandbox would: `Origin: null`, `text/plain`, no credentials.
 *
 * Per order, the control API can make the browser differ (`browser: { total, currency, email, extraQuantity }`) or
 * stay silent (`browser: false`: an ad blocker, declined consent, a closed tab).
 */
export interface StorefrontSwitches {
  /** false: no checkout reports at all. */
  enabled: boolean;
  /** Wait before posting (the thank-you page loading). */
  delayMs: number;
}

export type BrowserOverride =
  | false
  | {
      /** Decimal string in the checkout's currency, instead of the order's total. */
      total?: string;
      currency?: string;
      email?: string | null;
      /** Added to the first line's quantity. */
      extraQuantity?: number;
    };

export interface PixelPost {
  shop: string;
  orderId: string;
  eventId: string;
  endpoint: string;
  /** The endpoint's answer, or null when the request failed. */
  status: number | null;
  error?: string;
  at: number;
}

const DEFAULTS: StorefrontSwitches = { enabled: true, delayMs: 0 };
/** The log keeps the latest posts only, so a long demo does not grow it without end. */
const MAX_LOG = 1_000;

export class StorefrontPixel {
  switches: StorefrontSwitches = { ...DEFAULTS };
  readonly posts: PixelPost[] = [];
  readonly #pending = new Set<Promise<void>>();
  #next: BrowserOverride | undefined;

  constructor(private readonly opts: { store: SimStore; quiet?: boolean }) {
    opts.store.on("webhook", this.onEvent);
  }

  /** Runs `place` (which places one order) with `override` applying to that order's checkout. */
  withOverride<T>(override: BrowserOverride | undefined, place: () => T): T {
    this.#next = override;
    try {
      return place();
    } finally {
      this.#next = undefined;
    }
  }

  set(patch: Partial<StorefrontSwitches>): StorefrontSwitches {
    if (patch.enabled !== undefined) this.switches.enabled = !!patch.enabled;
    if (patch.delayMs !== undefined) this.switches.delayMs = Math.max(0, Number(patch.delayMs) || 0);
    return this.switches;
  }

  reset(): void {
    this.switches = { ...DEFAULTS };
    this.posts.length = 0;
  }

  /** Resolves when every report under way has been answered. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  private readonly onEvent = (event: StoreWebhookEvent): void => {
    if (event.topic !== "orders/create") return;
    const override = this.#next;
    this.#next = undefined;
    if (!this.switches.enabled || override === false) return;
    const shop = this.opts.store.findShop(event.shop);
    const rawId = (event.payload as { id?: unknown } | null)?.id;
    const orderId = rawId instanceof RawNumber ? rawId.digits : typeof rawId === "string" || typeof rawId === "number" ? String(rawId) : null;
    const order = shop && orderId ? shop.orders.get(orderId) : undefined;
    if (!shop || !order || order.sourceName !== "web" || !shop.webPixel || !shop.installation.installed) return;
    let endpoint: unknown;
    try {
      endpoint = (JSON.parse(shop.webPixel.settings) as { endpoint?: unknown }).endpoint;
    } catch {
      return;
    }
    if (typeof endpoint !== "string" || !endpoint) return;
    const report = buildPurchaseReport(checkoutCompletedEvent(order, override ?? {}), shop.domain);
    if (!report) return;
    const post = this.post(shop.domain, order.id, report.eventId, endpoint, JSON.stringify(report));
    this.#pending.add(post);
    void post.finally(() => this.#pending.delete(post));
  };

  private async post(shop: string, orderId: string, eventId: string, endpoint: string, body: string): Promise<void> {
    if (this.switches.delayMs > 0) await new Promise((r) => setTimeout(r, this.switches.delayMs));
    const entry: PixelPost = { shop, orderId, eventId, endpoint, status: null, at: Date.now() };
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        body,
        headers: { "Content-Type": "text/plain;charset=UTF-8", Origin: "null" },
        signal: AbortSignal.timeout(10_000),
      });
      entry.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
      if (!this.opts.quiet) console.warn(`[simulator] web pixel report for order ${orderId} failed: ${entry.error}`);
    }
    this.posts.push(entry);
    if (this.posts.length > MAX_LOG) this.posts.splice(0, this.posts.length - MAX_LOG);
  }
}

/** The control API's `browser` option of an order: false, or an object of overrides; anything else is refused. */
export function parseBrowserOverride(value: unknown): BrowserOverride | undefined {
  if (value === undefined || value === null || value === true) return undefined;
  if (value === false) return false;
  if (typeof value !== "object" || Array.isArray(value)) throw new InvalidInputError("browser must be false or an object");
  const b = value as Record<string, unknown>;
  if (b.total !== undefined && (typeof b.total !== "string" || !/^\d+(\.\d+)?$/.test(b.total))) throw new InvalidInputError("browser.total must be a decimal string");
  if (b.currency !== undefined && (typeof b.currency !== "string" || !/^[A-Z]{3}$/.test(b.currency))) throw new InvalidInputError("browser.currency must be a currency code");
  if (b.email !== undefined && b.email !== null && typeof b.email !== "string") throw new InvalidInputError("browser.email must be a string or null");
  if (b.extraQuantity !== undefined && !Number.isInteger(b.extraQuantity)) throw new InvalidInputError("browser.extraQuantity must be an integer");
  return {
    total: b.total as string | undefined,
    currency: b.currency as string | undefined,
    email: b.email as string | null | undefined,
    extraQuantity: b.extraQuantity as number | undefined,
  };
}

/** Shopify's checkout_completed for an order placed in the online store, with the control API's overrides. */
export function checkoutCompletedEvent(order: OrderRecord, override: Exclude<BrowserOverride, false>): CheckoutCompletedEvent {
  const currency = override.currency ?? order.presentmentCurrency;
  const present = (cents: number) => Math.round(cents * order.presentmentRate) / 100;
  const total = override.total !== undefined ? Number(override.total) : present(orderTotals(order).totalCents);
  return {
    id: `sh-${randomUUID()}`,
    name: "checkout_completed",
    timestamp: new Date(order.processedAt).toISOString(),
    data: {
      checkout: {
        currencyCode: currency,
        email: override.email !== undefined ? override.email : order.email,
        token: order.checkoutToken,
        totalPrice: { amount: total, currencyCode: currency },
        order: { id: `gid://shopify/OrderIdentity/${order.id}` },
        lineItems: order.lineItems.map((line, i) => ({
          id: `gid://shopify/CheckoutLineItem/${line.id}`,
          quantity: line.quantity + (i === 0 ? (override.extraQuantity ?? 0) : 0),
          title: line.title,
          finalLinePrice: { amount: present(line.priceCents * line.quantity - line.discountCents), currencyCode: currency },
          variant: {
            id: line.variantId,
            sku: line.sku,
            title: line.variantTitle,
            price: { amount: present(line.priceCents), currencyCode: currency },
            product: { id: line.productId, title: line.title },
          },
        })),
      },
    },
  };
}
