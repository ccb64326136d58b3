import { register } from "@shopify/web-pixels-extension";

import { buildPurchaseReport } from "./payload";

/**
 * The purchase sync's web pixel. Runs in Shopify's strict sandbox on the storefront, checkout and thank-you pages;
 * Shopify calls this once per page with the settings the app stored through webPixelCreate.
 */
register(({ analytics, browser, init, settings }) => {
  const endpoint = typeof settings.endpoint === "string" ? settings.endpoint : "";
  const shop = init.data.shop.myshopifyDomain;
  if (!endpoint || !shop) return;

  analytics.subscribe("checkout_completed", (event) => {
    const report = buildPurchaseReport(event, shop);
    if (!report) return;
    const body = JSON.stringify(report);
    // text/plain keeps it a "simple" request: no CORS preflight. keepalive lets it finish if the page unloads.
    fetch(endpoint, {
      method: "POST",
      body,
      keepalive: true,
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      credentials: "omit",
    }).catch(() => browser.sendBeacon(endpoint, body).catch(() => false));
  });
});
