/**
 * The Shopify simulator for bench:consent, as its own process (so its GraphQL work does not share the app's event
 * loop, as Shopify does not), driven through its control API (tests/simulator/README.md).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

import { freePort, log, ROOT, TSX_IMPORT } from "./harness";

export interface SimCustomer {
  id: string;
  email: string | null;
  phone: string | null;
  emailConsent: { state: string; consentUpdatedAt: string | null } | null;
  smsConsent: { state: string; consentUpdatedAt: string | null } | null;
}

export interface SimShopState {
  plan: string;
  throttle: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
  adminApi: { requests: number; throttled: number; faulted: number };
}

export class BenchSimulator {
  private constructor(
    readonly child: ChildProcess | null,
    readonly origin: string,
  ) {}

  /** A simulator another process started (the scenario process uses the bench's). */
  static attach(origin: string): BenchSimulator {
    return new BenchSimulator(null, origin);
  }

  static async start(apiKey: string, apiSecret: string): Promise<BenchSimulator> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ["--import", TSX_IMPORT, path.join(ROOT, "tests/simulator/main.ts"), "--port", String(port), "--no-seed", "--quiet", "--api-key", apiKey, "--api-secret", apiSecret, "--app-url", "http://127.0.0.1:9"],
      { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
    );
    const sim = new BenchSimulator(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const res = await fetch(`${sim.origin}/_simulator/health`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || child.exitCode !== null) throw new Error("the simulator did not start");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    log(`simulator on ${sim.origin} (pid ${child.pid})`);
    return sim;
  }

  async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const send = () =>
      fetch(`${this.origin}/_simulator${route}`, {
        method,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    let res: Response;
    try {
      res = await send();
    } catch {
      // A kept-alive connection the simulator closed while idle: once more on a new one.
      res = await send();
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  addShop(domain: string, plan: string, customers: number, scopes: string[]) {
    return this.call("POST", "/shops", { domain, plan, customers, products: 1, orders: 0, scopes, seed: 6 });
  }

  customers(domain: string): Promise<SimCustomer[]> {
    return this.call("GET", `/shops/${domain}/customers?limit=1000000`);
  }

  state(domain: string): Promise<SimShopState> {
    return this.call("GET", `/shops/${domain}`);
  }

  async token(domain: string): Promise<string> {
    const { access_token } = await this.call<{ access_token: string }>("POST", `/shops/${domain}/tokens`, { kind: "offline" });
    return access_token;
  }

  /** Sets the points available in the shop's bucket now, so every scenario starts alike. */
  fillBucket(domain: string, available: number) {
    return this.call("POST", `/shops/${domain}/plan`, { available });
  }

  async stop() {
    const child = this.child;
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  }
}
