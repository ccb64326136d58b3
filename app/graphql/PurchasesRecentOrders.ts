/**
 * The purchase catch-up's first pass: ids and update times of the orders changed since `query`'s
 * `updated_at:>=` bound, oldest change first, 250 a page (about 250 cost points). Only orders missing here or stored
 * with an older `updated_at` are then read in full with PurchasesOrder.
 */
export const PURCHASES_RECENT_ORDERS_QUERY = `#graphql
  query PurchasesRecentOrders($first: Int!, $after: String, $query: String!) {
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes {
        id
        updatedAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
` as const;
