/**
 * The app's own web pixel on the shop (an app has at most one). With no pixel Shopify answers a top-level error
 * "No web pixel was found for this app." and `webPixel: null`, not a null without errors.
 */
export const WEB_PIXEL_QUERY = `#graphql
  query WebPixel {
    webPixel {
      id
      settings
    }
  }
` as const;
