/**
 * After a collections/update webhook (whose body does not list the products): the collection's title and its
 * products' ids, 250 a page. Null when the collection no longer exists.
 */
export const CATALOG_COLLECTION_QUERY = `#graphql
  query CatalogCollection($id: ID!, $after: String) {
    collection(id: $id) {
      id
      title
      products(first: 250, after: $after) {
        nodes {
          id
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
` as const;
