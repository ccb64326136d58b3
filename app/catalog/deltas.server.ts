/**
 * Live deltas between exports (issue 5 point 3). The webhook handlers only record and queue: each touched object is
 * noted in CatalogTouch (so an export that flips later reads it again) and a `catalog.refresh` job reads its current
 * state from Shopify and replaces it in the live generation. Reading instead of applying the webhook body:
 *
 * - the body lacks what the feed shows (products/update has no weight or collections, collections/update no
 *   products, inventory_levels/update the stock of one location only);
 * - webhooks arrive late, twice and out of order; a read of the current state is right whatever the order;
 * - one mapping (mapping.ts) serves exports and deltas alike.
 *
 * products/delete needs no read: the product's rows go at once.
 */
import { z } from "zod";

import type { PrismaClient } from "~/db.server";
import { CATALOG_COLLECTION_QUERY } from "~/graphql/CatalogCollection";
import { CATALOG_INVENTORY_ITEM_QUERY } from "~/graphql/CatalogInventoryItem";
import { CATALOG_PRODUCT_QUERY } from "~/graphql/CatalogProduct";
import { defineJob, PermanentJobError } from "~/jobs/define.server";
import { enqueue } from "~/jobs/queue.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import type { CatalogCollectionQuery, CatalogInventoryItemQuery, CatalogProductQuery } from "~/types/admin.generated";
import type { WebhookHandler } from "~/webhooks/handlers.server";
import { shopifyId } from "~/webhooks/json";

import { CATALOG_REFRESH_JOB } from "./export.server";
import { CATALOG_SYNC, idFromGid, mapCollection, mapProduct, mapVariant, productGid, type CollectionRow, type ProductRow, type VariantRow } from "./mapping";
import { catalogSwitchOn, replaceCollection, replaceProduct, touch, updateStock } from "./store.server";

export type RefreshKind = "product" | "inventory" | "collection";

const refreshPayload = z.object({ kind: z.enum(["product", "inventory", "collection"]), id: z.string().regex(/^\d+$/) });

// ------------------------------------------------------------------------------------------------ reading Shopify

export async function fetchProduct(
  client: AdminClient,
  productId: string,
  signal?: AbortSignal,
): Promise<{ product: ProductRow; variants: VariantRow[]; collections: CollectionRow[] } | null> {
  let variantsAfter: string | null = null;
  let collectionsAfter: string | null = null;
  let product: ProductRow | null = null;
  const variants: VariantRow[] = [];
  const collections: CollectionRow[] = [];
  let variantsDone = false;
  let collectionsDone = false;
  while (!variantsDone || !collectionsDone) {
    const data: CatalogProductQuery = await client.request(CATALOG_PRODUCT_QUERY, {
      variables: { id: productGid(productId), variantsAfter, collectionsAfter },
      sync: CATALOG_SYNC,
      signal,
    });
    if (!data.product) return null;
    product ??= mapProduct(data.product);
    if (!variantsDone) {
      variants.push(...data.product.variants.nodes.map((v) => mapVariant(v, productId)));
      variantsAfter = data.product.variants.pageInfo.endCursor ?? null;
      variantsDone = !data.product.variants.pageInfo.hasNextPage || variantsAfter === null;
    }
    if (!collectionsDone) {
      collections.push(...data.product.collections.nodes.map(mapCollection));
      collectionsAfter = data.product.collections.pageInfo.endCursor ?? null;
      collectionsDone = !data.product.collections.pageInfo.hasNextPage || collectionsAfter === null;
    }
  }
  return product ? { product, variants, collections } : null;
}

async function fetchStock(client: AdminClient, inventoryItemId: string, signal?: AbortSignal): Promise<{ found: boolean; stock: number | null }> {
  const data: CatalogInventoryItemQuery = await client.request(CATALOG_INVENTORY_ITEM_QUERY, {
    variables: { id: `gid://shopify/InventoryItem/${inventoryItemId}` },
    sync: CATALOG_SYNC,
    signal,
  });
  const variant = data.inventoryItem?.variants?.nodes[0];
  return variant ? { found: true, stock: variant.inventoryQuantity ?? null } : { found: false, stock: null };
}

async function fetchCollection(client: AdminClient, collectionId: string, signal?: AbortSignal): Promise<{ title: string; productIds: string[] } | null> {
  let after: string | null = null;
  let title: string | null = null;
  const productIds: string[] = [];
  do {
    const data: CatalogCollectionQuery = await client.request(CATALOG_COLLECTION_QUERY, {
      variables: { id: `gid://shopify/Collection/${collectionId}`, after },
      sync: CATALOG_SYNC,
      signal,
    });
    if (!data.collection) return null;
    title ??= data.collection.title;
    productIds.push(...data.collection.products.nodes.map((p) => idFromGid(p.id)));
    after = data.collection.products.pageInfo.hasNextPage ? (data.collection.products.pageInfo.endCursor ?? null) : null;
  } while (after);
  return { title: title ?? "", productIds };
}

/** Reads one object's current state and puts it into the live generation. */
export async function refreshObject(db: PrismaClient, client: AdminClient, shop: string, kind: RefreshKind, id: string, signal?: AbortSignal): Promise<void> {
  if (kind === "product") await replaceProduct(db, shop, id, await fetchProduct(client, id, signal));
  else if (kind === "collection") await replaceCollection(db, shop, id, await fetchCollection(client, id, signal));
  else {
    const { found, stock } = await fetchStock(client, id, signal);
    if (found) await updateStock(db, shop, id, stock);
  }
}

export const catalogRefreshJob = defineJob(CATALOG_REFRESH_JOB, {
  schema: refreshPayload,
  maxAttempts: 6,
  backoff: { baseMs: 5_000, maxMs: 10 * 60_000 },
  async perform({ kind, id }, job) {
    const { db, shop, signal } = job;
    if (!shop) throw new PermanentJobError("catalog.refresh without a shop");
    // From here on a new delivery for this object queues a refresh of its own (see REFRESH_DELAY_MS).
    if (job.job.dedupeKey) await db.job.updateMany({ where: { id: job.job.id, shop }, data: { dedupeKey: null } });
    if (!(await catalogSwitchOn(db, shop))) return;
    const feed = await db.catalogFeed.findUnique({ where: { shop }, select: { generation: true } });
    // Nothing exported yet: the first export reads the object anyway, and replays this touch after it.
    if (!feed || feed.generation === 0) return;
    const { adminClientForShop } = await import("~/shopify/admin-client.server");
    const client = await adminClientForShop(shop, { db });
    await refreshObject(db, client, shop, kind, id, signal);
  },
});

// ------------------------------------------------------------------------------------------------ webhook handlers

/**
 * Deliveries for one object that arrive while its refresh is still waiting share that refresh, which waits this long
 * after the first of them. Shopify sends several products/update for one save, and one inventory_levels/update per
 * location of a transfer; each refresh is an Admin query paced by the cost bucket, so a burst of them would delay
 * every other change. The refresh gives up its dedupe key as it starts (catalogRefreshJob), before it reads: a
 * delivery that joined it is a change Shopify already holds when the read happens, and a later one queues a new
 * refresh. Nothing depends on clocks agreeing between processes.
 */
export const REFRESH_DELAY_MS = 10_000;

export function refreshDedupeKey(shop: string, kind: RefreshKind, id: string): string {
  return `${CATALOG_REFRESH_JOB}:${shop}:${kind}:${id}`;
}

async function noteAndRefresh(db: PrismaClient, shop: string, kind: RefreshKind, id: string, at: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    await touch(tx, shop, kind, id, at);
    const runAt = new Date(Date.now() + REFRESH_DELAY_MS);
    await enqueue(tx, { type: CATALOG_REFRESH_JOB, shop, payload: { kind, id }, runAt, dedupeKey: refreshDedupeKey(shop, kind, id) });
  });
}

const productPayload = z.object({ id: shopifyId }).passthrough();
const collectionPayload = z.object({ id: shopifyId }).passthrough();
const inventoryPayload = z.object({ inventory_item_id: shopifyId }).passthrough();

function productChanged(topic: "PRODUCTS_CREATE" | "PRODUCTS_UPDATE"): WebhookHandler<typeof productPayload> {
  return {
    topic,
    schema: productPayload,
    sync: CATALOG_SYNC,
    async handle({ db, shop, payload, delivery }) {
      await noteAndRefresh(db, shop, "product", payload.id, delivery.receivedAt);
    },
  };
}

export const productsCreate = productChanged("PRODUCTS_CREATE");
export const productsUpdate = productChanged("PRODUCTS_UPDATE");

export const productsDelete: WebhookHandler<typeof productPayload> = {
  topic: "PRODUCTS_DELETE",
  schema: productPayload,
  sync: CATALOG_SYNC,
  async handle({ db, shop, payload, delivery }) {
    await touch(db, shop, "product", payload.id, delivery.receivedAt);
    await replaceProduct(db, shop, payload.id, null, delivery.receivedAt);
  },
};

export const collectionsUpdate: WebhookHandler<typeof collectionPayload> = {
  topic: "COLLECTIONS_UPDATE",
  schema: collectionPayload,
  sync: CATALOG_SYNC,
  async handle({ db, shop, payload, delivery }) {
    await noteAndRefresh(db, shop, "collection", payload.id, delivery.receivedAt);
  },
};

export const inventoryLevelsUpdate: WebhookHandler<typeof inventoryPayload> = {
  topic: "INVENTORY_LEVELS_UPDATE",
  schema: inventoryPayload,
  sync: CATALOG_SYNC,
  async handle({ db, shop, payload, delivery }) {
    await noteAndRefresh(db, shop, "inventory", payload.inventory_item_id, delivery.receivedAt);
  },
};

export const catalogWebhookHandlers = [productsCreate, productsUpdate, productsDelete, collectionsUpdate, inventoryLevelsUpdate];
