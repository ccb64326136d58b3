import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator, type SimulatorOptions } from "./server";

/** Helpers for the simulator's own tests (not a test file). */

export const FIXTURE_TOML = fileURLToPath(new URL("./fixtures/shopify.app.toml", import.meta.url));
export const API_KEY = "sim-test-key";
export const API_SECRET = "sim-test-secret";
export const SHOP = "syncline-demo.myshopify.com";
export const BIG_SHOP = "syncline-bigids.myshopify.com";
/** A fixed anchor for seed-determinism tests (the running simulator's clock is the real one). */
export const NOW = Date.parse("2026-06-15T12:00:00Z");

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A stand-in for the app's webhook endpoint: records requests and answers with `respond`. */
export interface Receiver {
  origin: string;
  requests: ReceivedRequest[];
  respond: (r: ReceivedRequest) => number | Promise<number>;
  /** Resolves once `n` requests (optionally matching) have arrived. */
  waitFor(n: number, match?: (r: ReceivedRequest) => boolean, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const waiters: (() => void)[] = [];
  const receiver: Receiver = {
    origin: "",
    requests: [],
    respond: () => 200,
    waitFor(n, match = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = receiver.requests.filter(match);
          if (got.length >= n) {
            clearTimeout(timer);
            resolve(got);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => reject(new Error(`expected ${n} webhook requests, got ${receiver.requests.filter(match).length}`)), timeoutMs);
        if (!check()) waiters.push(function again() {
          if (!check()) waiters.push(again);
        });
      });
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const rec: ReceivedRequest = { path: req.url ?? "/", headers: req.headers, raw: Buffer.concat(chunks) };
      receiver.requests.push(rec);
      const status = await receiver.respond(rec);
      res.writeHead(status).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  receiver.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

export function startTestSimulator(opts: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return startSimulator({
    port: 0,
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    appUrl: "http://127.0.0.1:9",
    appTomlPath: FIXTURE_TOML,
    quiet: true,
    seed: true,
    bulkPhaseMs: 5,
    ...opts,
  });
}

export interface GqlResult {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; locations?: unknown[]; path?: unknown[]; extensions?: Record<string, unknown> }[];
    extensions?: { cost?: { requestedQueryCost: number; actualQueryCost: number | null; throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } }; search?: unknown[] };
  };
}

/** POST a document to the simulator's Admin GraphQL endpoint as the app's rewritten fetch would. */
export async function gql(sim: Simulator, token: string, query: string, variables?: Record<string, unknown>, shop = SHOP): Promise<GqlResult> {
  const res = await fetch(`${sim.origin}/admin/api/2026-07/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "X-Simulator-Shop": shop },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GqlResult["body"] };
}

/** Grant scopes directly in the store (no webhook noise) and return an offline token. */
export function tokenWithScopes(sim: Simulator, scopes: string[], shop = SHOP): string {
  sim.store.shop(shop).installation.scopes = scopes;
  return sim.accessToken(shop);
}
