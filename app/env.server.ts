import { z } from "zod";

/**
 * The app's environment, validated once at boot. A missing or malformed variable stops the process with a
 * message naming every problem at once, instead of failing later on the first request that needs it.
 */
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  SHOPIFY_API_KEY: z.string().min(1, "the app's client id from the Partner Dashboard"),
  SHOPIFY_API_SECRET: z.string().min(1, "the app's client secret; verifies webhooks and session tokens"),
  SHOPIFY_APP_URL: z.string().url("the public https URL Shopify loads the app from"),
  SCOPES: z.string().default(""),
  DATABASE_URL: z.string().optional(),
  SHOP_CUSTOM_DOMAIN: z.string().optional(),
  // Encrypts the platform signing secrets at rest; without it they are encrypted with a key derived from
  // SHOPIFY_API_SECRET (docs/decisions/004-platform-secrets.md).
  SYNCLINE_ENCRYPTION_KEY: z.string().min(32, "at least 32 characters, e.g. `openssl rand -base64 32`").optional(),
  // Set only for local development and tests: the origin of the Shopify simulator (tests/simulator).
  SHOPIFY_ADMIN_ORIGIN: z.string().url().optional(),
  // "false" when the job worker runs as separate processes (`npm run worker`).
  RUN_WORKER_IN_PROCESS: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  // While webhooks arrive, the most of the event loop the in-process worker takes (app/jobs/README.md).
  WORKER_MAX_EVENT_LOOP_UTILIZATION: z.coerce.number().gt(0).max(1).default(0.35),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof schema>;

export class EnvironmentError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvironmentError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".");
    const missing = source[name] === undefined || source[name] === "";
    return missing ? `${name} is missing (${issue.message})` : `${name} is invalid: ${issue.message}`;
  });
  throw new EnvironmentError(problems);
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
