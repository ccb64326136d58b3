import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
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
  /**
   * The `[settings]` definition of the app's web pixel extension (extensions/<name>/shopify.extension.toml with
   * `type = "web_pixel_extension"` beside the app toml), which webPixelCreate/Update validate against; null when the
   * app has none (Shopify then answers NO_EXTENSION).
   */
  webPixel: WebPixelDefinition | null;
}

export interface WebPixelSettingField {
  type: string;
  /** From `validations = [{ name = "min", value = "1" }]`: the minimum length; 1 or more makes the field required. */
  minLength: number;
}

export interface WebPixelDefinition {
  handle: string;
  runtimeContext: string;
  fields: Record<string, WebPixelSettingField>;
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
    webPixel: null,
  };
}

/** A web pixel extension's toml → its settings definition; null when the toml is another kind of extension. */
export function parseWebPixelExtension(text: string): WebPixelDefinition | null {
  const toml = parseToml(text);
  if (str(toml.type) !== "web_pixel_extension") return null;
  const settings = (toml.settings ?? {}) as TomlTable;
  const fields = (settings.fields ?? {}) as TomlTable;
  return {
    handle: str(toml.handle) ?? str(toml.name) ?? "web-pixel",
    runtimeContext: str(toml.runtime_context) ?? "strict",
    fields: Object.fromEntries(
      Object.entries(fields).map(([key, value]) => {
        const field = value as TomlTable;
        const validations = Array.isArray(field.validations) ? (field.validations as TomlTable[]) : [];
        const min = validations.find((v) => v.name === "min");
        return [key, { type: str(field.type) ?? "single_line_text_field", minLength: min ? Number(min.value) || 0 : 0 }];
      }),
    ),
  };
}

/** The app toml, plus the web pixel extension found under `extensions/` beside it. */
export function loadAppConfig(tomlPath: string): AppConfig {
  const config = parseAppConfig(readFileSync(tomlPath, "utf8"));
  const extensionsDir = path.join(path.dirname(tomlPath), "extensions");
  if (!existsSync(extensionsDir)) return config;
  for (const entry of readdirSync(extensionsDir, { withFileTypes: true })) {
    const file = path.join(extensionsDir, entry.name, "shopify.extension.toml");
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const pixel = parseWebPixelExtension(readFileSync(file, "utf8"));
    if (pixel) return { ...config, webPixel: pixel };
  }
  return config;
}
