/**
 * The immediate export (≤ 500 variants), first half: a page of products with the collections each belongs to.
 * 50 products × 10 collections keeps the requested cost near 560, under Shopify's 1,000 per query, and the bucket
 * drains slowly; a product in more collections is read to the end with CatalogProduct. Same fields as the bulk query (CatalogExportBulk), mapped by
 * the same functions (app/catalog/mapping.ts).
 */
export const CATALOG_PRODUCTS_PAGE_QUERY = `#graphql
  query CatalogProductsPage($first: Int!, $after: String) {
    products(first: $first, after: $after) {
      nodes {
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
        collections(first: 10) {
          nodes {
            id
            title
          }
          pageInfo {
            hasNextPage
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
` as const;
