/** The local Shopify simulator: see tests/simulator/README.md. */
export { startSimulator, type Simulator, type SimulatorOptions } from "./server";
export { SimStore, NotFoundError, InvalidInputError, BIG_ID_OFFSET, PLAN_RESTORE_RATE, type StoreWebhookEvent } from "./store/store";
export { seedStore, seedShop, DEMO_SHOP, BIG_ID_SHOP, type SeedOptions, type ShopSeedOptions } from "./store/seed";
export { WebhookDispatcher, DEFAULT_SWITCHES, deliveryHeaders, hmacBase64, includeFields, filterMatches, type Delivery, type WebhookSwitches } from "./webhooks";
export { signIdToken, signJwtHs256, verifyJwtHs256, JwtError } from "./jwt";
export { loadAdminSchema, API_VERSION } from "./graphql/schema";
export { RawNumber, raw, toJsonText } from "./json";
export { parseAppConfig, loadAppConfig, type AppConfig } from "./config";
export { LeakyBuckets, BUCKET_SECONDS } from "./throttle";
