/**
 * The immediate export (≤ 500 variants), second half: variants 100 a page, each naming its product. Variant
 * `image` is deprecated in favour of `media`, but `media` is a connection: inside the bulk query it would be a
 * third level of nesting, which Shopify refuses, so both queries read `image` and map one shape.
 */
export const CATALOG_VARIANTS_PAGE_QUERY = `#graphql
  query CatalogVariantsPage($first: Int!, $after: String) {
    productVariants(first: $first, after: $after) {
      nodes {
        id
        title
        position
        sku
        barcode
        price
        inventoryQuantity
        selectedOptions {
          name
          value
        }
        image {
          url
        }
        inventoryItem {
          id
          measurement {
            weight {
              unit
              value
            }
          }
        }
        product {
          id
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
` as const;
