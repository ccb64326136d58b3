/**
 * One order with everything a purchase stores (app/purchases/graphql-mapping.ts turns it into the same registration
 * as the orders/create webhook payload). Line items come 50 at a time: an order with more is read again with
 * `lineItemsAfter` for the rest. `customer` needs read_customers and line items' product/variant need read_products:
 * without those scopes they are left out (`withCustomer` / `withProducts` false) instead of failing the query.
 */
export const PURCHASES_ORDER_QUERY = `#graphql
  query PurchasesOrder($id: ID!, $lineItemsAfter: String, $withCustomer: Boolean!, $withProducts: Boolean!) {
    order(id: $id) {
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
      discountApplications(first: 20) {
        nodes {
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
      shippingLines(first: 5) {
        nodes {
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
      lineItems(first: 50, after: $lineItemsAfter) {
        nodes {
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
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
` as const;
