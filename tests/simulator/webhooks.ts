import { createHmac, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { AppConfig, AppWebhookSubscription } from "./config";
import { compileSearch, type SearchField, type SearchSpec } from "./graphql/search";
import { cloneJson, RawNumber, toJsonText, type JsonValue } from "./json";
import { Prng } from "./store/prng";
import type { SimStore, StoreWebhookEvent } from "./store/store";

/**
 * Delivers webhooks like Shopify: to app-specific subscriptions from shopify.app.toml and to shop-specific ones
 * created through webhookSubscriptionCreate, with Shopify's headers and HMAC, retries with exponential backoff on a
 * non-2xx answer or a timeout, and deletion of an API-created subscription after its final failed retry. Switches
 * (duplicate, delay, reorder, drop) reproduce the at-least-once, out-of-order delivery apps must tolerate.
 */

export interface WebhookSwitches {
  /** Extra copies of every delivery, sent concurrently with the same X-Shopify-Webhook-Id (true = 1). */
  duplicate: boolean | number;
  /** Wait before the first attempt (ms). */
  delayMs: number;
  /** Hold this many deliveries, then send them in `reorderMode` order (0 = off). */
  reorder: number;
  reorderMode: "reverse" | "shuffle";
  /** Release held deliveries after this long even when fewer than `reorder` arrived. */
  reorderMaxWaitMs: number;
  /** Drop (never send) the next N deliveries. */
  dropNext: number;
  /** Drop each delivery with this probability (seeded, reproducible). */
  dropRate: number;
  /** Retry on non-2xx / timeout like Shopify. */
  retries: boolean;
  /** Shopify retries 8 times over about 4 hours. */
  maxRetries: number;
  /** First retry delay; each further retry doubles it (60 s gives ≈ 4.25 h over 8 retries; tests use a few ms). */
  retryBaseMs: number;
  /** Shopify waits 5 s for an answer. */
  timeoutMs: number;
  /** Delete an API-created subscription after a delivery's final failure, as Shopify may. */
  deleteSubscriptionOnFailure: boolean;
}

export const DEFAULT_SWITCHES: WebhookSwitches = {
  duplicate: false,
  delayMs: 0,
  reorder: 0,
  reorderMode: "reverse",
  reorderMaxWaitMs: 1_000,
  dropNext: 0,
  dropRate: 0,
  retries: true,
  maxRetries: 8,
  retryBaseMs: 60_000,
  timeoutMs: 5_000,
  deleteSubscriptionOnFailure: true,
};

export interface DeliveryAttempt {
  attempt: number;
  /** 0 for the original, 1.. for copies made by the duplicate switch. */
  copy: number;
  at: string;
  status: number | null;
  durationMs: number;
  error?: string;
}

export type DeliveryState = "pending" | "held" | "delivered" | "failed" | "dropped" | "undeliverable";

export interface Delivery {
  webhookId: string;
  eventId: string;
  topic: string;
  shop: string;
  url: string;
  subscription: { kind: "app" } | { kind: "shop"; id: string };
  apiVersion: string;
  triggeredAt: string;
  body: string;
  headers: Record<string, string>;
  state: DeliveryState;
  attempts: DeliveryAttempt[];
  createdAt: number;
  finishedAt: number | null;
  note?: string;
}

const ALWAYS_DELIVERED = new Set(["app/uninstalled", "customers/data_request", "customers/redact", "shop/redact"]);
const FINAL: DeliveryState[] = ["delivered", "failed", "dropped", "undeliverable"];
const LOG_LIMIT = 20_000;

export const topicEnum = (topic: string) => topic.toUpperCase().replace(/\//g, "_");

export function hmacBase64(body: string | Buffer, secret: string): string {
  return createHmac("sha256", secret).update(body).digest("base64");
}

/**
 * The headers of one delivery as Shopify sends them, HMAC over the exact body bytes included. The dispatcher sends
 * with these; bench/purchases.ts signs the deliveries it replays with them too.
 */
export function deliveryHeaders(
  d: { topic: string; shop: string; body: string; apiVersion: string; webhookId: string; eventId: string; triggeredAt: string; name?: string },
  apiSecret: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "*/*",
    "User-Agent": "Shopify-Captain-Hook",
    "X-Shopify-Topic": d.topic,
    "X-Shopify-Hmac-Sha256": hmacBase64(d.body, apiSecret),
    "X-Shopify-Shop-Domain": d.shop,
    "X-Shopify-API-Version": d.apiVersion,
    "X-Shopify-Webhook-Id": d.webhookId,
    "X-Shopify-Event-Id": d.eventId,
    "X-Shopify-Triggered-At": d.triggeredAt,
  };
  if (d.name) headers["X-Shopify-Name"] = d.name;
  return headers;
}

export interface DispatcherOptions {
  store: SimStore;
  config: AppConfig;
  apiSecret: string;
  appUrl: string;
  switches?: Partial<WebhookSwitches>;
  quiet?: boolean;
}

export class WebhookDispatcher extends EventEmitter {
  switches: WebhookSwitches;
  readonly log: Delivery[] = [];
  readonly totals = { created: 0, delivered: 0, failed: 0, dropped: 0, attempts: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private held: Delivery[] = [];
  private heldTimer: NodeJS.Timeout | null = null;
  private pending = 0;
  private readonly rnd = new Prng(7);
  private closed = false;
  private readonly onEvent = (e: StoreWebhookEvent) => this.dispatch(e);

  constructor(private readonly opts: DispatcherOptions) {
    super();
    this.switches = { ...DEFAULT_SWITCHES, ...opts.switches };
    opts.store.on("webhook", this.onEvent);
  }

  get appUrl(): string {
    return this.opts.appUrl;
  }

  set(switches: Partial<WebhookSwitches>): WebhookSwitches {
    for (const [k, v] of Object.entries(switches)) {
      if (!(k in DEFAULT_SWITCHES)) throw new Error(`unknown webhook switch ${k}`);
      if (v !== undefined) (this.switches as unknown as Record<string, unknown>)[k] = v;
    }
    return this.switches;
  }

  resetSwitches(): void {
    this.switches = { ...DEFAULT_SWITCHES };
  }

  /** Deliveries, newest last. */
  deliveries(filter: { topic?: string; shop?: string; webhookId?: string; state?: DeliveryState } = {}): Delivery[] {
    return this.log.filter(
      (d) =>
        (!filter.topic || d.topic === filter.topic) &&
        (!filter.shop || d.shop === filter.shop) &&
        (!filter.webhookId || d.webhookId === filter.webhookId) &&
        (!filter.state || d.state === filter.state),
    );
  }

  clearLog(): void {
    this.log.length = 0;
  }

  /** Resolves with the first delivery matching `pred` that reaches a final state. */
  waitFor(pred: (d: Delivery) => boolean, timeoutMs = 10_000): Promise<Delivery> {
    const done = this.log.find((d) => FINAL.includes(d.state) && pred(d));
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("final", onFinal);
        reject(new Error(`no matching webhook delivery finished within ${timeoutMs} ms`));
      }, timeoutMs);
      const onFinal = (d: Delivery) => {
        if (!pred(d)) return;
        clearTimeout(timer);
        this.off("final", onFinal);
        resolve(d);
      };
      this.on("final", onFinal);
    });
  }

  /** Resolves when nothing is pending, held, delayed or waiting for a retry. */
  idle(timeoutMs = 10_000): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("idle", onIdle);
        reject(new Error(`webhook dispatcher still busy after ${timeoutMs} ms (${this.pending} pending)`));
      }, timeoutMs);
      const onIdle = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once("idle", onIdle);
    });
  }

  /** Sends whatever the reorder switch is holding now. */
  flushHeld(): void {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    const batch = this.held;
    this.held = [];
    if (this.switches.reorderMode === "shuffle") this.rnd.shuffle(batch);
    else batch.reverse();
    for (const d of batch) d.state = "pending";
    // One after another, so the new order is the order the app sees (concurrent sends could race back).
    void batch.reduce<Promise<void>>((prev, d) => prev.then(() => this.afterHold(d)), Promise.resolve());
  }

  close(): void {
    this.closed = true;
    this.opts.store.off("webhook", this.onEvent);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.heldTimer) clearTimeout(this.heldTimer);
  }

  /** Sends a caller-supplied body as Shopify would (the benchmark's entry point); the body is not re-serialized. */
  sendRaw(input: { shop: string; topic: string; body: string; url?: string; apiVersion?: string; webhookId?: string }): Delivery[] {
    const eventId = randomUUID();
    const triggeredAt = new Date(this.opts.store.now()).toISOString();
    if (input.url) {
      return [
        this.enqueue({
          shop: input.shop,
          topic: input.topic,
          url: input.url,
          body: input.body,
          eventId,
          triggeredAt,
          apiVersion: input.apiVersion ?? this.opts.config.webhookApiVersion,
          subscription: { kind: "app" },
          webhookId: input.webhookId,
        }),
      ];
    }
    return this.targets(input.shop, input.topic, null).map((t) =>
      this.enqueue({ shop: input.shop, topic: input.topic, url: t.url, body: input.body, eventId, triggeredAt, apiVersion: t.apiVersion, subscription: t.subscription, name: t.name, webhookId: input.webhookId }),
    );
  }

  // ------------------------------------------------------------------ internals

  private dispatch(e: StoreWebhookEvent): void {
    if (this.closed) return;
    const eventId = randomUUID();
    const triggeredAt = new Date(e.triggeredAt).toISOString();
    for (const t of this.targets(e.shop, e.topic, e.payload)) {
      const payload = t.includeFields.length ? includeFields(e.payload, t.includeFields) : e.payload;
      this.enqueue({
        shop: e.shop,
        topic: e.topic,
        url: t.url,
        body: toJsonText(payload),
        eventId,
        triggeredAt,
        apiVersion: t.apiVersion,
        subscription: t.subscription,
        name: t.name,
      });
    }
  }

  private targets(shopDomain: string, topic: string, payload: JsonValue | null) {
    const out: { url: string; apiVersion: string; includeFields: string[]; subscription: Delivery["subscription"]; name?: string }[] = [];
    const shop = this.opts.store.findShop(shopDomain);
    if (!shop) return out;
    const installed = shop.installation.installed;
    if (installed || ALWAYS_DELIVERED.has(topic)) {
      for (const s of this.opts.config.subscriptions) {
        if (!s.topics.includes(topic) && !s.complianceTopics.includes(topic)) continue;
        if (s.filter && payload !== null && !filterMatches(s.filter, payload)) continue;
        out.push({ url: this.resolveAppUri(s), apiVersion: this.opts.config.webhookApiVersion, includeFields: s.includeFields, subscription: { kind: "app" } });
      }
    }
    const wanted = topicEnum(topic);
    for (const s of shop.subscriptions.values()) {
      if (s.topic !== wanted) continue;
      if (s.filter && payload !== null && !filterMatches(s.filter, payload)) continue;
      out.push({ url: s.uri, apiVersion: s.apiVersion, includeFields: s.includeFields, subscription: { kind: "shop", id: s.id }, name: s.name ?? undefined });
    }
    return out;
  }

  private resolveAppUri(s: AppWebhookSubscription): string {
    const base = this.opts.appUrl.replace(/\/+$/, "");
    if (s.uri.startsWith("/")) return base + s.uri;
    // The toml's application_url is a placeholder; an absolute uri on it means the app itself.
    const appOrigin = this.opts.config.applicationUrl ? new URL(this.opts.config.applicationUrl).origin : null;
    if (appOrigin && s.uri.startsWith(appOrigin)) return base + s.uri.slice(appOrigin.length);
    return s.uri;
  }

  private enqueue(input: {
    shop: string;
    topic: string;
    url: string;
    body: string;
    eventId: string;
    triggeredAt: string;
    apiVersion: string;
    subscription: Delivery["subscription"];
    name?: string;
    webhookId?: string;
  }): Delivery {
    const webhookId = input.webhookId ?? randomUUID();
    const headers = deliveryHeaders({ ...input, webhookId }, this.opts.apiSecret);
    const d: Delivery = {
      webhookId,
      eventId: input.eventId,
      topic: input.topic,
      shop: input.shop,
      url: input.url,
      subscription: input.subscription,
      apiVersion: input.apiVersion,
      triggeredAt: input.triggeredAt,
      body: input.body,
      headers,
      state: "pending",
      attempts: [],
      createdAt: Date.now(),
      finishedAt: null,
    };
    this.log.push(d);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    this.totals.created++;
    this.pending++;
    this.emit("created", d);

    if (!/^https?:\/\//.test(d.url)) {
      d.note = "Pub/Sub and EventBridge endpoints are recorded but not delivered by the simulator";
      this.finalize(d, "undeliverable");
      return d;
    }
    const sw = this.switches;
    if (sw.dropNext > 0 || (sw.dropRate > 0 && this.rnd.next() < sw.dropRate)) {
      if (sw.dropNext > 0) sw.dropNext--;
      d.note = "dropped by the drop switch";
      this.finalize(d, "dropped");
      return d;
    }
    if (sw.reorder > 1) {
      d.state = "held";
      this.held.push(d);
      if (this.held.length >= sw.reorder) this.flushHeld();
      else if (!this.heldTimer) this.heldTimer = setTimeout(() => this.flushHeld(), sw.reorderMaxWaitMs);
      return d;
    }
    void this.afterHold(d);
    return d;
  }

  /** Resolves once the first attempt has been answered (retries continue on their own timers). */
  private afterHold(d: Delivery): Promise<void> {
    if (this.switches.delayMs > 0) {
      return new Promise((resolve) => this.later(this.switches.delayMs, () => void this.attempt(d, 1).then(resolve)));
    }
    return this.attempt(d, 1);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private async attempt(d: Delivery, attempt: number): Promise<void> {
    if (this.closed) return;
    const copies = d.attempts.length === 0 ? Number(this.switches.duplicate === true ? 1 : this.switches.duplicate || 0) : 0;
    const sends = [this.post(d, attempt, 0)];
    for (let c = 1; c <= copies; c++) sends.push(this.post(d, attempt, c));
    const [primary] = await Promise.all(sends);
    if (primary.status !== null && primary.status >= 200 && primary.status < 300) {
      this.finalize(d, "delivered");
      return;
    }
    const sw = this.switches;
    if (sw.retries && attempt <= sw.maxRetries) {
      this.later(sw.retryBaseMs * 2 ** (attempt - 1), () => void this.attempt(d, attempt + 1));
      return;
    }
    if (d.subscription.kind === "shop" && sw.deleteSubscriptionOnFailure) {
      const shop = this.opts.store.findShop(d.shop);
      const id = d.subscription.id;
      if (shop?.subscriptions.delete(id)) {
        d.note = `subscription gid://shopify/WebhookSubscription/${id} deleted after ${attempt} failed attempts`;
        if (!this.opts.quiet) console.warn(`[simulator] ${d.note}`);
      }
    }
    this.finalize(d, "failed");
  }

  private async post(d: Delivery, attempt: number, copy: number): Promise<DeliveryAttempt> {
    const started = performance.now();
    const rec: DeliveryAttempt = { attempt, copy, at: new Date().toISOString(), status: null, durationMs: 0 };
    this.totals.attempts++;
    try {
      const res = await fetch(d.url, { method: "POST", headers: d.headers, body: d.body, signal: AbortSignal.timeout(this.switches.timeoutMs), redirect: "manual" });
      rec.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      rec.error = err.name === "TimeoutError" ? `timeout after ${this.switches.timeoutMs} ms` : (err.cause?.code ?? err.message);
    }
    rec.durationMs = Math.round((performance.now() - started) * 10) / 10;
    d.attempts.push(rec);
    this.emit("attempt", d, rec);
    return rec;
  }

  private finalize(d: Delivery, state: DeliveryState): void {
    d.state = state;
    d.finishedAt = Date.now();
    if (state === "delivered") this.totals.delivered++;
    if (state === "failed") this.totals.failed++;
    if (state === "dropped") this.totals.dropped++;
    this.emit("final", d);
    this.pending--;
    if (this.pending === 0) this.emit("idle");
  }
}

/** includeFields: keep only the listed top-level keys; "a.b" keeps only b inside a (objects or arrays of objects). */
export function includeFields(payload: JsonValue, fields: string[]): JsonValue {
  if (!payload || typeof payload !== "object" || Array.isArray(payload) || payload instanceof RawNumber) return payload;
  const tree: Record<string, string[]> = {};
  for (const f of fields) {
    const [head, ...rest] = f.split(".");
    (tree[head] ??= []).push(rest.join("."));
  }
  const out: Record<string, JsonValue> = {};
  for (const [key, subs] of Object.entries(tree)) {
    if (!(key in payload)) continue;
    const value = (payload as Record<string, JsonValue>)[key];
    const nested = subs.filter(Boolean);
    if (!nested.length || subs.includes("")) out[key] = cloneJson(value);
    else if (Array.isArray(value)) out[key] = value.map((v) => includeFields(v, nested));
    else out[key] = includeFields(value, nested);
  }
  return out;
}

function valueAt(payload: JsonValue, path: string): (string | number)[] {
  let cur: JsonValue[] = [payload];
  for (const part of path.split(".")) {
    const next: JsonValue[] = [];
    for (const c of cur) {
      if (Array.isArray(c)) for (const x of c) if (x && typeof x === "object" && !Array.isArray(x) && !(x instanceof RawNumber)) next.push((x as Record<string, JsonValue>)[part]);
      if (c && typeof c === "object" && !Array.isArray(c) && !(c instanceof RawNumber)) next.push((c as Record<string, JsonValue>)[part]);
    }
    cur = next.flatMap((x) => (Array.isArray(x) ? x : [x]));
  }
  return cur
    .filter((x) => x !== null && x !== undefined && typeof x !== "object" || x instanceof RawNumber)
    .map((x) => (x instanceof RawNumber ? x.digits : typeof x === "boolean" ? String(x) : (x as string | number)));
}

/** Shopify webhook filters use the search syntax over the payload's fields (e.g. "vendor:Acme AND variants.price:>=10"). */
export function filterMatches(filter: string, payload: JsonValue): boolean {
  const spec: SearchSpec<JsonValue> = {
    defaults: () => [],
    fields: {},
    lookup: (field): SearchField<JsonValue> => ({ kind: "auto", get: (p) => valueAt(p, field) }),
  };
  return compileSearch(filter, spec).test(payload);
}
