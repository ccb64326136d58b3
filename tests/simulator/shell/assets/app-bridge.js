/* global synclineToSimulatorUrl */
// Local stand-in for https://cdn.shopify.com/shopifycloud/app-bridge.js (App Bridge v4), loaded inside the app's
// iframe. It implements the part of window.shopify the app uses and talks to the simulator's admin shell (the
// parent window) with postMessage, the way the real script talks to Shopify admin. The simulator serves it after
// admin-urls.js, both inside one function scope, so synclineToSimulatorUrl is in scope and nothing else leaks
// into the app's globals except window.shopify.
(function () {
"use strict";

if (window.shopify && window.shopify.__synclineStandIn) return;

var script =
  document.currentScript || document.querySelector('script[src$="/app-bridge.js"], script[src*="/app-bridge.js?"]');
// The shell lives where this script was served from; only that origin may talk to us and hand us tokens.
var SHELL_ORIGIN = script ? new URL(script.src, location.href).origin : location.origin;
var apiKeyMeta = document.querySelector('meta[name="shopify-api-key"]');
var initialParams = new URLSearchParams(location.search);
// Embedded means: directly inside the admin shell. A page nested deeper (a ui-modal src page inside the app
// frame) has a parent that is not the shell and must not wait for answers that will never come.
var embedded =
  window.parent !== window &&
  (!location.ancestorOrigins || location.ancestorOrigins.length === 0 || location.ancestorOrigins[0] === SHELL_ORIGIN);

// Query parameters Shopify adds to an embedded load; they are not part of the app's own location.
var EMBEDDED_PARAMS = ["embedded", "hmac", "host", "id_token", "locale", "session", "shop", "timestamp", "appLoadId"];

var config = {
  apiKey: (script && script.getAttribute("data-api-key")) || (apiKeyMeta && apiKeyMeta.content) || "",
  shop: initialParams.get("shop") || "",
  host: initialParams.get("host") || "",
  locale: initialParams.get("locale") || "en",
  appOrigins: [],
};
var appOriginsMeta = document.querySelector('meta[name="shopify-app-origins"]');
if (appOriginsMeta && appOriginsMeta.content) {
  config.appOrigins = appOriginsMeta.content.split(",").map(function (s) {
    return s.trim();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Messaging with the shell

var seq = 0;
var pending = {};
var readyResolve;
var ready = new Promise(function (resolve) {
  readyResolve = resolve;
});
if (!embedded) readyResolve();

// The app's document can run before the shell page has installed its listener (both load in parallel), so
// everything but "ready" waits for the shell's "hello", and "ready" repeats until it comes.
var connected = false;
var outbox = [];

function post(message) {
  if (!embedded) return;
  message.source = "syncline-app-bridge";
  if (!connected && message.type !== "ready") {
    outbox.push(message);
    return;
  }
  window.parent.postMessage(message, SHELL_ORIGIN);
}

function announce(attempt) {
  if (connected || attempt > 100) return;
  post({ type: "ready", apiKey: config.apiKey, path: appPath(location) });
  setTimeout(function () {
    announce(attempt + 1);
  }, 100);
}

function ask(type, payload, timeoutMs) {
  if (!embedded) {
    return Promise.reject(new Error("App Bridge stand-in: shopify." + type + " needs the app to run inside the admin shell"));
  }
  return new Promise(function (resolve, reject) {
    var id = ++seq;
    var timer = setTimeout(function () {
      delete pending[id];
      reject(new Error("App Bridge stand-in: the admin shell did not answer " + type));
    }, timeoutMs || 15000);
    pending[id] = {
      resolve: function (value) {
        clearTimeout(timer);
        resolve(value);
      },
      reject: function (error) {
        clearTimeout(timer);
        reject(error);
      },
    };
    var message = { type: type, id: id };
    for (var key in payload) message[key] = payload[key];
    post(message);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Session tokens

var cachedToken = null;
var cachedTokenExp = 0;
var inFlightToken = null;

function tokenExpiry(token) {
  try {
    var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part)).exp * 1000;
  } catch (_error) {
    return 0;
  }
}

function idToken(forceFresh) {
  // Shopify tokens live one minute; reuse one while it has a safe margin left, as App Bridge does.
  if (!forceFresh && cachedToken && cachedTokenExp - Date.now() > 10000) return Promise.resolve(cachedToken);
  if (inFlightToken) return inFlightToken;
  inFlightToken = ask("id-token", {})
    .then(function (token) {
      cachedToken = token;
      cachedTokenExp = tokenExpiry(token);
      return token;
    })
    .finally(function () {
      inFlightToken = null;
    });
  return inFlightToken;
}

// ---------------------------------------------------------------------------------------------------------------
// Top-level navigation (reauthorize headers, exit-iframe pages, target=_top links)

function redirectTop(url) {
  var target = synclineToSimulatorUrl(url, SHELL_ORIGIN, config.shop);
  if (embedded) {
    post({ type: "redirect-top", url: target });
  } else {
    location.assign(target);
  }
}

var originalOpen = window.open;
window.open = function (url, target) {
  // The library's exit-iframe and redirect pages call window.open(url, "_top" | "_parent"); a cross-origin frame
  // may not navigate the top window itself, so the shell does it.
  if (url != null && (target === "_top" || target === "_parent")) {
    redirectTop(String(url));
    return null;
  }
  return originalOpen.apply(window, arguments);
};

document.addEventListener("click", function (event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  var anchor = event.target && event.target.closest ? event.target.closest("a[href]") : null;
  if (!anchor) return;
  var href = anchor.getAttribute("href");
  var target = anchor.getAttribute("target");
  if (/^shopify:/i.test(href) || target === "_top" || target === "_parent") {
    event.preventDefault();
    redirectTop(anchor.href && !/^shopify:/i.test(href) ? anchor.href : href);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Authenticated fetch: App Bridge v4 adds the session token to the app's own requests, which is how Remix loader
// and action fetches pass authenticate.admin without the id_token query parameter.

var REAUTH_URL_HEADER = "X-Shopify-API-Request-Failure-Reauthorize-Url";
var RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request";
var originalFetch = window.fetch.bind(window);

function shouldAuthorize(url) {
  var origin;
  try {
    origin = new URL(url, location.href).origin;
  } catch (_error) {
    return false;
  }
  return origin === location.origin || config.appOrigins.indexOf(origin) !== -1;
}

function sendWithToken(request, forceFresh) {
  return idToken(forceFresh).then(
    function (token) {
      request.headers.set("Authorization", "Bearer " + token);
      return originalFetch(request);
    },
    function (error) {
      console.warn("[app-bridge stand-in] sending request without a session token:", error.message);
      return originalFetch(request);
    },
  );
}

function followReauthorize(response) {
  var reauthUrl = response.headers.get(REAUTH_URL_HEADER);
  if (response.status !== 401 || !reauthUrl) return response;
  redirectTop(reauthUrl);
  // The page is about to be replaced; keeping the promise pending stops the app from rendering an error for a
  // 401 that is really a redirect. If the navigation never happens, give the app its response after all.
  return new Promise(function (resolve) {
    setTimeout(function () {
      resolve(response);
    }, 5000);
  });
}

window.fetch = function (input, init) {
  var request;
  try {
    request = new Request(input, init);
  } catch (_error) {
    return originalFetch(input, init);
  }
  if (!embedded || !shouldAuthorize(request.url) || request.headers.has("Authorization")) {
    return originalFetch(request);
  }
  var retry = request.clone();
  return sendWithToken(request, false).then(function (response) {
    if (response.headers.get(RETRY_HEADER) === "1") {
      return sendWithToken(retry, true).then(followReauthorize);
    }
    return followReauthorize(response);
  });
};

// ---------------------------------------------------------------------------------------------------------------
// Location sync: the shell mirrors the app's path in its own URL so reloads and shared links deep-link.

function appPath(loc) {
  var url = new URL(loc.href);
  EMBEDDED_PARAMS.forEach(function (name) {
    url.searchParams.delete(name);
  });
  return url.pathname + url.search + url.hash;
}

function reportLocation() {
  post({ type: "location", path: appPath(location) });
}

["pushState", "replaceState"].forEach(function (method) {
  var original = history[method];
  history[method] = function () {
    var result = original.apply(this, arguments);
    reportLocation();
    return result;
  };
});
window.addEventListener("popstate", reportLocation);

// ---------------------------------------------------------------------------------------------------------------
// Navigation requested by the shell (nav menu, breadcrumbs). App Bridge dispatches "shopify:navigate" on the link
// and lets the app's router handle it (shopify-app-remix's AppProvider listens on window and calls navigate()).
// When nobody listens, fall back to a full load of that path with a fresh token.

var navigateListeners = 0;
[window, document].forEach(function (targetObject) {
  var add = targetObject.addEventListener;
  var remove = targetObject.removeEventListener;
  targetObject.addEventListener = function (type) {
    if (type === "shopify:navigate") navigateListeners++;
    return add.apply(this, arguments);
  };
  targetObject.removeEventListener = function (type) {
    if (type === "shopify:navigate") navigateListeners = Math.max(0, navigateListeners - 1);
    return remove.apply(this, arguments);
  };
});

function embeddedUrl(href, token) {
  var url = new URL(href, location.href);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", config.shop);
  url.searchParams.set("host", config.host);
  url.searchParams.set("locale", config.locale);
  url.searchParams.set("id_token", token);
  return url.href;
}

function navigateInApp(href, anchor) {
  if (/^shopify:/i.test(href) || !shouldAuthorize(href)) {
    redirectTop(new URL(href, location.href).href);
    return;
  }
  if (navigateListeners > 0) {
    var element = anchor;
    var temporary = !element || !element.isConnected;
    if (temporary) {
      element = document.createElement("a");
      element.setAttribute("href", href);
      element.hidden = true;
      document.body.appendChild(element);
    }
    element.dispatchEvent(new CustomEvent("shopify:navigate", { bubbles: true, composed: true }));
    if (temporary) element.remove();
    return;
  }
  idToken(false).then(
    function (token) {
      location.assign(embeddedUrl(href, token));
    },
    function () {
      location.assign(new URL(href, location.href).href);
    },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Styles: ui-* elements are declarations for the admin, not content. The modal renders inside the frame (its
// content is the app's own DOM, which cannot cross origins); the shell dims its own chrome around it.

var style = document.createElement("style");
style.id = "syncline-app-bridge-style";
style.textContent = [
  "ui-nav-menu, ui-title-bar, ui-save-bar, ui-modal { display: none !important; }",
  ".sab-modal-backdrop { position: fixed; inset: 0; z-index: 2147483000; background: rgba(0,0,0,.5);",
  "  display: flex; align-items: flex-start; justify-content: center; padding: 56px 16px; overflow: auto; }",
  ".sab-modal-backdrop[hidden] { display: none; }",
  ".sab-modal { background: #fff; border-radius: 12px; box-shadow: 0 20px 40px rgba(0,0,0,.25); width: 620px;",
  "  max-width: 100%; font: 13px/1.4 -apple-system, BlinkMacSystemFont, 'San Francisco', 'Segoe UI', Roboto, sans-serif;",
  "  color: #303030; display: flex; flex-direction: column; max-height: calc(100vh - 112px); }",
  ".sab-modal[data-variant=small] { width: 380px; } .sab-modal[data-variant=large] { width: 980px; }",
  ".sab-modal[data-variant=max] { width: 100%; height: calc(100vh - 112px); }",
  ".sab-modal-header { display: flex; align-items: center; justify-content: space-between; padding: 12px 16px;",
  "  background: #f3f3f3; border-bottom: 1px solid #e3e3e3; border-radius: 12px 12px 0 0; }",
  ".sab-modal-header h2 { margin: 0; font-size: 14px; font-weight: 650; }",
  ".sab-modal-close { border: 0; background: transparent; font-size: 20px; line-height: 1; cursor: pointer;",
  "  color: #4a4a4a; border-radius: 8px; width: 28px; height: 28px; }",
  ".sab-modal-close:hover { background: #e3e3e3; }",
  ".sab-modal-body { padding: 16px; overflow: auto; flex: 1; }",
  ".sab-modal-body > iframe { border: 0; width: 100%; height: 100%; min-height: 320px; }",
  ".sab-modal-footer { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 16px;",
  "  border-top: 1px solid #e3e3e3; }",
  ".sab-modal-footer:empty { display: none; }",
  ".sab-button { font: inherit; font-weight: 550; padding: 6px 12px; border-radius: 8px; cursor: pointer;",
  "  border: 0; background: #fff; color: #303030; box-shadow: 0 0 0 1px #d4d4d4, 0 1px 0 #b5b5b5; }",
  ".sab-button[data-variant=primary] { background: #303030; color: #fff; box-shadow: 0 1px 0 #000; }",
  ".sab-button[data-tone=critical] { background: #c70a24; color: #fff; box-shadow: none; }",
  ".sab-button:disabled { opacity: .5; cursor: default; }",
].join("\n");
(document.head || document.documentElement).appendChild(style);

// ---------------------------------------------------------------------------------------------------------------
// Serialising declarative ui-* children for the shell

function actionList(container) {
  var items = [];
  Array.prototype.forEach.call(container.children, function (child) {
    var tag = child.tagName.toLowerCase();
    if (tag === "button" || tag === "a") {
      items.push(child);
    } else if (tag === "section") {
      Array.prototype.forEach.call(child.querySelectorAll("button, a"), function (nested) {
        items.push(nested);
      });
    }
  });
  return items;
}

function describeAction(element, index) {
  var section = element.parentElement && element.parentElement.tagName.toLowerCase() === "section" ? element.parentElement : null;
  return {
    index: index,
    label: (element.textContent || "").trim(),
    kind: element.tagName.toLowerCase(),
    href: element.getAttribute("href"),
    variant: element.getAttribute("variant") || "",
    tone: element.getAttribute("tone") || "",
    disabled: element.hasAttribute("disabled") && element.getAttribute("disabled") !== "false",
    loading: element.hasAttribute("loading") && element.getAttribute("loading") !== "false",
    group: section ? section.getAttribute("label") || "More actions" : "",
  };
}

function activate(element) {
  if (!element) return;
  if (element.tagName.toLowerCase() === "a") {
    var href = element.getAttribute("href");
    if (href) navigateInApp(href, element);
    return;
  }
  element.click();
}

var scheduled = {};
function schedule(name, fn) {
  if (scheduled[name]) return;
  scheduled[name] = true;
  queueMicrotask(function () {
    scheduled[name] = false;
    fn();
  });
}

function watch(element, name, fn) {
  var observer = new MutationObserver(function () {
    schedule(name, fn);
  });
  observer.observe(element, { childList: true, subtree: true, attributes: true, characterData: true });
  return observer;
}

// ---------------------------------------------------------------------------------------------------------------
// <ui-nav-menu>

function currentNavMenu() {
  return document.querySelector("ui-nav-menu");
}

function sendNavMenu() {
  var menu = currentNavMenu();
  var links = menu ? Array.prototype.slice.call(menu.querySelectorAll("a[href]")) : [];
  post({
    type: "nav-menu",
    items: links.map(function (link) {
      return {
        href: link.getAttribute("href"),
        label: (link.textContent || "").trim(),
        home: (link.getAttribute("rel") || "").split(/\s+/).indexOf("home") !== -1,
      };
    }),
  });
}

class UiNavMenu extends HTMLElement {
  connectedCallback() {
    this._observer = watch(this, "nav-menu", sendNavMenu);
    schedule("nav-menu", sendNavMenu);
  }
  disconnectedCallback() {
    if (this._observer) this._observer.disconnect();
    schedule("nav-menu", sendNavMenu);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// <ui-title-bar> (page title bar, or a modal's header and footer when inside <ui-modal>)

function pageTitleBar() {
  var bars = document.querySelectorAll("ui-title-bar");
  for (var i = bars.length - 1; i >= 0; i--) {
    if (!bars[i].closest("ui-modal")) return bars[i];
  }
  return null;
}

function sendTitleBar() {
  var bar = pageTitleBar();
  if (!bar) {
    post({ type: "title-bar", present: false });
    return;
  }
  var actions = actionList(bar).map(describeAction);
  post({
    type: "title-bar",
    present: true,
    title: bar.getAttribute("title") || "",
    breadcrumb:
      actions.filter(function (a) {
        return a.variant === "breadcrumb";
      })[0] || null,
    primary:
      actions.filter(function (a) {
        return a.variant === "primary";
      })[0] || null,
    secondary: actions.filter(function (a) {
      return a.variant !== "primary" && a.variant !== "breadcrumb";
    }),
  });
}

class UiTitleBar extends HTMLElement {
  connectedCallback() {
    this._observer = watch(this, "title-bar", sendTitleBar);
    schedule("title-bar", sendTitleBar);
    var modal = this.closest("ui-modal");
    if (modal && modal._refresh) modal._refresh();
  }
  disconnectedCallback() {
    if (this._observer) this._observer.disconnect();
    schedule("title-bar", sendTitleBar);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// <ui-save-bar>

var shownSaveBar = null;

function sendSaveBar() {
  if (!shownSaveBar || !shownSaveBar.isConnected) {
    post({ type: "save-bar", showing: false });
    return;
  }
  post({
    type: "save-bar",
    showing: true,
    id: shownSaveBar.id || "",
    discardConfirmation: shownSaveBar.hasAttribute("discardConfirmation"),
    actions: actionList(shownSaveBar).map(describeAction),
  });
}

class UiSaveBar extends HTMLElement {
  get showing() {
    return shownSaveBar === this;
  }
  show() {
    if (shownSaveBar !== this) {
      var previous = shownSaveBar;
      shownSaveBar = this;
      if (previous) previous.dispatchEvent(new Event("hide"));
      this.dispatchEvent(new Event("show"));
    }
    sendSaveBar();
    return Promise.resolve();
  }
  hide() {
    if (shownSaveBar === this) {
      shownSaveBar = null;
      this.dispatchEvent(new Event("hide"));
      sendSaveBar();
    }
    return Promise.resolve();
  }
  toggle() {
    return this.showing ? this.hide() : this.show();
  }
  connectedCallback() {
    this._observer = watch(this, "save-bar", sendSaveBar);
  }
  disconnectedCallback() {
    if (this._observer) this._observer.disconnect();
    if (shownSaveBar === this) {
      shownSaveBar = null;
      sendSaveBar();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// <ui-modal>

var openModals = 0;

class UiModal extends HTMLElement {
  constructor() {
    super();
    this._open = false;
    this._backdrop = null;
    this._content = null;
  }
  // @shopify/app-bridge-react's <Modal> portals its children into this element.
  get content() {
    this._ensureDom();
    return this._content;
  }
  get src() {
    return this.getAttribute("src") || undefined;
  }
  set src(value) {
    if (value) this.setAttribute("src", value);
    else this.removeAttribute("src");
  }
  get contentWindow() {
    var frame = this._backdrop && this._backdrop.querySelector(".sab-modal-body > iframe");
    return frame ? frame.contentWindow : null;
  }
  get open() {
    return this._open;
  }
  get variant() {
    return this.getAttribute("variant") || "base";
  }
  set variant(value) {
    this.setAttribute("variant", value);
  }
  _ensureDom() {
    if (this._backdrop) return;
    var self = this;
    var backdrop = document.createElement("div");
    backdrop.className = "sab-modal-backdrop";
    backdrop.hidden = true;
    var dialog = document.createElement("div");
    dialog.className = "sab-modal";
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    var header = document.createElement("div");
    header.className = "sab-modal-header";
    var heading = document.createElement("h2");
    heading.id = "sab-modal-title-" + ++seq;
    dialog.setAttribute("aria-labelledby", heading.id);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "sab-modal-close";
    close.setAttribute("aria-label", "Close");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () {
      self.hide();
    });
    header.appendChild(heading);
    header.appendChild(close);
    var body = document.createElement("div");
    body.className = "sab-modal-body";
    var content = document.createElement("div");
    body.appendChild(content);
    var footer = document.createElement("div");
    footer.className = "sab-modal-footer";
    dialog.appendChild(header);
    dialog.appendChild(body);
    dialog.appendChild(footer);
    backdrop.appendChild(dialog);
    backdrop.addEventListener("click", function (event) {
      if (event.target === backdrop) self.hide();
    });
    this._backdrop = backdrop;
    this._content = content;
    (document.body || document.documentElement).appendChild(backdrop);
  }
  _refresh() {
    if (!this._backdrop) return;
    var dialog = this._backdrop.firstChild;
    dialog.setAttribute("data-variant", this.variant);
    var bar = this.querySelector("ui-title-bar");
    dialog.querySelector("h2").textContent = bar ? bar.getAttribute("title") || "" : "";
    var footer = dialog.querySelector(".sab-modal-footer");
    footer.textContent = "";
    if (bar) {
      actionList(bar).forEach(function (original, index) {
        var info = describeAction(original, index);
        var proxy = document.createElement("button");
        proxy.type = "button";
        proxy.className = "sab-button";
        proxy.textContent = info.label;
        if (info.variant) proxy.setAttribute("data-variant", info.variant);
        if (info.tone) proxy.setAttribute("data-tone", info.tone);
        proxy.disabled = info.disabled || info.loading;
        proxy.addEventListener("click", function () {
          activate(original);
        });
        footer.appendChild(proxy);
      });
    }
    var body = dialog.querySelector(".sab-modal-body");
    var frame = body.querySelector(":scope > iframe");
    if (this.src) {
      if (!frame) {
        frame = document.createElement("iframe");
        body.appendChild(frame);
      }
      if (frame.getAttribute("src") !== this.src) frame.setAttribute("src", this.src);
      this._content.hidden = true;
    } else {
      if (frame) frame.remove();
      this._content.hidden = false;
      // Plain-HTML modals declare their body as children; React modals portal into content instead.
      if (!this._content.hasChildNodes() || this._content.hasAttribute("data-sab-mirror")) {
        var mirror = [];
        Array.prototype.forEach.call(this.children, function (child) {
          var tag = child.tagName.toLowerCase();
          if (tag !== "ui-title-bar" && tag !== "ui-save-bar" && child.textContent.trim()) mirror.push(child.cloneNode(true));
        });
        if (mirror.length) {
          this._content.textContent = "";
          this._content.setAttribute("data-sab-mirror", "");
          var target = this._content;
          mirror.forEach(function (node) {
            target.appendChild(node);
          });
        }
      }
    }
  }
  show() {
    this._ensureDom();
    this._refresh();
    if (!this._open) {
      this._open = true;
      this._backdrop.hidden = false;
      openModals++;
      post({ type: "modal", open: true });
      this.dispatchEvent(new Event("show"));
    }
    return Promise.resolve();
  }
  hide() {
    if (this._open) {
      this._open = false;
      this._backdrop.hidden = true;
      openModals = Math.max(0, openModals - 1);
      post({ type: "modal", open: openModals > 0 });
      this.dispatchEvent(new Event("hide"));
    }
    return Promise.resolve();
  }
  toggle() {
    return this._open ? this.hide() : this.show();
  }
  connectedCallback() {
    var self = this;
    this._observer = watch(this, "modal-" + (this.id || "anon"), function () {
      self._refresh();
    });
  }
  disconnectedCallback() {
    if (this._observer) this._observer.disconnect();
    this.hide();
    if (this._backdrop) {
      this._backdrop.remove();
      this._backdrop = null;
      this._content = null;
    }
  }
}

document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  var modals = document.querySelectorAll("ui-modal");
  for (var i = modals.length - 1; i >= 0; i--) {
    if (modals[i].open) {
      modals[i].hide();
      return;
    }
  }
});

[
  ["ui-nav-menu", UiNavMenu],
  ["ui-title-bar", UiTitleBar],
  ["ui-save-bar", UiSaveBar],
  ["ui-modal", UiModal],
].forEach(function (entry) {
  if (!customElements.get(entry[0])) customElements.define(entry[0], entry[1]);
});

function byId(id, tagName) {
  var element = document.getElementById(id);
  if (!element || element.tagName.toLowerCase() !== tagName) {
    return Promise.reject(new Error("App Bridge stand-in: no <" + tagName + '> with id "' + id + '"'));
  }
  return Promise.resolve(element);
}

// ---------------------------------------------------------------------------------------------------------------
// Toasts and loading

var toastSeq = 0;
var toastActions = {};

// ---------------------------------------------------------------------------------------------------------------
// Messages from the shell

window.addEventListener("message", function (event) {
  if (event.source !== window.parent || event.origin !== SHELL_ORIGIN) return;
  var data = event.data;
  if (!data || data.source !== "syncline-shell") return;
  switch (data.type) {
    case "hello": {
      if (connected) return;
      if (!config.shop && data.shop) config.shop = data.shop;
      if (!config.host && data.host) config.host = data.host;
      connected = true;
      var queued = outbox;
      outbox = [];
      queued.forEach(post);
      readyResolve();
      break;
    }
    case "reply": {
      var entry = pending[data.id];
      if (!entry) return;
      delete pending[data.id];
      if (data.ok) entry.resolve(data.value);
      else entry.reject(new Error(data.error || "App Bridge stand-in: request failed"));
      break;
    }
    case "navigate":
      navigateInApp(String(data.href));
      break;
    case "title-bar-action": {
      var bar = pageTitleBar();
      if (bar) activate(actionList(bar)[data.index]);
      break;
    }
    case "save-bar-action":
      if (shownSaveBar) activate(actionList(shownSaveBar)[data.index]);
      break;
    case "toast-action": {
      var callback = toastActions[data.id];
      if (typeof callback === "function") callback();
      break;
    }
    case "toast-closed":
      delete toastActions[data.id];
      break;
  }
});

// ---------------------------------------------------------------------------------------------------------------
// window.shopify

var shopify = {
  __synclineStandIn: true,
  config: config,
  origin: SHELL_ORIGIN,
  ready: ready,
  environment: { mobile: false, embedded: embedded, pos: false, intent: false },
  idToken: function () {
    return idToken(false);
  },
  user: function () {
    return Promise.resolve({ accountAccess: "Account owner" });
  },
  loading: function (isLoading) {
    post({ type: "loading", on: isLoading !== false });
  },
  toast: {
    show: function (message, opts) {
      var options = opts || {};
      var id = "toast-" + ++toastSeq;
      if (typeof options.onAction === "function") toastActions[id] = options.onAction;
      post({
        type: "toast",
        id: id,
        message: String(message),
        duration: typeof options.duration === "number" ? options.duration : 5000,
        isError: Boolean(options.isError),
        action: options.action ? String(options.action) : "",
      });
      return id;
    },
    hide: function (id) {
      post({ type: "toast-hide", id: id });
    },
  },
  saveBar: {
    show: function (id) {
      return byId(id, "ui-save-bar").then(function (element) {
        return element.show();
      });
    },
    hide: function (id) {
      return byId(id, "ui-save-bar").then(function (element) {
        return element.hide();
      });
    },
    toggle: function (id) {
      return byId(id, "ui-save-bar").then(function (element) {
        return element.toggle();
      });
    },
    leaveConfirmation: function () {
      if (shownSaveBar) post({ type: "save-bar-attention" });
      return Promise.resolve();
    },
  },
  modal: {
    show: function (id) {
      return byId(id, "ui-modal").then(function (element) {
        return element.show();
      });
    },
    hide: function (id) {
      return byId(id, "ui-modal").then(function (element) {
        return element.hide();
      });
    },
    toggle: function (id) {
      return byId(id, "ui-modal").then(function (element) {
        return element.toggle();
      });
    },
  },
  scopes: {
    query: function () {
      return ask("scopes-query", {});
    },
    // The merchant decides in the shell, so there is no answer timeout worth enforcing.
    request: function (scopes) {
      return ask("scopes-request", { scopes: Array.prototype.slice.call(scopes || []) }, 24 * 3600 * 1000);
    },
    revoke: function (scopes) {
      return ask("scopes-revoke", { scopes: Array.prototype.slice.call(scopes || []) });
    },
  },
  resourcePicker: function () {
    return Promise.reject(new Error("App Bridge stand-in: resourcePicker is not available in the Shopify simulator"));
  },
};
Object.defineProperty(window, "shopify", { value: shopify, configurable: true, writable: false });

// ---------------------------------------------------------------------------------------------------------------
// Start-up

// The library's bounce page (/auth/session-token?shopify-reload=...) asks App Bridge for a fresh token and a
// reload of the original URL with it; this is how an expired id_token in a document URL recovers.
var reload = initialParams.get("shopify-reload");
if (reload) {
  var reloadUrl = new URL(reload, location.href);
  if (reloadUrl.origin === location.origin) {
    idToken(true).then(function (token) {
      reloadUrl.searchParams.set("id_token", token);
      location.replace(reloadUrl.href);
    });
  } else {
    console.error("[app-bridge stand-in] refusing shopify-reload to another origin:", reloadUrl.origin);
  }
}

announce(0);
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", function () {
    schedule("nav-menu", sendNavMenu);
    schedule("title-bar", sendTitleBar);
  });
} else {
  schedule("nav-menu", sendNavMenu);
  schedule("title-bar", sendTitleBar);
}
})();
