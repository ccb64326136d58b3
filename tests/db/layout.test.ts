// The two-database layout: one model file, shared by both schema folders, with identical generators.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../prisma/support/run-prisma";
import { MODELS_FILE } from "./schema-facts";

const PROVIDERS = ["sqlite", "postgresql"] as const;
const schemaFile = (p: string) => path.join(PROJECT_ROOT, "prisma", p, "schema.prisma");

function blocks(source: string, kind: "generator" | "datasource"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of source.matchAll(new RegExp(`^${kind}\\s+(\\w+)\\s*\\{([\\s\\S]*?)^\\}`, "gm"))) {
    out[m[1]] = m[2]
      .split("\n")
      .map((line) => line.replace(/\/\/.*$/, "").trim().replace(/\s+/g, " "))
      .filter(Boolean)
      .join("\n");
  }
  return out;
}

describe("schema layout", () => {
  it.each(PROVIDERS)("GIVEN prisma/%s WHEN its models.prisma is resolved THEN it is prisma/models.prisma itself (a symlink, not a copy)", (p) => {
    const link = path.join(PROJECT_ROOT, "prisma", p, "models.prisma");
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.realpathSync(link)).toBe(fs.realpathSync(MODELS_FILE));
  });

  it("GIVEN prisma/models.prisma WHEN read THEN it holds no datasource or generator (those are per database)", () => {
    const models = fs.readFileSync(MODELS_FILE, "utf8");
    expect(Object.keys(blocks(models, "datasource"))).toEqual([]);
    expect(Object.keys(blocks(models, "generator"))).toEqual([]);
  });

  it("GIVEN both schema files WHEN their generators are compared THEN they differ only in the client's output folder", () => {
    const [sqlite, postgresql] = PROVIDERS.map((p) => blocks(fs.readFileSync(schemaFile(p), "utf8"), "generator"));
    expect(sqlite.client).toContain('output = "../../app/generated/sqlite"');
    expect(postgresql.client).toContain('output = "../../app/generated/postgresql"');
    expect(postgresql.client.replace("generated/postgresql", "generated/sqlite")).toBe(sqlite.client);
    expect(postgresql.legacy).toBe(sqlite.legacy);
    for (const required of ['provider = "prisma-client"', 'engineType = "client"', 'runtime = "nodejs"', 'moduleFormat = "esm"']) {
      expect(sqlite.client).toContain(required);
    }
    expect(sqlite.legacy).toContain('provider = "prisma-client-js"');
    expect(sqlite.legacy).toContain('engineType = "client"');
  });

  it.each(PROVIDERS)("GIVEN prisma/%s WHEN its datasource is read THEN it keeps a url (without one the CLI downloads an engine)", (p) => {
    const { db } = blocks(fs.readFileSync(schemaFile(p), "utf8"), "datasource");
    expect(db).toContain(`provider = "${p}"`);
    expect(db).toMatch(/^url = "/m);
  });

  it.each(PROVIDERS)("GIVEN prisma/%s/migrations WHEN read THEN it has a migration_lock.toml for that provider", (p) => {
    const lock = fs.readFileSync(path.join(PROJECT_ROOT, "prisma", p, "migrations", "migration_lock.toml"), "utf8");
    expect(lock).toMatch(new RegExp(`^provider = "${p}"$`, "m"));
  });

  it("GIVEN both migration folders WHEN listed THEN they hold the same migrations under the same names", () => {
    const names = PROVIDERS.map((p) =>
      fs
        .readdirSync(path.join(PROJECT_ROOT, "prisma", p, "migrations"), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort(),
    );
    expect(names[1]).toEqual(names[0]);
  });
});
