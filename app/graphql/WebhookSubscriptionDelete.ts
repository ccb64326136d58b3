/**
 * Deletes one shop-specific webhook subscription. The caller checks `userErrors`: an unknown id answers
 * "Webhook subscription does not exist" (field ["id"]), which the lifecycle treats as already deleted.
 */
export const WEBHOOK_SUBSCRIPTION_DELETE_MUTATION = `#graphql
  mutation WebhookSubscriptionDelete($id: ID!) {
    webhookSubscriptionDelete(id: $id) {
      deletedWebhookSubscriptionId
      userErrors {
        field
        message
      }
    }
  }
` as const;
