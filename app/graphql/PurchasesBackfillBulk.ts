/**
 * "Import past orders": the bulk query template of the `purchases.backfill` run (app/purchases/backfill.server.ts).
 * Bulk queries take no variables: `bulkDocument()` (app/bulk/document.ts) writes the values into the text before
 * it is sent, so this template is still validated and typed like any other operation. The same fields as
 * PurchasesOrder; nested connections arrive as their own JSONL lines (`__parentId` = the order's id), told apart by
 * `__typename`, and the run asks for groupObjects so that they follow their order.
 */
export const PURCHASES_BACKFILL_BULK_QUERY = `#graphql
  query PurchasesBackfillBulk($search: String!, $withCustomer: Boolean!, $withProducts: Boolean!) {
    orders(query: $search, sortKey: CREATED_AT) {
      edges {
        node {
          id
          name
          number
          email
          customer @include(if: $withCustomer) {
            id
            defaultEmailAddress {
              emailAddress
            }
          }
          currencyCode
          presentmentCurrencyCode
          totalPriceSet {
            shopMoney {
              amount
              currencyCode
            }
            presentmentMoney {
              amount
              currencyCode
            }
          }
          sourceName
          tags
          test
          createdAt
          processedAt
          updatedAt
          discountApplications {
            edges {
              node {
                __typename
                index
                targetType
                value {
                  __typename
                }
                ... on DiscountCodeApplication {
                  code
                }
              }
            }
          }
          shippingLines {
            edges {
              node {
                __typename
                discountAllocations {
                  allocatedAmountSet {
                    shopMoney {
                      amount
                    }
                  }
                  discountApplication {
                    index
                  }
                }
              }
            }
          }
          lineItems {
            edges {
              node {
                __typename
                id
                sku
                title
                quantity
                product @include(if: $withProducts) {
                  id
                }
                variant @include(if: $withProducts) {
                  id
                }
                originalUnitPriceSet {
                  shopMoney {
                    amount
                  }
                }
                discountAllocations {
                  allocatedAmountSet {
                    shopMoney {
                      amount
                    }
                  }
                  discountApplication {
                    index
                  }
                }
              }
            }
          }
        }
      }
    }
  }
` as const;
