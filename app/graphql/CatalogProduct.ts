/**
 * One product as the feed shows it, read again after a products/create or products/update webhook (and for a
 * product in more collections than CatalogProductsPage reads). Variants and collections are paged by their own
 * cursors; a product has up to 2,048 variants. Null when the product no longer exists.
 */
export const CATALOG_PRODUCT_QUERY = `#graphql
  query CatalogProduct($id: ID!, $variantsAfter: String, $collectionsAfter: String) {
    product(id: $id) {
      id
      title
      handle
      vendor
      status
      publishedAt
      onlineStoreUrl
      featuredMedia {
        preview {
          image {
            url
          }
        }
      }
      collections(first: 100, after: $collectionsAfter) {
        nodes {
          id
          title
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
      variants(first: 100, after: $variantsAfter) {
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
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
` as const;
