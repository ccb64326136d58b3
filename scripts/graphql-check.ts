/**
 * `npm run graphql:check`: every Admin operation in app/graphql must be one named operation, named like its file,
 * that validates against the real 2026-07 schema. Exits non-zero and names each problem otherwise.
 */
import { readdirSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { Kind, parse, validate, type DocumentNode } from "graphql";

import { loadAdminSchema } from "../tests/simulator/graphql/schema";

const dir = resolve(import.meta.dirname, "../app/graphql");
const { schema } = loadAdminSchema();
const problems: string[] = [];
let checked = 0;

for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
  const module = (await import(pathToFileURL(resolve(dir, file)).href)) as Record<string, unknown>;
  const documents = Object.entries(module).filter(
    (entry): entry is [string, string] => typeof entry[1] === "string" && entry[1].includes("#graphql"),
  );
  if (documents.length === 0) problems.push(`${file}: exports no #graphql document`);
  for (const [exportName, source] of documents) {
    checked += 1;
    const where = `${file} (${exportName})`;
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
      continue;
    }
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1) problems.push(`${where}: holds ${operations.length} operations, expected exactly 1`);
    for (const operation of operations) {
      if (!operation.name) problems.push(`${where}: the operation has no name`);
      else if (operation.name.value !== basename(file, ".ts"))
        problems.push(`${where}: operation ${operation.name.value} should be named after its file`);
    }
    for (const error of validate(schema, document)) problems.push(`${where}: ${error.message}`);
  }
}

if (problems.length > 0) {
  console.error(`GraphQL check failed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`GraphQL check: ${checked} document(s) valid against Admin API 2026-07`);
