/**
 * Starts a bulk query (app/bulk). `groupObjects: true` puts every nested-connection child right after its parent in
 * the JSONL (slower on Shopify's side; the default since 2025-10 is false, with no ordering promise). userErrors
 * with code OPERATION_IN_PROGRESS or LIMIT_REACHED mean the shop already runs as many bulk queries as Shopify
 * allows (5 at a time from 2026-01).
 */
export const BULK_OPERATION_RUN_QUERY_MUTATION = `#graphql
  mutation BulkOperationRunQuery($query: String!, $groupObjects: Boolean!) {
    bulkOperationRunQuery(query: $query, groupObjects: $groupObjects) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
` as const;
