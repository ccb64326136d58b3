import { readFileSync } from "node:fs";
import { parseToml, type TomlTable, type TomlValue } from "./toml";

/** What the simulator needs from shopify.app.toml: scopes and app-specific webhook subscriptions. */
export interface AppConfig {
  clientId: string | null;
  name: string;
  applicationUrl: string | null;
  requiredScopes: string[];
  optionalScopes: string[];
  webhookApiVersion: string;
  subscriptions: AppWebhookSubscription[];
}

export interface AppWebhookSubscription {
  /** Topics in Shopify's string form, e.g. "app/uninstalled". */
  topics: string[];
  /** Compliance topics are app-specific only and cannot be created through the API. */
  complianceTopics: string[];
  /** As written in the toml: relative paths are resolved against the app URL at delivery time. */
  uri: string;
  filter: string | null;
  includeFields: string[];
}

const str = (v: TomlValue | undefined): string | null => (typeof v === "string" ? v : null);
const strList = (v: TomlValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
const scopeList = (v: TomlValue | undefined): string[] =>
  (typeof v === "string" ? v.split(",") : strList(v)).map((s) => s.trim()).filter(Boolean);

export function parseAppConfig(text: string): AppConfig {
  const toml = parseToml(text);
  const scopes = (toml.access_scopes ?? {}) as TomlTable;
  const webhooks = (toml.webhooks ?? {}) as TomlTable;
  const subs = Array.isArray(webhooks.subscriptions) ? (webhooks.subscriptions as TomlTable[]) : [];
  return {
    clientId: str(toml.client_id),
    name: str(toml.name) ?? "App",
    applicationUrl: str(toml.application_url),
    requiredScopes: scopeList(scopes.scopes),
    optionalScopes: scopeList(scopes.optional_scopes),
    webhookApiVersion: str(webhooks.api_version) ?? "2026-07",
    subscriptions: subs.map((s) => {
      const uri = str(s.uri);
      if (!uri) throw new Error("shopify.app.toml: a [[webhooks.subscriptions]] entry has no uri");
      return {
        topics: strList(s.topics),
        complianceTopics: strList(s.compliance_topics),
        uri,
        filter: str(s.filter),
        includeFields: strList(s.include_fields),
      };
    }),
  };
}

export function loadAppConfig(path: string): AppConfig {
  return parseAppConfig(readFileSync(path, "utf8"));
}
