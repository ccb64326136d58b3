/**
 * Activates the app's web pixel extension on the shop with its settings (a JSON string matching the `[settings]`
 * of extensions/purchase-pixel/shopify.extension.toml). A second create answers userError code TAKEN.
 */
export const WEB_PIXEL_CREATE_MUTATION = `#graphql
  mutation WebPixelCreate($webPixel: WebPixelInput!) {
    webPixelCreate(webPixel: $webPixel) {
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
