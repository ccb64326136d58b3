import { GraphQLError } from "graphql";
import type { WebPixelDefinition } from "../../config";
import { gid, parseGid } from "../../store/format";
import type { WebPixelRecord } from "../../store/types";
import { type Ctx, type TypeResolvers, type as def, hasAnyScope } from "../context";
import { accessDenied } from "../errors";
import { time } from "../views";

/**
 * Web pixels: `webPixel`, `webPixelCreate`, `webPixelUpdate`, `webPixelDelete`, as Shopify answers them for an app
 * with one web pixel extension. One pixel per app and shop (a second create is TAKEN); settings are validated
 * against the extension's `[settings]` (config.ts reads extensions/<name>/shopify.extension.toml); create and
 * update also need `read_customer_events`, which the schema's access data states only in words.
 */

type PixelError = { field: string[] | null; message: string; code: string };

const NO_PIXEL_MESSAGE = "No web pixel was found for this app.";

const fail = (code: string, message: string, field: string[] | null = null): PixelError => ({ field, message, code });

function view(record: WebPixelRecord) {
  return { __typename: "WebPixel", record };
}

type PixelView = ReturnType<typeof view>;

/** The settings input (JSON scalar: Shopify's examples send a JSON string; an object is accepted too) → JSON text. */
export function validatePixelSettings(definition: WebPixelDefinition, input: unknown): { json: string } | { error: PixelError } {
  const field = ["webPixel", "settings"];
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input) as unknown;
    } catch {
      return { error: fail("INVALID_CONFIGURATION_JSON", "The provided settings is not a valid JSON.", field) };
    }
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return { error: fail("INVALID_CONFIGURATION_JSON", "The provided settings is not a valid JSON.", field) };
  }
  const settings = value as Record<string, unknown>;
  const mismatch = fail("INVALID_SETTINGS", "The provided settings does not match the expected settings definition on the app.", field);
  for (const [key, v] of Object.entries(settings)) {
    const def = definition.fields[key];
    if (!def || typeof v !== "string") return { error: mismatch };
  }
  for (const [key, def] of Object.entries(definition.fields)) {
    const v = settings[key];
    if (def.minLength > 0 && (typeof v !== "string" || v.length < def.minLength)) return { error: mismatch };
  }
  return { json: JSON.stringify(settings) };
}

const REQUIRED_ACCESS = "`write_pixels` access scope. Also: The app requires read_customer_events access scope and user access permission.";

function requireCustomerEvents(ctx: Ctx, field: string): void {
  if (!hasAnyScope(ctx, ["read_customer_events"])) throw accessDenied(field, { text: REQUIRED_ACCESS });
}

function pixelById(ctx: Ctx, id: unknown): WebPixelRecord | null {
  const g = parseGid(String(id));
  const pixel = ctx.shop.webPixel;
  return g?.type === "WebPixel" && pixel?.id === g.id ? pixel : null;
}

export const pixelQueryResolvers: TypeResolvers = def<unknown>({
  webPixel: (_s, a, ctx) => {
    const pixel = a.id ? pixelById(ctx, a.id) : ctx.shop.webPixel;
    if (!pixel) throw new GraphQLError(NO_PIXEL_MESSAGE, { extensions: { code: "RESOURCE_NOT_FOUND" } });
    return view(pixel);
  },
});

export const pixelMutationResolvers: TypeResolvers = def<unknown>({
  webPixelCreate: (_s, a, ctx) => {
    requireCustomerEvents(ctx, "webPixelCreate");
    const definition = ctx.config.webPixel;
    if (!definition) return { webPixel: null, userErrors: [fail("NO_EXTENSION", "No extension found.")] };
    if (ctx.shop.webPixel) return { webPixel: null, userErrors: [fail("TAKEN", "Web pixel is taken.", ["webPixel"])] };
    const checked = validatePixelSettings(definition, (a.webPixel as { settings: unknown }).settings);
    if ("error" in checked) return { webPixel: null, userErrors: [checked.error] };
    const now = ctx.store.now();
    const record: WebPixelRecord = { id: ctx.store.nextId(ctx.shop, "WebPixel"), settings: checked.json, createdAt: now, updatedAt: now };
    ctx.shop.webPixel = record;
    return { webPixel: view(record), userErrors: [] };
  },

  webPixelUpdate: (_s, a, ctx) => {
    requireCustomerEvents(ctx, "webPixelUpdate");
    const definition = ctx.config.webPixel;
    if (!definition) return { webPixel: null, userErrors: [fail("NO_EXTENSION", "No extension found.")] };
    const record = pixelById(ctx, a.id);
    if (!record) return { webPixel: null, userErrors: [fail("NOT_FOUND", "Web pixel not found.", ["id"])] };
    const checked = validatePixelSettings(definition, (a.webPixel as { settings: unknown }).settings);
    if ("error" in checked) return { webPixel: null, userErrors: [checked.error] };
    record.settings = checked.json;
    record.updatedAt = ctx.store.now();
    return { webPixel: view(record), userErrors: [] };
  },

  webPixelDelete: (_s, a, ctx) => {
    const record = pixelById(ctx, a.id);
    if (!record) return { deletedWebPixelId: null, userErrors: [fail("NOT_FOUND", "Web pixel not found.", ["id"])] };
    ctx.shop.webPixel = null;
    return { deletedWebPixelId: gid("WebPixel", record.id), userErrors: [] };
  },
});

export const pixelResolvers: Record<string, TypeResolvers> = {
  WebPixel: def<PixelView>({
    id: (p) => gid("WebPixel", p.record.id),
    settings: (p) => p.record.settings,
  }),
};

/** For the control API: the shop's pixel with its settings parsed. */
export function pixelSummary(record: WebPixelRecord | null) {
  return record
    ? { id: record.id, gid: gid("WebPixel", record.id), settings: JSON.parse(record.settings) as unknown, createdAt: time(record.createdAt), updatedAt: time(record.updatedAt) }
    : null;
}
