import { WEBHOOK_SUBSCRIPTION_CREATE_MUTATION } from "~/graphql/WebhookSubscriptionCreate";
import { WEBHOOK_SUBSCRIPTION_DELETE_MUTATION } from "~/graphql/WebhookSubscriptionDelete";
import { WEBHOOK_SUBSCRIPTIONS_LIST_QUERY } from "~/graphql/WebhookSubscriptionsList";
import type { AdminClient } from "~/shopify/admin-client.server";
// The error classes are the ones admin-client.server re-exports, taken from their own module so that loading the
// job registry (health.server.ts imports this file) does not load the Shopify composition root.
import {
  AdminApiError,
  assertNoUserErrors,
  GraphqlErrorsError,
  ShopNeedsReauthError,
  ThrottledError,
  UserErrorsError,
} from "~/shopify/errors";
import type {
  WebhookSubscriptionCreateMutation,
  WebhookSubscriptionDeleteMutation,
  WebhookSubscriptionsListQuery,
} from "~/types/admin.generated";
import { TOPIC_SUBSCRIPTION_OPTIONS, type WebhookTopic } from "./definitions";
import type { RemoteSubscription } from "./reconcile";

/**
 * The three Admin API operations of the subscription lifecycle, through the one client wrapper (which retries,
 * throttles and records every call in the activity log under `sync`).
 */

const TAKEN = /already been taken/i;
const UNKNOWN_ID = /does not exist|not found/i;

/**
 * Creates the shop-specific subscription, or adopts the one Shopify already holds for this topic and uri (a
 * previous attempt that died before it could record the id; Shopify allows one per pair). Returns its GID.
 */
export async function createSubscription(
  client: AdminClient,
  input: { topic: WebhookTopic; uri: string; sync: string },
): Promise<{ id: string; adopted: boolean }> {
  const options = TOPIC_SUBSCRIPTION_OPTIONS[input.topic] ?? {};
  const data = await client.request<WebhookSubscriptionCreateMutation>(WEBHOOK_SUBSCRIPTION_CREATE_MUTATION, {
    variables: {
      topic: input.topic,
      webhookSubscription: {
        uri: input.uri,
        format: "JSON",
        ...(options.includeFields?.length ? { includeFields: options.includeFields } : {}),
        ...(options.filter ? { filter: options.filter } : {}),
      },
    },
    sync: input.sync,
  });
  const payload = data.webhookSubscriptionCreate;
  if (payload?.userErrors.length && payload.userErrors.every((e) => TAKEN.test(e.message))) {
    const existing = await findSubscription(client, input);
    if (existing) return { id: existing.id, adopted: true };
  }
  assertNoUserErrors(payload, "WebhookSubscriptionCreate");
  if (!payload.webhookSubscription) {
    throw new AdminApiError("WebhookSubscriptionCreate: Shopify returned no subscription", { operation: "WebhookSubscriptionCreate" });
  }
  return { id: payload.webhookSubscription.id, adopted: false };
}

/** Deletes one subscription. An id Shopify no longer knows counts as deleted ("missing"). */
export async function deleteSubscription(client: AdminClient, id: string, sync: string | null): Promise<"deleted" | "missing"> {
  const data = await client.request<WebhookSubscriptionDeleteMutation>(WEBHOOK_SUBSCRIPTION_DELETE_MUTATION, {
    variables: { id },
    sync,
  });
  const payload = data.webhookSubscriptionDelete;
  if (payload?.userErrors.length && payload.userErrors.every((e) => UNKNOWN_ID.test(e.message))) return "missing";
  assertNoUserErrors(payload, "WebhookSubscriptionDelete");
  return "deleted";
}

const PAGE_SIZE = 100;

/** Every API-created subscription of the shop (all pages). App-specific (toml) subscriptions are not among them. */
export async function listSubscriptions(client: AdminClient, sync: string | null = null): Promise<RemoteSubscription[]> {
  const all: RemoteSubscription[] = [];
  let after: string | null = null;
  for (;;) {
    const data: WebhookSubscriptionsListQuery = await client.request<WebhookSubscriptionsListQuery>(WEBHOOK_SUBSCRIPTIONS_LIST_QUERY, {
      variables: { first: PAGE_SIZE, after },
      sync,
    });
    const connection = data.webhookSubscriptions;
    for (const node of connection.nodes) all.push({ id: node.id, topic: node.topic, uri: node.uri });
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) return all;
    after = connection.pageInfo.endCursor;
  }
}

/** The shop's subscription for exactly this topic and uri, if Shopify holds one. */
export async function findSubscription(
  client: AdminClient,
  input: { topic: string; uri: string; sync: string | null },
): Promise<RemoteSubscription | null> {
  const data = await client.request<WebhookSubscriptionsListQuery>(WEBHOOK_SUBSCRIPTIONS_LIST_QUERY, {
    variables: { first: 5, topics: [input.topic], uri: input.uri },
    sync: input.sync,
  });
  // Filtered again here: the match must be exact whatever the server's filter semantics.
  const node = data.webhookSubscriptions.nodes.find((n) => n.topic === input.topic && n.uri === input.uri);
  return node ? { id: node.id, topic: node.topic, uri: node.uri } : null;
}

/**
 * Why a call to Shopify failed, in words a merchant can act on. Shopify's own text is kept where it says something
 * (a refused address), dropped where it is internal (GraphQL error codes).
 */
export function describeShopifyFailure(error: unknown): string {
  if (error instanceof ShopNeedsReauthError) {
    return "Shopify no longer accepts the app's access to your store. Open the app from your Shopify admin to reconnect it, then try again.";
  }
  if (error instanceof ThrottledError) {
    return "Shopify is receiving too many requests from the app right now. Try again in a minute.";
  }
  if (error instanceof UserErrorsError) {
    return `Shopify refused the change: ${error.userErrors.map((e) => e.message).join("; ")}. Try again; if it keeps failing, contact support.`;
  }
  if (error instanceof GraphqlErrorsError) {
    if (error.codes.includes("ACCESS_DENIED")) {
      return "Shopify denied access. The app may be missing a permission: turn the sync on again to grant it.";
    }
    return "Shopify rejected the app's request. Try again; if it keeps failing, contact support.";
  }
  if (error instanceof AdminApiError) {
    return error.status && error.status >= 500
      ? `Shopify had a temporary problem (HTTP ${error.status}). Try again in a few minutes.`
      : "The app could not reach Shopify. Try again in a few minutes.";
  }
  return "Something went wrong in the app. Try again; if it keeps failing, contact support.";
}
