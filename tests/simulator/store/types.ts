/** Records held by the simulator's store. Ids are digit strings (they may exceed 2^53); money is integer cents. */

export type PlanKey = "basic" | "standard" | "advanced" | "plus" | "commerce_components";

export type EmailMarketingState = "NOT_SUBSCRIBED" | "PENDING" | "SUBSCRIBED" | "UNSUBSCRIBED" | "REDACTED" | "INVALID";
export type SmsMarketingState = "NOT_SUBSCRIBED" | "PENDING" | "SUBSCRIBED" | "UNSUBSCRIBED" | "REDACTED";
export type OptInLevel = "SINGLE_OPT_IN" | "CONFIRMED_OPT_IN" | "UNKNOWN";

export interface AddressRecord {
  id: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  address1: string | null;
  address2: string | null;
  city: string | null;
  province: string | null;
  provinceCode: string | null;
  zip: string | null;
  country: string | null;
  countryCode: string | null;
  phone: string | null;
}

export interface LocationRecord {
  __typename: "Location";
  id: string;
  name: string;
  isActive: boolean;
  address: Omit<AddressRecord, "id" | "firstName" | "lastName" | "company">;
  createdAt: number;
  updatedAt: number;
}

export interface ImageRecord {
  /** MediaImage id (gid://shopify/MediaImage/..). */
  mediaId: string;
  /** Legacy ProductImage id used by REST payloads and `Image.id`. */
  imageId: string;
  url: string;
  altText: string | null;
  width: number;
  height: number;
  createdAt: number;
}

export interface OptionRecord {
  id: string;
  name: string;
  position: number;
  values: { id: string; name: string }[];
}

export interface ProductRecord {
  __typename: "Product";
  id: string;
  title: string;
  handle: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  status: "ACTIVE" | "DRAFT" | "ARCHIVED";
  tags: string[];
  createdAt: number;
  updatedAt: number;
  publishedAt: number | null;
  templateSuffix: string | null;
  options: OptionRecord[];
  variantIds: string[];
  images: ImageRecord[];
  isGiftCard: boolean;
}

export interface VariantRecord {
  __typename: "ProductVariant";
  id: string;
  productId: string;
  title: string;
  sku: string | null;
  barcode: string | null;
  priceCents: number;
  compareAtPriceCents: number | null;
  position: number;
  selectedOptions: { name: string; value: string }[];
  inventoryItemId: string;
  inventoryPolicy: "DENY" | "CONTINUE";
  tracked: boolean;
  taxable: boolean;
  grams: number;
  imageId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface InventoryLevelRecord {
  available: number;
  updatedAt: number;
}

export interface CollectionRecord {
  __typename: "Collection";
  id: string;
  title: string;
  handle: string;
  descriptionHtml: string;
  productIds: string[];
  sortOrder: "MANUAL" | "BEST_SELLING" | "ALPHA_ASC" | "CREATED_DESC" | "PRICE_ASC";
  publishedAt: number | null;
  updatedAt: number;
  image: ImageRecord | null;
}

export interface EmailConsentRecord {
  state: EmailMarketingState;
  optInLevel: OptInLevel | null;
  updatedAt: number | null;
  sourceLocationId: string | null;
}

export interface SmsConsentRecord {
  state: SmsMarketingState;
  optInLevel: OptInLevel;
  updatedAt: number | null;
  collectedFrom: "SHOPIFY" | "OTHER";
  sourceLocationId: string | null;
}

export interface CustomerRecord {
  __typename: "Customer";
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  state: "ENABLED" | "DISABLED" | "INVITED" | "DECLINED";
  tags: string[];
  note: string | null;
  locale: string;
  verifiedEmail: boolean;
  taxExempt: boolean;
  createdAt: number;
  updatedAt: number;
  /** Present whenever the customer has an email address. */
  emailConsent: EmailConsentRecord | null;
  /** Present whenever the customer has a phone number. */
  smsConsent: SmsConsentRecord | null;
  addresses: AddressRecord[];
  defaultAddressId: string | null;
}

export interface LineItemRecord {
  id: string;
  variantId: string | null;
  productId: string | null;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  vendor: string | null;
  quantity: number;
  priceCents: number;
  /** Discount allocated to this line (all units). */
  discountCents: number;
  taxCents: number;
  taxable: boolean;
  requiresShipping: boolean;
  grams: number;
}

export interface RefundLineRecord {
  id: string;
  lineItemId: string;
  quantity: number;
  restockType: "NO_RESTOCK" | "CANCEL" | "RETURN" | "LEGACY_RESTOCK";
  subtotalCents: number;
  taxCents: number;
}

export interface TransactionRecord {
  id: string;
  kind: "sale" | "refund" | "authorization" | "capture";
  status: "success" | "pending" | "failure";
  amountCents: number;
  gateway: string;
  createdAt: number;
  parentId: string | null;
}

export interface RefundRecord {
  id: string;
  orderId: string;
  createdAt: number;
  note: string | null;
  restock: boolean;
  lines: RefundLineRecord[];
  /** Refunded shipping and adjustments not tied to a line. */
  shippingCents: number;
  transactions: TransactionRecord[];
}

export interface DiscountCodeRecord {
  code: string;
  amountCents: number;
  type: "percentage" | "fixed_amount" | "shipping";
}

export type FinancialStatus =
  | "pending"
  | "authorized"
  | "partially_paid"
  | "paid"
  | "partially_refunded"
  | "refunded"
  | "voided";

export interface OrderRecord {
  __typename: "Order";
  id: string;
  number: number;
  name: string;
  email: string | null;
  phone: string | null;
  customerId: string | null;
  currency: string;
  presentmentCurrency: string;
  /** Presentment units per shop unit (1 when the buyer paid in the shop currency). */
  presentmentRate: number;
  createdAt: number;
  processedAt: number;
  updatedAt: number;
  cancelledAt: number | null;
  cancelReason: string | null;
  closedAt: number | null;
  lineItems: LineItemRecord[];
  discountCodes: DiscountCodeRecord[];
  shippingCents: number;
  shippingTitle: string | null;
  taxesIncluded: boolean;
  taxRate: number;
  sourceName: string;
  tags: string[];
  note: string | null;
  noteAttributes: { name: string; value: string }[];
  test: boolean;
  financialStatus: FinancialStatus;
  fulfillmentStatus: "fulfilled" | "partial" | null;
  refunds: RefundRecord[];
  transactions: TransactionRecord[];
  buyerAcceptsMarketing: boolean;
  shippingAddress: AddressRecord | null;
  billingAddress: AddressRecord | null;
  customerLocale: string;
  browserIp: string | null;
  token: string;
  checkoutToken: string | null;
  gateway: string;
}

export interface WebhookSubscriptionRecord {
  __typename: "WebhookSubscription";
  id: string;
  /** Enum form, e.g. ORDERS_CREATE. */
  topic: string;
  uri: string;
  filter: string | null;
  includeFields: string[];
  metafieldNamespaces: string[];
  format: "JSON" | "XML";
  name: string | null;
  apiVersion: string;
  createdAt: number;
  updatedAt: number;
}

export interface BulkOperationRecord {
  __typename: "BulkOperation";
  id: string;
  type: "QUERY" | "MUTATION";
  status: "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELING" | "CANCELED" | "EXPIRED";
  errorCode: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT" | null;
  query: string;
  createdAt: number;
  completedAt: number | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  url: string | null;
  partialDataUrl: string | null;
  /** The JSONL result, served at `url`. */
  file: Buffer | null;
  fileToken: string;
}

export interface TokenRecord {
  token: string;
  kind: "offline" | "online";
  expiresAt: number | null;
  userId: string | null;
  createdAt: number;
}

export interface InstallationState {
  installed: boolean;
  installationId: string;
  scopes: string[];
  installedAt: number | null;
  uninstalledAt: number | null;
}

export interface ShopState {
  __typename: "Shop";
  id: string;
  domain: string;
  name: string;
  email: string;
  currency: string;
  ianaTimezone: string;
  createdAt: number;
  updatedAt: number;
  plan: PlanKey;
  /** Overrides the plan's restore rate / bucket size (points per second / points). */
  restoreRateOverride: number | null;
  bucketSizeOverride: number | null;
  /** Every id this shop issues is offset by this (2^53 + 1 for a big-id shop). */
  idOffset: bigint;
  idCounters: Map<string, bigint>;
  nextOrderNumber: number;
  installation: InstallationState;
  tokens: Map<string, TokenRecord>;
  refreshTokens: Map<string, { accessToken: string; expiresAt: number }>;
  authCodes: Map<string, { expiresAt: number }>;
  locations: LocationRecord[];
  products: Map<string, ProductRecord>;
  variants: Map<string, VariantRecord>;
  /** inventory item id -> location id -> level */
  inventory: Map<string, Map<string, InventoryLevelRecord>>;
  collections: Map<string, CollectionRecord>;
  customers: Map<string, CustomerRecord>;
  orders: Map<string, OrderRecord>;
  subscriptions: Map<string, WebhookSubscriptionRecord>;
  bulkOperations: Map<string, BulkOperationRecord>;
  /** The app's web pixel on this shop (Shopify allows one per app); removed with the installation. */
  webPixel: WebPixelRecord | null;
}

export interface WebPixelRecord {
  id: string;
  /** The settings as stored: JSON text, returned as such by `WebPixel.settings`. */
  settings: string;
  createdAt: number;
  updatedAt: number;
}
