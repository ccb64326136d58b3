/**
 * The part of @shopify/web-pixels-extension (2.18) this extension uses, declared locally so that the app's
 * `tsc` checks the extension without the package installed in the app. When the Shopify CLI builds the extension
 * it bundles the real package (see ../README.md); these declarations follow its API
 * (https://shopify.dev/docs/api/web-pixels-api).
 */
declare module "@shopify/web-pixels-extension" {
  import type { CheckoutCompletedEvent } from "./payload";

  export interface WebPixelsBrowser {
    /** Runs in the top frame; resolves to whether the browser queued the beacon. */
    sendBeacon(url: string, body?: string): Promise<boolean>;
  }

  export interface WebPixelsAnalytics {
    subscribe(eventName: "checkout_completed", callback: (event: CheckoutCompletedEvent) => void): void;
    subscribe(eventName: string, callback: (event: unknown) => void): void;
  }

  export interface WebPixelsInit {
    data: {
      shop: {
        myshopifyDomain: string;
        name: string;
        storefrontUrl?: string | null;
        paymentSettings?: { currencyCode: string };
      };
    };
  }

  export interface ExtensionApi {
    analytics: WebPixelsAnalytics;
    browser: WebPixelsBrowser;
    init: WebPixelsInit;
    /** The settings the app stored with webPixelCreate / webPixelUpdate (string values). */
    settings: Record<string, unknown>;
  }

  export function register(extend: (api: ExtensionApi) => void): void;
}
