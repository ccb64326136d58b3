/**
 * Consent push: one customer's SMS marketing consent, with the real consentUpdatedAt. As ConsentEmailUpdate, the
 * consent Shopify holds afterwards comes back.
 */
export const CONSENT_SMS_UPDATE_MUTATION = `#graphql
  mutation ConsentSmsUpdate($input: CustomerSmsMarketingConsentUpdateInput!) {
    customerSmsMarketingConsentUpdate(input: $input) {
      customer {
        id
        defaultPhoneNumber {
          phoneNumber
          marketingState
          marketingOptInLevel
          marketingUpdatedAt
          marketingCollectedFrom
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
` as const;
