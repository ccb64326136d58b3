/** Replaces the settings of the app's web pixel (e.g. the endpoint after the app moved to another URL). */
export const WEB_PIXEL_UPDATE_MUTATION = `#graphql
  mutation WebPixelUpdate($id: ID!, $webPixel: WebPixelInput!) {
    webPixelUpdate(id: $id, webPixel: $webPixel) {
      webPixel {
        id
        settings
      }
      userErrors {
        field
        message
        code
      }
    }
  }
` as const;
