/** Stops a running bulk query whose run no longer wants it (its sync was turned off). */
export const BULK_OPERATION_CANCEL_MUTATION = `#graphql
  mutation BulkOperationCancel($id: ID!) {
    bulkOperationCancel(id: $id) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
      }
    }
  }
` as const;
