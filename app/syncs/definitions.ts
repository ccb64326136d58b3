/**
 * What each sync needs from Shopify. A "switch" is one toggle the merchant flips (SyncSetting.sync); a page groups
 * the switches of one sync (consent has one per channel). Scopes are optional scopes in shopify.app.toml, asked for
 * when a switch is turned on; topics become shop-specific webhook subscriptions while the switch is on.
 */
export type WebhookTopic =
  | "ORDERS_CREATE"
  | "ORDERS_UPDATED"
  | "REFUNDS_CREATE"
  | "CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE"
  | "CUSTOMERS_MARKETING_CONSENT_UPDATE"
  | "PRODUCTS_CREATE"
  | "PRODUCTS_UPDATE"
  | "PRODUCTS_DELETE"
  | "COLLECTIONS_UPDATE"
  | "INVENTORY_LEVELS_UPDATE";

export type SyncPageKey = "purchases" | "consent" | "catalog";

export interface SyncSwitch {
  key: "purchases" | "consent_email" | "consent_sms" | "catalog";
  page: SyncPageKey;
  title: string;
  scopes: readonly string[];
  topics: readonly WebhookTopic[];
}

export const SYNC_SWITCHES = [
  {
    key: "purchases",
    page: "purchases",
    title: "Purchase sync",
    // write_pixels and read_customer_events: the web pixel that reports checkouts from the storefront
    // (extensions/purchase-pixel), created with webPixelCreate when the switch turns on.
    scopes: ["read_orders", "write_pixels", "read_customer_events"],
    topics: ["ORDERS_CREATE", "ORDERS_UPDATED", "REFUNDS_CREATE"],
  },
  {
    key: "consent_email",
    page: "consent",
    title: "Email consent",
    scopes: ["read_customers", "write_customers"],
    topics: ["CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE"],
  },
  {
    key: "consent_sms",
    page: "consent",
    title: "SMS consent",
    scopes: ["read_customers", "write_customers"],
    topics: ["CUSTOMERS_MARKETING_CONSENT_UPDATE"],
  },
  {
    key: "catalog",
    page: "catalog",
    title: "Catalog sync",
    scopes: ["read_products", "read_inventory"],
    topics: ["PRODUCTS_CREATE", "PRODUCTS_UPDATE", "PRODUCTS_DELETE", "COLLECTIONS_UPDATE", "INVENTORY_LEVELS_UPDATE"],
  },
] as const satisfies readonly SyncSwitch[];

export type SyncSwitchKey = (typeof SYNC_SWITCHES)[number]["key"];

export const SYNC_PAGES = [
  {
    key: "purchases",
    path: "/app/purchases",
    title: "Purchases",
    description: "Registers every order server-to-server and reconciles it with what the storefront reported.",
  },
  {
    key: "consent",
    path: "/app/consent",
    title: "Marketing consent",
    description: "Keeps email and SMS marketing consent identical in Shopify and your platform, in both directions.",
  },
  {
    key: "catalog",
    path: "/app/catalog",
    title: "Catalog",
    description: "Publishes your products and variants as a feed your platform imports, refreshed every 4 hours.",
  },
] as const satisfies readonly { key: SyncPageKey; path: string; title: string; description: string }[];

export function switchesOfPage(page: SyncPageKey): SyncSwitch[] {
  return SYNC_SWITCHES.filter((s) => s.page === page);
}

export function findSwitch(key: string): SyncSwitch | undefined {
  return SYNC_SWITCHES.find((s) => s.key === key);
}

/** Where Shopify delivers a topic: `ORDERS_CREATE` → `/webhooks/orders/create` (served by routes/webhooks.$.tsx). */
export function webhookPath(topic: WebhookTopic): string {
  return `/webhooks/${topic.toLowerCase().replace("_", "/")}`;
}

/** Every topic some switch subscribes to. */
export const SYNC_TOPICS: readonly WebhookTopic[] = SYNC_SWITCHES.flatMap((s) => s.topics);

/**
 * The switch a delivered topic belongs to. Accepts the header form (`orders/create`,
 * `customers/email_marketing_consent/update`) as well as the enum form (`ORDERS_CREATE`).
 */
export function switchOfTopic(topic: string): SyncSwitch | undefined {
  const normalised = topic.toUpperCase().replace(/[/.]/g, "_");
  return SYNC_SWITCHES.find((s) => (s.topics as readonly string[]).includes(normalised));
}

/**
 * Extra settings of a topic's subscription. `includeFields` cuts payload size but every later sync reads more
 * fields than a list written today would guess, so none is set yet: a sync issue that knows exactly which fields
 * it reads adds them here (changing them later needs webhookSubscriptionUpdate, which the health job does not do).
 */
export const TOPIC_SUBSCRIPTION_OPTIONS: Partial<Record<WebhookTopic, { includeFields?: string[]; filter?: string }>> = {};
