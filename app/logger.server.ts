import pino from "pino";

/**
 * Structured JSON logs. Secrets and customer PII never reach a log line: the paths below are censored
 * wherever they appear (top level or nested one level), and `redactPii` is used for payloads we log on purpose.
 */
export const REDACTED_KEYS = [
  "accessToken",
  "access_token",
  "apiSecret",
  "secret",
  "token",
  "id_token",
  "idToken",
  "authorization",
  "password",
  "hmac",
  "email",
  "phone",
  "first_name",
  "last_name",
  "firstName",
  "lastName",
  "address1",
  "address2",
  "zip",
  "latitude",
  "longitude",
  "email_address",
  "phone_number",
  "emailAddress",
  "phoneNumber",
  "contact_email",
  "customer_email",
  "ip",
  "browser_ip",
] as const;

const redactPaths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/** The app's logger configuration; `destination` is for tests that read what would be written. */
export function createLogger(destination?: pino.DestinationStream, level?: string) {
  const options: pino.LoggerOptions = {
    level: level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    base: { service: "syncline" },
    redact: { paths: redactPaths, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

export const logger = createLogger();

export type Logger = typeof logger;

const PII_KEYS = new Set<string>(REDACTED_KEYS.map((k) => k.toLowerCase()));
PII_KEYS.add("shipping_address");
PII_KEYS.add("billing_address");
PII_KEYS.add("default_address");
PII_KEYS.add("addresses");
PII_KEYS.add("customer_locale");
PII_KEYS.add("note");

/** A deep copy of `value` with every PII or secret field replaced by "[redacted]"; for logs and the activity log. */
export function redactPii(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactPii);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = PII_KEYS.has(key.toLowerCase()) && v !== null && v !== "" ? "[redacted]" : redactPii(v);
    }
    return out;
  }
  return value;
}
