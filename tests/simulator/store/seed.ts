import type { PlanKey } from "./types";
import { Prng } from "./prng";
import { SimStore } from "./store";
import type {
  AddressRecord,
  CollectionRecord,
  CustomerRecord,
  EmailMarketingState,
  ImageRecord,
  OptInLevel,
  OrderRecord,
  ProductRecord,
  ShopState,
  SmsMarketingState,
  VariantRecord,
} from "./types";
import { orderTotals } from "./payloads";

export const DEMO_SHOP = "syncline-demo.myshopify.com";
export const BIG_ID_SHOP = "syncline-bigids.myshopify.com";

export interface ShopSeedOptions {
  domain?: string;
  name?: string;
  currency?: string;
  ianaTimezone?: string;
  plan?: PlanKey;
  products?: number;
  customers?: number;
  orders?: number;
  /** PRNG seed: the same seed (and `now`) gives the same shop. */
  seed?: number;
  /** Anchor for every generated timestamp (orders spread over the 90 days before it). Default: Date.now(). */
  now?: number;
  /** Issue every id (shop, products, customers, orders, ...) above 2^53. */
  bigIds?: boolean;
  /** Start with the app installed (required scopes granted). Default true. */
  installed?: boolean;
  /** Scopes granted on top of the required ones. */
  scopes?: string[];
  /** Origin that serves product images (the simulator's own origin). */
  assetOrigin?: string;
}

export interface SeedOptions extends ShopSeedOptions {
  /** Also seed a small shop whose ids all exceed 2^53 (default true). */
  bigIdShop?: boolean;
}

const ADJECTIVES = ["Classic", "Everyday", "Organic", "Alpine", "Coastal", "Urban", "Vintage", "Featherweight", "Merino", "Recycled", "Heritage", "Studio", "Trail", "Linen", "Cozy", "Summit"];
const NOUNS = ["T-Shirt", "Hoodie", "Sweater", "Jacket", "Cap", "Beanie", "Scarf", "Socks", "Tote Bag", "Backpack", "Shorts", "Chinos", "Parka", "Polo", "Vest", "Mug", "Water Bottle", "Notebook", "Sunglasses", "Gloves"];
const APPAREL = new Set(["T-Shirt", "Hoodie", "Sweater", "Jacket", "Shorts", "Chinos", "Parka", "Polo", "Vest", "Gloves", "Socks"]);
const VENDORS = ["Syncline Goods", "Northwind Textiles", "Fjord & Co", "Atelier Sud", "Kettle Works"];
const SIZES = ["XS", "S", "M", "L", "XL"];
const COLORS = ["Black", "White", "Navy", "Red", "Forest Green", "Sand"];
const FIRST = ["Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Karla", "Luca", "Mila", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Simon", "Tara", "Umut", "Vera", "Willem", "Yara", "Zoé", "Émile", "Søren", "Zoë"];
const LAST = ["Müller", "Schmidt", "de Vries", "Janssen", "Dubois", "Martin", "Rossi", "García", "Novak", "Berg", "Lindqvist", "O'Brien", "Kowalski", "Weber", "Fischer", "Meyer", "Bakker", "Leroy", "Costa", "Nagy"];
const CITIES: [string, string, string, string | null, string][] = [
  ["Berlin", "DE", "Germany", null, "10115"],
  ["Hamburg", "DE", "Germany", null, "20095"],
  ["München", "DE", "Germany", null, "80331"],
  ["Amsterdam", "NL", "Netherlands", null, "1012 AB"],
  ["Utrecht", "NL", "Netherlands", null, "3511 AA"],
  ["Paris", "FR", "France", null, "75001"],
  ["Lyon", "FR", "France", null, "69001"],
  ["Wien", "AT", "Austria", null, "1010"],
];
const STREETS = ["Hauptstraße", "Keizersgracht", "Rue de Rivoli", "Lindenallee", "Bahnhofstraße", "Prinsengracht", "Mariahilfer Straße"];
const SOURCES = ["web", "web", "web", "web", "pos", "shopify_draft_order", "3890849", "subscription_contract"];
const DISCOUNTS = [
  { code: "WELCOME10", amountCents: 1000 },
  { code: "SUMMER15", amountCents: 1500 },
  { code: "FREESHIP", amountCents: 495 },
];

const DAY = 86_400_000;

export function seedStore(store: SimStore, opts: SeedOptions = {}): void {
  seedShop(store, opts);
  if (opts.bigIdShop ?? true) {
    seedShop(store, {
      domain: BIG_ID_SHOP,
      name: "Syncline Big Ids",
      products: 6,
      customers: 6,
      orders: 4,
      seed: (opts.seed ?? 2026) + 1,
      now: opts.now,
      bigIds: true,
      installed: opts.installed,
      scopes: opts.scopes,
      assetOrigin: opts.assetOrigin,
    });
  }
}

export function seedShop(store: SimStore, opts: ShopSeedOptions = {}): ShopState {
  const rnd = new Prng(opts.seed ?? 2026);
  const now = opts.now ?? store.now();
  const domain = opts.domain ?? DEMO_SHOP;
  const shopCreated = now - 400 * DAY;
  const shop = store.createShop({
    domain,
    name: opts.name ?? "Syncline Demo",
    currency: opts.currency ?? "EUR",
    ianaTimezone: opts.ianaTimezone ?? "Europe/Berlin",
    plan: opts.plan ?? "standard",
    bigIds: opts.bigIds,
    createdAt: shopCreated,
  });
  const assetOrigin = opts.assetOrigin ?? "http://127.0.0.1:4100";

  for (const [name, city] of [["Main warehouse", 0], ["Pop-up Amsterdam", 3]] as const) {
    const c = CITIES[city];
    shop.locations.push({
      __typename: "Location",
      id: store.nextId(shop, "Location"),
      name,
      isActive: true,
      address: { address1: `${rnd.pick(STREETS)} ${rnd.int(1, 120)}`, address2: null, city: c[0], province: c[3], provinceCode: null, zip: c[4], country: c[2], countryCode: c[1], phone: null },
      createdAt: shopCreated,
      updatedAt: shopCreated,
    });
  }

  // ---- products
  const handles = new Set<string>();
  const productCount = opts.products ?? 200;
  for (let i = 0; i < productCount; i++) {
    const noun = NOUNS[i % NOUNS.length];
    const adjective = ADJECTIVES[Math.floor(i / NOUNS.length) % ADJECTIVES.length];
    const title = i < NOUNS.length * ADJECTIVES.length ? `${adjective} ${noun}` : `${adjective} ${noun} ${Math.floor(i / (NOUNS.length * ADJECTIVES.length)) + 1}`;
    let handle = title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/(^-|-$)/g, "");
    while (handles.has(handle)) handle += "-1";
    handles.add(handle);
    const createdAt = shopCreated + Math.floor(rnd.next() * 300) * DAY + rnd.int(0, DAY - 1);
    const updatedAt = createdAt + rnd.int(0, 60) * DAY;
    const roll = rnd.next();
    const status: ProductRecord["status"] = roll < 0.08 ? "DRAFT" : roll < 0.11 ? "ARCHIVED" : "ACTIVE";
    const published = status === "ACTIVE" && !rnd.chance(0.06);
    const basePrice = rnd.pick([1200, 1500, 1900, 2400, 2900, 3900, 4900, 6900, 8900, 12900]) - rnd.pick([0, 5, 1]);
    const product: ProductRecord = {
      __typename: "Product",
      id: store.nextId(shop, "Product"),
      title,
      handle,
      descriptionHtml: `<p>The ${title.toLowerCase()}: made to last, designed in Europe.</p>`,
      vendor: rnd.pick(VENDORS),
      productType: APPAREL.has(noun) ? "Apparel" : "Accessories",
      status,
      tags: rnd.sample(["new", "bestseller", "sale", "eco", "limited", "gift"], rnd.int(0, 3)).sort(),
      createdAt,
      updatedAt: Math.min(updatedAt, now),
      publishedAt: published ? createdAt + DAY : null,
      templateSuffix: null,
      options: [],
      variantIds: [],
      images: [],
      isGiftCard: false,
    };
    const imageCount = rnd.int(i % 17 === 0 ? 0 : 1, 3);
    for (let k = 0; k < imageCount; k++) {
      const img: ImageRecord = {
        mediaId: store.nextId(shop, "MediaImage"),
        imageId: store.nextId(shop, "ProductImage"),
        url: `${assetOrigin}/cdn/shop/files/${handle}-${k + 1}.svg`,
        altText: k === 0 ? title : null,
        width: 800,
        height: 800,
        createdAt,
      };
      product.images.push(img);
    }
    // Options: apparel gets Size (and often Color); some accessories Color only; the rest a single default variant.
    let combos: { name: string; value: string }[][];
    if (APPAREL.has(noun)) {
      const sizes = rnd.chance(0.3) ? SIZES.slice(1, 4) : SIZES;
      const colors = rnd.chance(0.7) ? rnd.sample(COLORS, rnd.int(1, 3)) : [];
      product.options.push(makeOption(store, shop, "Size", sizes, 1));
      if (colors.length) product.options.push(makeOption(store, shop, "Color", colors, 2));
      combos = [];
      for (const s of sizes) {
        if (colors.length) for (const c of colors) combos.push([{ name: "Size", value: s }, { name: "Color", value: c }]);
        else combos.push([{ name: "Size", value: s }]);
      }
    } else if (rnd.chance(0.5)) {
      const colors = rnd.sample(COLORS, rnd.int(2, 4));
      product.options.push(makeOption(store, shop, "Color", colors, 1));
      combos = colors.map((c) => [{ name: "Color", value: c }]);
    } else {
      product.options.push(makeOption(store, shop, "Title", ["Default Title"], 1));
      combos = [[{ name: "Title", value: "Default Title" }]];
    }
    const variants: VariantRecord[] = [];
    const stock: Record<string, number> = {};
    combos.forEach((sel, idx) => {
      const v: VariantRecord = {
        __typename: "ProductVariant",
        id: store.nextId(shop, "ProductVariant"),
        productId: product.id,
        title: sel.map((s) => s.value).join(" / "),
        sku: rnd.chance(0.95) ? `SL-${String(i + 1).padStart(4, "0")}-${String(idx + 1).padStart(2, "0")}` : null,
        barcode: rnd.chance(0.6) ? String(4_006_381_000_000 + i * 100 + idx) : null,
        priceCents: basePrice + (sel[0].value === "XL" ? 200 : 0),
        compareAtPriceCents: product.tags.includes("sale") ? basePrice + 1000 : null,
        position: idx + 1,
        selectedOptions: sel,
        inventoryItemId: store.nextId(shop, "InventoryItem"),
        inventoryPolicy: rnd.chance(0.1) ? "CONTINUE" : "DENY",
        tracked: rnd.chance(0.92),
        taxable: true,
        grams: rnd.int(80, 1200),
        imageId: product.images.length && idx === 0 ? product.images[0].imageId : null,
        createdAt,
        updatedAt: product.updatedAt,
      };
      stock[v.id] = rnd.chance(0.1) ? 0 : rnd.int(1, 80);
      variants.push(v);
      product.variantIds.push(v.id);
    });
    store.addProduct(domain, product, variants, stock, false);
    // Some stock also sits at the second location.
    if (rnd.chance(0.3)) {
      for (const v of variants) {
        const lvl = shop.inventory.get(v.inventoryItemId)!.get(shop.locations[1].id)!;
        lvl.available = rnd.int(0, 10);
      }
    }
  }

  // ---- collections
  const products = [...shop.products.values()];
  const collectionDefs = [
    ["Summer Collection", (p: ProductRecord) => p.tags.includes("new") || p.title.includes("Linen") || p.title.includes("Coastal")],
    ["Basics", (p: ProductRecord) => p.title.startsWith("Classic") || p.title.startsWith("Everyday")],
    ["Outerwear", (p: ProductRecord) => /Jacket|Parka|Vest|Hoodie/.test(p.title)],
    ["Accessories", (p: ProductRecord) => p.productType === "Accessories"],
    ["Sale", (p: ProductRecord) => p.tags.includes("sale")],
    ["Bestsellers", (p: ProductRecord) => p.tags.includes("bestseller")],
    ["Eco Friendly", (p: ProductRecord) => p.tags.includes("eco") || p.title.includes("Recycled") || p.title.includes("Organic")],
    ["Gift Ideas", (p: ProductRecord) => p.tags.includes("gift")],
  ] as const;
  for (const [title, match] of collectionDefs) {
    const c: CollectionRecord = {
      __typename: "Collection",
      id: store.nextId(shop, "Collection"),
      title,
      handle: title.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
      descriptionHtml: `<p>${title}</p>`,
      productIds: products.filter(match).map((p) => p.id),
      sortOrder: "MANUAL",
      publishedAt: shopCreated + DAY,
      updatedAt: shopCreated + rnd.int(1, 300) * DAY,
      image: null,
    };
    shop.collections.set(c.id, c);
  }

  // ---- customers
  const customerCount = opts.customers ?? 100;
  for (let i = 0; i < customerCount; i++) {
    const first = FIRST[(i * 7 + rnd.int(0, 3)) % FIRST.length];
    const last = LAST[(i * 3 + rnd.int(0, 5)) % LAST.length];
    const hasEmail = i % 23 !== 5; // a few phone-only customers
    const hasPhone = i % 4 !== 3; // a quarter without a phone
    let email: string | null = null;
    if (hasEmail) {
      const local = `${first}.${last}`.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z.]/g, "").toLowerCase();
      email = `${local}${i}@example.com`;
      if (i % 11 === 0) email = email.replace(/^./, (ch) => ch.toUpperCase()); // mixed case as merchants type them
    }
    const createdAt = shopCreated + rnd.int(0, 390) * DAY + rnd.int(0, DAY - 1);
    const city = rnd.pick(CITIES);
    const address: AddressRecord = {
      id: store.nextId(shop, "MailingAddress"),
      firstName: first,
      lastName: last,
      company: rnd.chance(0.1) ? "Acme GmbH" : null,
      address1: `${rnd.pick(STREETS)} ${rnd.int(1, 200)}`,
      address2: null,
      city: city[0],
      province: city[3],
      provinceCode: null,
      zip: city[4],
      country: city[2],
      countryCode: city[1],
      phone: null,
    };
    const phone = hasPhone ? `+49151${String(20_000_000 + i * 7919).slice(0, 8)}` : null;
    const emailState = pickWeighted<EmailMarketingState>(rnd, [
      ["SUBSCRIBED", 40],
      ["NOT_SUBSCRIBED", 30],
      ["UNSUBSCRIBED", 15],
      ["PENDING", 10],
      ["INVALID", 2],
    ]);
    const smsState = pickWeighted<SmsMarketingState>(rnd, [
      ["SUBSCRIBED", 30],
      ["NOT_SUBSCRIBED", 45],
      ["UNSUBSCRIBED", 15],
      ["PENDING", 10],
    ]);
    const consentAt = (state: string): number | null =>
      state === "NOT_SUBSCRIBED" && rnd.chance(0.7) ? null : createdAt + rnd.int(0, 30) * DAY;
    const optIn = (): OptInLevel => pickWeighted<OptInLevel>(rnd, [["SINGLE_OPT_IN", 60], ["CONFIRMED_OPT_IN", 30], ["UNKNOWN", 10]]);
    const c: CustomerRecord = {
      __typename: "Customer",
      id: store.nextId(shop, "Customer"),
      firstName: first,
      lastName: last,
      email,
      phone,
      state: rnd.chance(0.3) ? "ENABLED" : "DISABLED",
      tags: rnd.sample(["vip", "newsletter", "wholesale", "returning"], rnd.int(0, 2)).sort(),
      note: i % 13 === 0 ? "Prefers delivery after 6pm" : null,
      locale: city[1] === "DE" || city[1] === "AT" ? "de" : city[1] === "NL" ? "nl" : city[1] === "FR" ? "fr" : "en",
      verifiedEmail: hasEmail,
      taxExempt: false,
      createdAt: Math.min(createdAt, now - DAY),
      updatedAt: Math.min(createdAt + rnd.int(0, 20) * DAY, now - DAY),
      emailConsent: email
        ? {
            state: emailState,
            optInLevel: emailState === "NOT_SUBSCRIBED" ? "SINGLE_OPT_IN" : optIn(),
            updatedAt: consentAt(emailState),
            sourceLocationId: null,
          }
        : null,
      smsConsent: phone
        ? {
            state: smsState,
            optInLevel: optIn(),
            updatedAt: consentAt(smsState),
            collectedFrom: rnd.chance(0.7) ? "SHOPIFY" : "OTHER",
            sourceLocationId: null,
          }
        : null,
      addresses: [address],
      defaultAddressId: address.id,
    };
    store.addCustomer(domain, c, false);
  }

  // ---- orders: spread over the last 90 days, oldest first so ids and numbers grow with time
  const customers = [...shop.customers.values()];
  const sellable = [...shop.variants.values()].filter((v) => shop.products.get(v.productId)!.status === "ACTIVE");
  const orderCount = opts.orders ?? 50;
  const times = Array.from({ length: orderCount }, () => now - rnd.int(1, 90 * 24) * 3_600_000 - rnd.int(0, 3_599_999)).sort((a, b) => a - b);
  for (let i = 0; i < orderCount && sellable.length; i++) {
    const at = times[i];
    const customer = rnd.chance(0.85) ? rnd.pick(customers) : null;
    const lines = rnd.sample(sellable, rnd.int(1, 4)).map((v) => ({ variantId: v.id, quantity: rnd.int(1, 3) }));
    const number = shop.nextOrderNumber++;
    const presentment = rnd.chance(0.15) ? "USD" : shop.currency;
    const disc = rnd.chance(0.2) ? rnd.pick(DISCOUNTS) : null;
    const order: OrderRecord = {
      __typename: "Order",
      id: store.nextId(shop, "Order"),
      number,
      name: `#${number}`,
      email: customer?.email ?? (customer ? null : `guest${i}@example.net`),
      phone: customer?.phone ?? null,
      customerId: customer?.id ?? null,
      currency: shop.currency,
      presentmentCurrency: presentment,
      presentmentRate: presentment === shop.currency ? 1 : 1.08,
      createdAt: at,
      processedAt: at,
      updatedAt: at,
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      lineItems: store.buildLineItems(shop, lines),
      discountCodes: disc ? [{ ...disc, type: disc.code === "FREESHIP" ? "shipping" : "fixed_amount" }] : [],
      shippingCents: rnd.pick([0, 495, 495, 995]),
      shippingTitle: "Standard",
      taxesIncluded: true,
      taxRate: 0.19,
      sourceName: rnd.pick(SOURCES),
      tags: rnd.sample(["gift", "priority", "wholesale", "influencer"], rnd.chance(0.3) ? 1 : 0),
      note: rnd.chance(0.1) ? "Please gift wrap" : null,
      noteAttributes: rnd.chance(0.1) ? [{ name: "utm_source", value: "newsletter" }] : [],
      test: i % 17 === 16,
      financialStatus: "paid",
      fulfillmentStatus: at < now - 5 * DAY && rnd.chance(0.8) ? "fulfilled" : null,
      refunds: [],
      transactions: [],
      buyerAcceptsMarketing: customer?.emailConsent?.state === "SUBSCRIBED",
      shippingAddress: customer?.addresses[0] ?? null,
      billingAddress: customer?.addresses[0] ?? null,
      customerLocale: customer?.locale ?? "en",
      browserIp: "198.51.100." + rnd.int(1, 254),
      token: hex(rnd, 32),
      checkoutToken: hex(rnd, 32),
      gateway: rnd.chance(0.9) ? "shopify_payments" : "manual",
    };
    store.priceLines(order);
    const statusRoll = rnd.next();
    if (statusRoll < 0.06) order.financialStatus = "pending";
    else {
      order.transactions.push({
        id: store.nextId(shop, "OrderTransaction"),
        kind: "sale",
        status: "success",
        amountCents: orderTotals(order).totalCents,
        gateway: order.gateway,
        createdAt: at,
        parentId: null,
      });
    }
    if (order.fulfillmentStatus === "fulfilled") order.closedAt = at + 3 * DAY;
    store.addOrder(domain, order, false);
    // A few refunds, recorded as they happened (without webhooks: this is history).
    if (order.financialStatus === "paid" && statusRoll > 0.9 && at < now - 3 * DAY) {
      const savedNow = store.now;
      store.now = () => at + 2 * DAY;
      const listeners = store.listeners("webhook");
      store.removeAllListeners("webhook");
      try {
        const full = statusRoll > 0.96;
        store.refundOrder(domain, order.id, full ? {} : { lines: [{ lineItemId: order.lineItems[0].id, quantity: 1 }], note: "Damaged in transit" });
      } finally {
        store.now = savedNow;
        for (const l of listeners) store.on("webhook", l as (...args: unknown[]) => void);
      }
    }
  }

  if (opts.installed ?? true) {
    store.install(domain);
    shop.installation.installedAt = now - 30 * DAY;
    if (opts.scopes?.length) shop.installation.scopes = [...new Set([...shop.installation.scopes, ...opts.scopes])];
  }
  return shop;
}

function makeOption(store: SimStore, shop: ShopState, name: string, values: string[], position: number) {
  return { id: store.nextId(shop, "ProductOption"), name, position, values: values.map((v) => ({ id: store.nextId(shop, "ProductOptionValue"), name: v })) };
}

function pickWeighted<T>(rnd: Prng, items: [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rnd.next() * total;
  for (const [v, w] of items) if ((r -= w) < 0) return v;
  return items[items.length - 1][0];
}

function hex(rnd: Prng, len: number): string {
  let s = "";
  while (s.length < len) s += Math.floor(rnd.next() * 16).toString(16);
  return s;
}
