/**
 * The shop's API-created webhook subscriptions, one page at a time; `topics` and `uri` narrow it to one
 * subscription when adopting an existing one. App-specific subscriptions from shopify.app.toml are not listed.
 */
export const WEBHOOK_SUBSCRIPTIONS_LIST_QUERY = `#graphql
  query WebhookSubscriptionsList($first: Int!, $after: String, $topics: [WebhookSubscriptionTopic!], $uri: String) {
    webhookSubscriptions(first: $first, after: $after, topics: $topics, uri: $uri) {
      nodes {
        id
        topic
        uri
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
` as const;
