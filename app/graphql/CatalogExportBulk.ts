/**
 * The bulk export (> 500 variants): every product with its collections and variants, as one JSONL file. Every product,
 * whatever its status: unpublished ones are offered as inactive. Children (variants,
 * collections) are lines of their own with `__parentId` = the product's GID, told apart by `__typename`; the run
 * does not ask for groupObjects, so every line is applied on its own (app/catalog/export.server.ts).
 */
export const CATALOG_EXPORT_BULK_QUERY = `#graphql
  query CatalogExportBulk {
    products {
      edges {
        node {
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
          collections {
            edges {
              node {
                __typename
                id
                title
              }
            }
          }
          variants {
            edges {
              node {
                __typename
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
            }
          }
        }
      }
    }
  }
` as const;
