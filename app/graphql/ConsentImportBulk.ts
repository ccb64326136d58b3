/**
 * "Import existing customers" (app/consent/import.server.ts): the bulk query template of the `consent.import` run.
 * Every customer with the consent of its default email address and phone number; no nested connection, so each
 * JSONL line is one whole customer. `$search` narrows it (tests); the import sends an empty one.
 */
export const CONSENT_IMPORT_BULK_QUERY = `#graphql
  query ConsentImportBulk($search: String!) {
    customers(query: $search) {
      edges {
        node {
          id
          defaultEmailAddress {
            emailAddress
            marketingState
            marketingOptInLevel
            marketingUpdatedAt
          }
          defaultPhoneNumber {
            phoneNumber
            marketingState
            marketingOptInLevel
            marketingUpdatedAt
            marketingCollectedFrom
          }
        }
      }
    }
  }
` as const;
