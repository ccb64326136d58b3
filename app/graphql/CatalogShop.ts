/**
 * What an export needs before it starts (app/catalog/export.server.ts): the shop's name, currency (every price of
 * the feed is in it) and primary domain, and how many variants it has, which decides between paginated reads
 * (≤ 500) and a bulk operation. `limit: null`: the exact count, not Shopify's default cap of 10,000.
 */
export const CATALOG_SHOP_QUERY = `#graphql
  query CatalogShop {
    shop {
      name
      currencyCode
      primaryDomain {
        url
      }
    }
    productVariantsCount(limit: null) {
      count
      precision
    }
  }
` as const;
