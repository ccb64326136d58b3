/** Removes the app's web pixel from the shop: the storefront stops loading it. An unknown id answers NOT_FOUND. */
export const WEB_PIXEL_DELETE_MUTATION = `#graphql
  mutation WebPixelDelete($id: ID!) {
    webPixelDelete(id: $id) {
      deletedWebPixelId
      userErrors {
        field
        message
        code
      }
    }
  }
` as const;
