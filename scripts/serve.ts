// `npm start`: the production server for the built app (`npm run build` first). PORT (default 3000) and HOST as
// remix-serve reads them; every other setting is the app's environment (README, app/env.server.ts).
//
// What remix-serve does (express: compression, the hashed client assets cached for a year, public/ for an hour, a
// one-line access log, Remix for everything else), with one addition in front: the shop-specific sync webhooks
// (orders, refunds, consent, catalog) are answered straight from node:http by the app's own intake, without
// express or Remix routing, because a flash sale sends them by the thousand and Shopify waits at most 5 s for each
// (docs/decisions/011-lean-webhook-intake.md). Lifecycle and compliance webhooks, the admin pages and the APIs go
// through Remix as before.
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { createRequestHandler } from "@remix-run/express";
import { installGlobals, type ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import morgan from "morgan";

/** What app/entry.server.tsx exports for this server, next to Remix's own entry. */
interface ServerEntry {
  isSyncWebhookRequest(req: http.IncomingMessage): boolean;
  serveSyncWebhook(req: http.IncomingMessage, res: http.ServerResponse): void;
}

process.env.NODE_ENV ??= "production";
const buildPath = path.resolve(process.argv[2] ?? "build/server/index.js");
const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
const entry = build.entry.module as unknown as Partial<ServerEntry>;
if (typeof entry.serveSyncWebhook !== "function" || typeof entry.isSyncWebhookRequest !== "function") {
  throw new Error(`${buildPath} does not export the webhook intake: rebuild with \`npm run build\``);
}
const { isSyncWebhookRequest, serveSyncWebhook } = entry as ServerEntry;
// As remix-serve: Fetch API globals matching the build's data-loading mode.
installGlobals({ nativeFetch: build.future.v3_singleFetch });

const app = express();
app.disable("x-powered-by");
app.use(compression());
app.use(build.publicPath, express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));
app.use(morgan("tiny"));
app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV }));

const server = http.createServer((req, res) => {
  if (isSyncWebhookRequest(req)) serveSyncWebhook(req, res);
  else app(req, res);
});

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST;
server.listen(port, host, () => console.log(`[syncline] http://${host ?? "localhost"}:${port}`));

// SIGTERM/SIGINT: stop taking connections and let the requests in progress be answered, then exit. A job the
// in-process worker was running is taken over by the next worker when its lease runs out (app/jobs/README.md).
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  });
}
