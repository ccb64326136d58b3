/**
 * One bulk operation by id, polled by the bulk runner until it finishes. `url` / `partialDataUrl` are signed links
 * to the JSONL, valid for seven days after `completedAt` (then the status reads EXPIRED).
 */
export const BULK_OPERATION_STATUS_QUERY = `#graphql
  query BulkOperationStatus($id: ID!) {
    bulkOperation(id: $id) {
      id
      status
      errorCode
      objectCount
      rootObjectCount
      fileSize
      url
      partialDataUrl
      completedAt
    }
  }
` as const;
