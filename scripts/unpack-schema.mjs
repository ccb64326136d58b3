// Writes the committed, gzipped Admin API 2026-07 introspection (tests/simulator/schema) where GraphQL codegen
// looks for it. Skips the write when the file is already current.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = resolve(root, "tests/simulator/schema/admin_2026-07.json.gz");
const target = resolve(root, "app/types/admin-2026-07.schema.json");

if (!existsSync(target) || statSync(target).mtimeMs < statSync(source).mtimeMs) {
  mkdirSync(dirname(target), { recursive: true });
  const introspection = JSON.parse(gunzipSync(readFileSync(source)).toString("utf8"));
  writeFileSync(target, JSON.stringify(introspection.data ?? introspection));
}
