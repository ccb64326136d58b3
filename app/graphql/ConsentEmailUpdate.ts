/**
 * Consent push: one customer's email marketing consent, with the real consentUpdatedAt (when the person decided), so
 * Shopify keeps whichever decision is the most recent. The consent Shopify holds afterwards comes back: a
 * marketingUpdatedAt newer than the one sent means Shopify already held a newer decision and kept it.
 */
export const CONSENT_EMAIL_UPDATE_MUTATION = `#graphql
  mutation ConsentEmailUpdate($input: CustomerEmailMarketingConsentUpdateInput!) {
    customerEmailMarketingConsentUpdate(input: $input) {
      customer {
        id
        defaultEmailAddress {
          emailAddress
          marketingState
          marketingOptInLevel
          marketingUpdatedAt
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
