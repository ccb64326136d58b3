/**
 * Consent push: creates the customer a platform change names when Shopify has nobody with that email or phone
 * (`identifier` is the same email or phone, so a customer created meanwhile is found, not doubled). CustomerSetInput
 * has no consent fields: the consent is written next with ConsentEmailUpdate / ConsentSmsUpdate.
 */
export const CONSENT_CUSTOMER_SET_MUTATION = `#graphql
  mutation ConsentCustomerSet($identifier: CustomerSetIdentifiers!, $input: CustomerSetInput!) {
    customerSet(identifier: $identifier, input: $input) {
      customer {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
` as const;
