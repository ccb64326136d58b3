/**
 * The three syncs a merchant can switch on, with what each needs from Shopify. Settings rows
 * (SyncSetting.sync) use these keys; consent has one switch per channel.
 */
export const SYNCS = [
  {
    key: "purchases",
    title: "Purchases",
    description: "Registers every order server-to-server and reconciles it with what the storefront reported.",
    settingKeys: ["purchases"],
    scopes: ["read_orders"],
  },
  {
    key: "consent",
    title: "Marketing consent",
    description: "Keeps email and SMS marketing consent identical in Shopify and your platform, in both directions.",
    settingKeys: ["consent_email", "consent_sms"],
    scopes: ["read_customers", "write_customers"],
  },
  {
    key: "catalog",
    title: "Catalog",
    description: "Publishes your products and variants as a feed your platform imports, refreshed every 4 hours.",
    settingKeys: ["catalog"],
    scopes: ["read_products", "read_inventory"],
  },
] as const;

export type SyncKey = (typeof SYNCS)[number]["key"];
