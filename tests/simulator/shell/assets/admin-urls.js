// Shared by the App Bridge stand-in and the admin shell page (concatenated into both scripts, so it must stay a
// plain function declaration with no module syntax).
//
// Shopify answers some requests by sending the browser to the admin: scopes.request() to
// https://<shop>.myshopify.com/admin/oauth/install?..., redirect("shopify://admin/...") to
// https://admin.shopify.com/store/<name>/..., the exit-iframe page to either. Those hosts do not resolve here, so
// every top-level navigation the stand-in or the shell makes goes through this function first. It maps the admin
// onto the simulator the way Shopify itself folds <shop>.myshopify.com/admin into admin.shopify.com/store/<name>:
//   https://<name>.myshopify.com/admin/<rest>   -> <simulator>/store/<name>/<rest>
//   https://admin.shopify.com/store/<name>/<rest> -> <simulator>/store/<name>/<rest>
//   shopify://admin/<rest>                       -> <simulator>/store/<current shop name>/<rest>
// Anything else (the app's own URLs, third-party sites) is returned unchanged.
function synclineToSimulatorUrl(raw, simulatorOrigin, currentShop) {
  var text = String(raw);
  var adminScheme = /^shopify:\/*admin(\/[^?#]*)?([?#].*)?$/i.exec(text);
  if (adminScheme) {
    var name = String(currentShop || "").replace(/\.myshopify\.com$/i, "");
    if (!name) return text;
    return simulatorOrigin + "/store/" + name + (adminScheme[1] || "") + (adminScheme[2] || "");
  }
  var url;
  try {
    url = new URL(text);
  } catch (_error) {
    return text;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return text;
  var shopHost = /^([a-z0-9][a-z0-9-]*)\.myshopify\.com$/i.exec(url.hostname);
  if (shopHost && (url.pathname === "/admin" || url.pathname.indexOf("/admin/") === 0)) {
    return simulatorOrigin + "/store/" + shopHost[1].toLowerCase() + url.pathname.slice("/admin".length) + url.search + url.hash;
  }
  if (url.hostname === "admin.shopify.com" && /^\/store\/[a-z0-9][a-z0-9-]*(\/|$)/i.test(url.pathname)) {
    return simulatorOrigin + url.pathname + url.search + url.hash;
  }
  return text;
}
