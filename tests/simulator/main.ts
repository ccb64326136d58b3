import { parseArgs } from "node:util";
import { startSimulator } from "./server";

/** `npx tsx tests/simulator/main.ts [--port 4100] [--host 127.0.0.1] [--app-url URL] [--no-seed] [--quiet]` */
const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    "app-url": { type: "string" },
    "api-key": { type: "string" },
    "api-secret": { type: "string" },
    toml: { type: "string" },
    "no-seed": { type: "boolean" },
    quiet: { type: "boolean" },
    "retry-base-ms": { type: "string" },
  },
});

const env = process.env;
const sim = await startSimulator({
  port: Number(values.port ?? env.PORT ?? 4100),
  host: values.host ?? env.HOST ?? "127.0.0.1",
  apiKey: values["api-key"] ?? env.SHOPIFY_API_KEY ?? "syncline-demo-key",
  apiSecret: values["api-secret"] ?? env.SHOPIFY_API_SECRET ?? "syncline-demo-secret",
  appUrl: values["app-url"] ?? env.SHOPIFY_APP_URL ?? "http://127.0.0.1:3000",
  appTomlPath: values.toml,
  seed: !values["no-seed"],
  quiet: !!values.quiet,
  webhookSwitches: values["retry-base-ms"] ? { retryBaseMs: Number(values["retry-base-ms"]) } : undefined,
});

console.log(`Shopify simulator listening on ${sim.origin} (schema loaded in ${Math.round(sim.schemaLoadMs)} ms)`);
console.log(`  shops: ${[...sim.store.shops.keys()].join(", ")}`);
console.log(`  control API: ${sim.origin}/_simulator/health`);

const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
