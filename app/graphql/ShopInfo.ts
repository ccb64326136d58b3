/** The shop's identity, for the home page and the shop record. */
export const SHOP_INFO_QUERY = `#graphql
  query ShopInfo {
    shop {
      id
      name
      myshopifyDomain
      currencyCode
      plan {
        partnerDevelopment
        shopifyPlus
      }
    }
  }
` as const;
