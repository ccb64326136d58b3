// HTML for the admin shell pages. Plain template strings: every interpolated value goes through escapeHtml (or
// jsonForScript for the inline config), so shop names and scope handles cannot inject markup.

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe to place inside <script type="application/json">. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const icon = (path: string, extra = "") =>
  `<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"${extra}><path fill-rule="evenodd" d="${path}"/></svg>`;

const ICONS = {
  home: "M10 2.8 2.5 9.3V17a1 1 0 0 0 1 1H8v-5h4v5h4.5a1 1 0 0 0 1-1V9.3zM4 9.98l6-5.2 6 5.2v6.52h-2.5v-5h-7v5H4z",
  orders:
    "M4.3 3h11.4l2.3 7.6V16a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 2 16v-5.4zm1.1 1.5L3.6 10.5h3.9l1 2h3l1-2h3.9l-1.8-6zM3.5 12v4h13v-4h-3.1l-1 2h-4.8l-1-2z",
  products:
    "M10.6 2.5H16A1.5 1.5 0 0 1 17.5 4v5.4a1.5 1.5 0 0 1-.44 1.06l-6.6 6.6a1.5 1.5 0 0 1-2.12 0l-5.3-5.3a1.5 1.5 0 0 1 0-2.12l6.6-6.6a1.5 1.5 0 0 1 1.06-.44zM16 4h-5.4L4 10.6l5.4 5.4L16 9.4zm-2 3.5a1.25 1.25 0 1 1 0-2.5 1.25 1.25 0 0 1 0 2.5z",
  customers:
    "M10 3a3.5 3.5 0 1 1 0 7 3.5 3.5 0 0 1 0-7zm0 1.5a2 2 0 1 0 0 4 2 2 0 0 0 0-4zM3.5 17c0-3.4 2.9-5.5 6.5-5.5s6.5 2.1 6.5 5.5H15c0-2.4-2.1-4-5-4s-5 1.6-5 4z",
  settings:
    "M8.6 2h2.8l.45 2.1 1.45.84 2.05-.66 1.4 2.42-1.6 1.45v1.7l1.6 1.45-1.4 2.42-2.05-.66-1.45.84L11.4 18H8.6l-.45-2.1-1.45-.84-2.05.66-1.4-2.42 1.6-1.45v-1.7l-1.6-1.45 1.4-2.42 2.05.66 1.45-.84zM10 7.25a2.75 2.75 0 1 0 0 5.5 2.75 2.75 0 0 0 0-5.5zm0 1.5a1.25 1.25 0 1 1 0 2.5 1.25 1.25 0 0 1 0-2.5z",
  apps: "M7.5 7.5 10 10l2.5-2.5-1-1L10 8 8.5 6.5z",
  search:
    "M8.5 3a5.5 5.5 0 0 1 4.38 8.82l3.65 3.65-1.06 1.06-3.65-3.65A5.5 5.5 0 1 1 8.5 3zm0 1.5a4 4 0 1 0 0 8 4 4 0 0 0 0-8z",
  alert: "M10 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16zm-.75 4v5h1.5V6zm.75 6.5a1 1 0 1 0 0 2 1 1 0 0 0 0-2z",
};

const BRAND_MARK = `<svg class="brand-mark" viewBox="0 0 26 26" aria-hidden="true" focusable="false">
  <path d="M6 8.5h14l-1.2 13.2a1.5 1.5 0 0 1-1.5 1.3H8.7a1.5 1.5 0 0 1-1.5-1.3z" fill="#95bf47"/>
  <path d="M9.5 10V7.5a3.5 3.5 0 0 1 7 0V10" fill="none" stroke="#5e8e3e" stroke-width="1.6" stroke-linecap="round"/>
  <path d="M11 17.6c.5.4 1.3.7 2.1.7 1.1 0 1.8-.6 1.8-1.4 0-1.9-3.6-1.4-3.6-3.6 0-1.1.9-1.9 2.2-1.9.7 0 1.3.2 1.7.5" fill="none" stroke="#fff" stroke-width="1.3" stroke-linecap="round"/>
</svg>`;

// Inline so the browser never asks the simulator (or anyone) for /favicon.ico.
const FAVICON =
  "data:image/svg+xml," +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 26 26"><path d="M6 8.5h14l-1.2 13.2a1.5 1.5 0 0 1-1.5 1.3H8.7a1.5 1.5 0 0 1-1.5-1.3z" fill="#95bf47"/></svg>',
  );

export interface ChromeInput {
  title: string;
  shop: string;
  shopDisplayName: string;
  appName: string;
  appBasePath: string;
  appHomePath: string;
  /** Which sidebar entry is current: an admin section, or the app. */
  current: "home" | "orders" | "products" | "customers" | "app" | "none";
  main: string;
  config: Record<string, unknown>;
}

function initials(name: string): string {
  const words = name.split(/[\s-]+/).filter(Boolean);
  return ((words[0]?.[0] ?? "") + (words[1]?.[0] ?? "")).toUpperCase() || "S";
}

export function renderChrome(input: ChromeInput): string {
  const storeBase = input.appBasePath.replace(/\/apps\/[^/]+$/, "");
  const section = (key: ChromeInput["current"], label: string, path: string, iconPath: string) =>
    `<li><a class="nav-link" href="${escapeHtml(storeBase + path)}"${input.current === key ? ' aria-current="page"' : ""}>${icon(iconPath)}<span>${escapeHtml(label)}</span></a></li>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<link rel="icon" href="${FAVICON}">
<link rel="stylesheet" href="/_shell/shell.css">
<script type="application/json" id="shell-config">${jsonForScript(input.config)}</script>
<script src="/_shell/shell.js" defer></script>
</head>
<body>
<div class="progress" id="progress" aria-hidden="true"></div>
<header class="topbar">
  <div class="brand">${BRAND_MARK}<span>shopify</span><span class="brand-badge">simulator</span></div>
  <div class="search" aria-hidden="true">${icon(ICONS.search)}<span>Search</span><span class="search-kbd">⌘ K</span></div>
  <div class="account"><span class="avatar" aria-hidden="true">${escapeHtml(initials(input.shopDisplayName))}</span><span>${escapeHtml(input.shopDisplayName)}</span></div>
  <div class="savebar" id="savebar" role="region" aria-label="Unsaved changes" hidden>
    <div class="savebar-message">${icon(ICONS.alert)}<span>Unsaved changes</span></div>
    <div class="savebar-actions" id="savebar-actions"></div>
  </div>
</header>
<div class="frame-body">
  <nav class="sidebar" aria-label="Admin">
    <ul class="nav-list">
      ${section("home", "Home", "", ICONS.home)}
      ${section("orders", "Orders", "/orders", ICONS.orders)}
      ${section("products", "Products", "/products", ICONS.products)}
      ${section("customers", "Customers", "/customers", ICONS.customers)}
    </ul>
    <div class="nav-section" id="apps-heading">Apps ${icon(ICONS.apps)}</div>
    <ul class="nav-list" aria-labelledby="apps-heading">
      <li>
        <a class="nav-link${input.current === "app" ? " is-current" : ""}" id="app-nav-home" href="${escapeHtml(input.appBasePath + input.appHomePath)}" data-href="${escapeHtml(input.appHomePath)}"><span class="app-icon" aria-hidden="true">${escapeHtml(input.appName.charAt(0))}</span><span>${escapeHtml(input.appName)}</span></a>
        <ul class="nav-sub" id="app-nav-items" aria-label="${escapeHtml(input.appName)}"></ul>
      </li>
    </ul>
    <div class="sidebar-footer">
      <ul class="nav-list">${section("none", "Settings", "/settings", ICONS.settings).replace(' aria-current="page"', "")}</ul>
    </div>
  </nav>
  <main class="main" id="main">
${input.main}
  </main>
</div>
<div class="toasts" id="toasts" aria-live="polite"></div>
</body>
</html>
`;
}

export interface AppPageInput {
  appName: string;
  frameUrl: string;
}

export function renderAppMain(input: AppPageInput & { appUrl: string; simulatorOrigin: string }): string {
  return `    <div class="titlebar">
      <span class="app-icon" aria-hidden="true">${escapeHtml(input.appName.charAt(0))}</span>
      <div class="breadcrumb" id="titlebar-breadcrumb"></div>
      <h1 id="titlebar-title">${escapeHtml(input.appName)}</h1>
      <div class="titlebar-actions" id="titlebar-actions"></div>
    </div>
    <div class="frame-hint" id="frame-hint" role="alert" hidden>
      <h2>${escapeHtml(input.appName)} has not connected to the admin</h2>
      <ul>
        <li>Is the app running at <code>${escapeHtml(input.appUrl)}</code>?</li>
        <li>Does it load App Bridge from <code>${escapeHtml(input.simulatorOrigin)}/app-bridge.js</code> (AppProvider <code>__APP_BRIDGE_URL</code>, <code>APP_BRIDGE_URL</code>)?</li>
        <li>Does its <code>Content-Security-Policy: frame-ancestors</code> allow <code>${escapeHtml(input.simulatorOrigin)}</code>?</li>
      </ul>
      <button type="button" class="btn" id="frame-reload">Reload app</button>
    </div>
    <iframe class="app-frame" id="app-frame" name="app-iframe" title="${escapeHtml(input.appName)}" src="${escapeHtml(input.frameUrl)}" allow="clipboard-read; clipboard-write"></iframe>`;
}

export interface GrantPageInput {
  appName: string;
  shop: string;
  action: string;
  scopes: { handle: string; label: string }[];
  hidden: Record<string, string>;
}

export function renderGrantMain(input: GrantPageInput): string {
  const items = input.scopes
    .map(
      (s) =>
        `<li class="scope-item"><span class="scope-name">${escapeHtml(s.label)}</span><code class="scope-handle">${escapeHtml(s.handle)}</code></li>`,
    )
    .join("\n          ");
  const hidden = Object.entries(input.hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n        ");
  return `    <div class="grant-page">
      <section class="grant-card" aria-labelledby="grant-title">
        <div class="grant-header">
          <div class="app-icon app-icon-large" aria-hidden="true">${escapeHtml(input.appName.charAt(0))}</div>
          <div>
            <h1 id="grant-title">${escapeHtml(input.appName)} is requesting more access</h1>
            <p class="subdued">${escapeHtml(input.shop)}</p>
          </div>
        </div>
        <div class="grant-body">
          <p>Allow ${escapeHtml(input.appName)} to:</p>
          <ul class="scope-list" aria-label="Requested access">
          ${items}
          </ul>
          <p class="grant-note">You can review the app's access later in Settings › Apps and sales channels.</p>
        </div>
        <form class="grant-footer" method="post" action="${escapeHtml(input.action)}">
        ${hidden}
          <button type="submit" class="btn" name="decision" value="decline">Decline</button>
          <button type="submit" class="btn btn-primary" name="decision" value="approve">Approve</button>
        </form>
      </section>
    </div>`;
}

export function renderMessageMain(input: { heading: string; message: string; linkHref?: string; linkLabel?: string }): string {
  const link = input.linkHref
    ? `<a class="btn btn-primary" href="${escapeHtml(input.linkHref)}">${escapeHtml(input.linkLabel ?? "Continue")}</a>`
    : "";
  return `    <div class="placeholder">
      <section class="placeholder-card" aria-labelledby="placeholder-title">
        <h1 id="placeholder-title">${escapeHtml(input.heading)}</h1>
        <p>${escapeHtml(input.message)}</p>
        ${link}
      </section>
    </div>`;
}

/** A page without shop chrome, for requests that name no known shop. */
export function renderBarePage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><link rel="icon" href="${FAVICON}"><link rel="stylesheet" href="/_shell/shell.css"></head>
<body>
<div class="frame-body">
  <main class="main">
${renderMessageMain({ heading: title, message })}
  </main>
</div>
</body>
</html>
`;
}
