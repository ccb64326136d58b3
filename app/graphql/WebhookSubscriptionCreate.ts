/**
 * One shop-specific webhook subscription for a sync topic. The caller checks `userErrors`: "Address for this topic
 * has already been taken" means the subscription exists and is adopted (app/syncs/shopify.server.ts).
 */
export const WEBHOOK_SUBSCRIPTION_CREATE_MUTATION = `#graphql
  mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
    webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
      webhookSubscription {
        id
        topic
        uri
      }
      userErrors {
        field
        message
      }
    }
  }
` as const;
