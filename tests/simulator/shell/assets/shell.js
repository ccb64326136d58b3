/* global synclineToSimulatorUrl */
// The admin side of the simulator's App Bridge: renders what the app declares (nav menu, title bar, save bar,
// toasts, loading, modal backdrop, the scope grant dialog) and answers its requests (session tokens, scopes,
// top-level navigation). Served after admin-urls.js inside one function scope.
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("shell-config").textContent);
  var frame = document.getElementById("app-frame");
  if (!frame) return; // pages without the app (grant page, placeholders) only need the static markup

  var appOrigin = cfg.appOrigin;
  // connected: the document in the frame runs the stand-in and answers messages.
  // announcedSinceLoad: it said "ready" since the frame's previous load event.
  var connected = false;
  var announcedSinceLoad = false;

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else if (attrs[key] !== false && attrs[key] != null) node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(child);
    });
    return node;
  }

  function send(message) {
    message.source = "syncline-shell";
    if (frame.contentWindow) frame.contentWindow.postMessage(message, appOrigin);
  }

  function reply(id, promise) {
    Promise.resolve(promise).then(
      function (value) {
        send({ type: "reply", id: id, ok: true, value: value });
      },
      function (error) {
        send({ type: "reply", id: id, ok: false, error: error && error.message ? error.message : String(error) });
      },
    );
  }

  function api(path, body) {
    var init = { headers: { "X-Syncline-Shell": "1" }, credentials: "same-origin" };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) throw new Error(json && json.error ? json.error : "HTTP " + response.status);
        return json;
      });
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Location: the shell URL mirrors the app's path (/store/<name>/apps/<handle><app path>).

  var currentAppPath = cfg.initialAppPath;

  function shellPathFor(appPath) {
    return cfg.basePath + (appPath === "/" ? "" : appPath);
  }

  function setAppPath(path) {
    currentAppPath = path;
    var target = shellPathFor(path);
    if (location.pathname + location.search + location.hash !== target) {
      // Replace, not push: the iframe's own history entries already make Back work.
      history.replaceState(null, "", target);
    }
    renderNav();
  }

  function reloadFrameAt(appPath) {
    api("/_shell/frame-url?shop=" + encodeURIComponent(cfg.shop) + "&path=" + encodeURIComponent(appPath)).then(
      function (json) {
        frame.src = json.url;
        setAppPath(appPath);
      },
      function (error) {
        showToast({ id: "shell-" + Date.now(), message: "Could not open the app: " + error.message, isError: true, duration: 8000 });
      },
    );
  }

  function navigateApp(appPath) {
    if (connected) send({ type: "navigate", href: appPath });
    else reloadFrameAt(appPath);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Navigation menu declared by the app with <ui-nav-menu>

  var navItems = [];

  function pathOnly(href) {
    return new URL(href, "http://app.invalid").pathname;
  }

  function renderNav() {
    var list = $("app-nav-items");
    var appLink = $("app-nav-home");
    var home = navItems.filter(function (item) {
      return item.home;
    })[0];
    appLink.setAttribute("href", shellPathFor(home ? home.href : cfg.homePath));
    appLink.dataset.href = home ? home.href : cfg.homePath;
    list.textContent = "";
    var current = pathOnly(currentAppPath);
    var best = null;
    navItems.forEach(function (item) {
      if (item.home) return;
      var path = pathOnly(item.href);
      if ((current === path || current.indexOf(path + "/") === 0) && (!best || path.length > pathOnly(best.href).length)) best = item;
    });
    navItems.forEach(function (item) {
      if (item.home) return;
      var link = el("a", { href: shellPathFor(item.href), className: "nav-sub-link", text: item.label });
      link.dataset.href = item.href;
      if (item === best) link.setAttribute("aria-current", "page");
      list.appendChild(el("li", {}, [link]));
    });
    var onHome = !best && (!home || current === pathOnly(home.href));
    appLink.classList.toggle("is-current", onHome);
    if (onHome) appLink.setAttribute("aria-current", "page");
    else appLink.removeAttribute("aria-current");
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-href]") : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    // As in Shopify admin: unsaved changes block navigation until the merchant saves or discards.
    if (!$("savebar").hidden) {
      flashSaveBar();
      return;
    }
    navigateApp(link.dataset.href);
  });

  // -------------------------------------------------------------------------------------------------------------
  // Title bar declared with <ui-title-bar>

  function actionButton(action, messageType, extraClass) {
    var button = el("button", {
      type: "button",
      className: "btn" + (action.variant === "primary" ? " btn-primary" : "") + (action.tone === "critical" ? " btn-critical" : "") + (extraClass || ""),
      disabled: action.disabled || action.loading,
      "aria-busy": action.loading ? "true" : false,
      text: action.label,
    });
    button.addEventListener("click", function () {
      send({ type: messageType, index: action.index });
    });
    return button;
  }

  function renderTitleBar(data) {
    var title = data.present && data.title ? data.title : cfg.appName;
    $("titlebar-title").textContent = title;
    document.title = (title === cfg.appName ? title : title + " · " + cfg.appName) + " · " + cfg.shopDisplayName;
    var crumb = $("titlebar-breadcrumb");
    crumb.textContent = "";
    if (data.present && data.breadcrumb) {
      var back = el("button", { type: "button", className: "crumb", text: data.breadcrumb.label });
      back.addEventListener("click", function () {
        send({ type: "title-bar-action", index: data.breadcrumb.index });
      });
      crumb.appendChild(back);
      crumb.appendChild(el("span", { className: "crumb-sep", "aria-hidden": "true", text: "›" }));
    }
    var actions = $("titlebar-actions");
    actions.textContent = "";
    if (!data.present) return;
    (data.secondary || []).forEach(function (action) {
      actions.appendChild(actionButton(action, "title-bar-action"));
    });
    if (data.primary) actions.appendChild(actionButton(data.primary, "title-bar-action"));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Save bar declared with <ui-save-bar>

  function renderSaveBar(data) {
    var bar = $("savebar");
    var actions = $("savebar-actions");
    actions.textContent = "";
    if (!data.showing) {
      bar.hidden = true;
      document.body.classList.remove("savebar-open");
      return;
    }
    var list = data.actions || [];
    // Shopify puts Discard before Save whatever the declaration order.
    list
      .slice()
      .sort(function (a, b) {
        return (a.variant === "primary" ? 1 : 0) - (b.variant === "primary" ? 1 : 0);
      })
      .forEach(function (action) {
        actions.appendChild(actionButton(action, "save-bar-action", action.variant === "primary" ? " btn-save" : " btn-discard"));
      });
    bar.hidden = false;
    document.body.classList.add("savebar-open");
  }

  function flashSaveBar() {
    var bar = $("savebar");
    bar.classList.remove("attention");
    void bar.offsetWidth;
    bar.classList.add("attention");
  }

  // -------------------------------------------------------------------------------------------------------------
  // Toasts and loading

  var toastTimers = {};

  function hideToast(id) {
    var node = document.querySelector('[data-toast-id="' + CSS.escape(id) + '"]');
    if (node) node.remove();
    clearTimeout(toastTimers[id]);
    delete toastTimers[id];
    send({ type: "toast-closed", id: id });
  }

  function showToast(data) {
    var children = [el("span", { className: "toast-message", text: data.message })];
    if (data.action) {
      var action = el("button", { type: "button", className: "toast-action", text: data.action });
      action.addEventListener("click", function () {
        send({ type: "toast-action", id: data.id });
        hideToast(data.id);
      });
      children.push(action);
    }
    var close = el("button", { type: "button", className: "toast-close", "aria-label": "Dismiss notification", text: "×" });
    close.addEventListener("click", function () {
      hideToast(data.id);
    });
    children.push(close);
    var toast = el("div", { className: "toast" + (data.isError ? " toast-error" : ""), role: data.isError ? "alert" : "status" }, children);
    toast.dataset.toastId = data.id;
    $("toasts").appendChild(toast);
    toastTimers[data.id] = setTimeout(function () {
      hideToast(data.id);
    }, Math.max(1000, data.duration || 5000));
  }

  function setLoading(on) {
    $("progress").classList.toggle("active", Boolean(on));
    $("progress").setAttribute("aria-hidden", on ? "false" : "true");
  }

  // -------------------------------------------------------------------------------------------------------------
  // Scopes: shopify.scopes.request() shows Shopify's grant dialog over the admin.

  function scopeUrl(extra) {
    return "/_shell/scopes?shop=" + encodeURIComponent(cfg.shop) + (extra || "");
  }

  function grantDialog(scopes, labels) {
    return new Promise(function (resolve) {
      var items = scopes.map(function (scope) {
        return el("li", { className: "scope-item" }, [
          el("span", { className: "scope-name", text: labels[scope] || scope }),
          el("code", { className: "scope-handle", text: scope }),
        ]);
      });
      var decline = el("button", { type: "button", className: "btn", text: "Decline" });
      var approve = el("button", { type: "button", className: "btn btn-primary", text: "Approve" });
      var card = el("div", { className: "grant-card", role: "dialog", "aria-modal": "true", "aria-labelledby": "grant-dialog-title" }, [
        el("div", { className: "grant-header" }, [
          el("div", { className: "app-icon app-icon-large", "aria-hidden": "true", text: cfg.appName.charAt(0) }),
          el("div", {}, [
            el("h2", { id: "grant-dialog-title", text: cfg.appName + " is requesting more access" }),
            el("p", { className: "subdued", text: cfg.shop }),
          ]),
        ]),
        el("div", { className: "grant-body" }, [
          el("p", { text: "Allow " + cfg.appName + " to:" }),
          el("ul", { className: "scope-list" }, items),
        ]),
        el("div", { className: "grant-footer" }, [decline, approve]),
      ]);
      var overlay = el("div", { className: "overlay", id: "grant-overlay" }, [card]);
      document.body.appendChild(overlay);
      approve.focus();
      function finish(approved) {
        approve.disabled = true;
        decline.disabled = true;
        resolve({ approved: approved, close: function () { overlay.remove(); } });
      }
      approve.addEventListener("click", function () {
        finish(true);
      });
      decline.addEventListener("click", function () {
        finish(false);
      });
    });
  }

  function requestScopes(scopes) {
    if (!Array.isArray(scopes) || scopes.length === 0) return Promise.reject(new Error("scopes.request needs at least one scope"));
    return api(scopeUrl("&describe=" + encodeURIComponent(scopes.join(",")))).then(function (info) {
      if (info.undeclared && info.undeclared.length) {
        throw new Error("Scopes not declared in the app's optional_scopes: " + info.undeclared.join(", "));
      }
      var missing = scopes.filter(function (scope) {
        return info.detail.granted.indexOf(scope) === -1;
      });
      if (missing.length === 0) return { result: "granted-all", detail: info.detail };
      return grantDialog(scopes, info.labels).then(function (choice) {
        if (!choice.approved) {
          choice.close();
          return { result: "declined-all", detail: info.detail };
        }
        return api("/_shell/scopes/grant", { shop: cfg.shop, scopes: scopes }).then(
          function (granted) {
            choice.close();
            return { result: "granted-all", detail: granted.detail };
          },
          function (error) {
            choice.close();
            throw error;
          },
        );
      });
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Top-level navigation asked for by the app (reauthorize headers, exit-iframe, target=_top links)

  function redirectTop(url) {
    var target = new URL(synclineToSimulatorUrl(url, location.origin, cfg.shop), location.href);
    // The grant page sends the merchant back to where they were; Shopify's URL carries no such hint.
    if (target.origin === location.origin && /^\/store\/[^/]+\/oauth\/install$/.test(target.pathname) && !target.searchParams.has("return_to")) {
      target.searchParams.set("return_to", location.pathname + location.search);
    }
    location.assign(target.href);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Messages from the app frame

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== appOrigin) return;
    var data = event.data;
    if (!data || data.source !== "syncline-app-bridge") return;
    switch (data.type) {
      case "ready":
        // A document repeats "ready" until it hears "hello"; answering twice is harmless.
        connected = true;
        announcedSinceLoad = true;
        $("frame-hint").hidden = true;
        if (data.apiKey !== cfg.apiKey) {
          showToast({
            id: "shell-api-key",
            message: "App Bridge was loaded with API key \"" + data.apiKey + "\"; this shell expects \"" + cfg.apiKey + "\".",
            isError: true,
            duration: 15000,
          });
        }
        send({ type: "hello", shop: cfg.shop, host: cfg.host });
        setAppPath(data.path);
        break;
      case "location":
        setAppPath(data.path);
        break;
      case "nav-menu":
        navItems = Array.isArray(data.items) ? data.items : [];
        renderNav();
        break;
      case "title-bar":
        renderTitleBar(data);
        break;
      case "save-bar":
        renderSaveBar(data);
        break;
      case "save-bar-attention":
        flashSaveBar();
        break;
      case "toast":
        showToast(data);
        break;
      case "toast-hide":
        hideToast(data.id);
        break;
      case "loading":
        setLoading(data.on);
        break;
      case "modal":
        document.body.classList.toggle("modal-open", Boolean(data.open));
        break;
      case "id-token":
        reply(
          data.id,
          api("/_shell/id-token?shop=" + encodeURIComponent(cfg.shop)).then(function (json) {
            return json.idToken;
          }),
        );
        break;
      case "scopes-query":
        reply(
          data.id,
          api(scopeUrl("")).then(function (json) {
            return json.detail;
          }),
        );
        break;
      case "scopes-request":
        reply(data.id, requestScopes(data.scopes));
        break;
      case "scopes-revoke":
        reply(
          data.id,
          api("/_shell/scopes/revoke", { shop: cfg.shop, scopes: data.scopes }).then(function (json) {
            return { detail: json.detail };
          }),
        );
        break;
      case "redirect-top":
        redirectTop(String(data.url));
        break;
    }
  });

  // A document without the stand-in (app down, wrong App Bridge URL, frame-ancestors refusing the shell) never
  // says "ready"; tell the person what to check instead of leaving a blank frame.
  var hintTimer = null;
  frame.addEventListener("load", function () {
    clearTimeout(hintTimer);
    var announced = announcedSinceLoad;
    announcedSinceLoad = false;
    if (announced) return;
    connected = false;
    hintTimer = setTimeout(function () {
      if (!connected) $("frame-hint").hidden = false;
    }, cfg.hintDelayMs);
  });
  // The first load may have finished before this script ran.
  hintTimer = setTimeout(function () {
    if (!connected) $("frame-hint").hidden = false;
  }, cfg.hintDelayMs * 2);
  $("frame-reload").addEventListener("click", function () {
    $("frame-hint").hidden = true;
    reloadFrameAt(currentAppPath);
  });

  renderNav();
})();
