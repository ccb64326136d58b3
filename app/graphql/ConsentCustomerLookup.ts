/**
 * Consent push (app/consent/push.server.ts): finds the customer a platform change names, by email or phone, when the
 * app has no consent record for that address yet, with the consent Shopify holds (its marketingUpdatedAt decides
 * whether the change is stale). `customer: null` when nobody has that email or phone: the push creates one.
 */
export const CONSENT_CUSTOMER_LOOKUP_QUERY = `#graphql
  query ConsentCustomerLookup($identifier: CustomerIdentifierInput!) {
    customer: customerByIdentifier(identifier: $identifier) {
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
` as const;
