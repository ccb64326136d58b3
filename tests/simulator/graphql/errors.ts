import {
  GraphQLError,
  Kind,
  specifiedRules,
  validate,
  visit,
  type ASTNode,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";

/**
 * Shopify's Admin API runs graphql-ruby, so its errors read differently from graphql-js: messages such as
 * "Field 'foo' doesn't exist on type 'Shop'", a `path` that starts at the operation, and `extensions.code` values
 * like "undefinedField". This module rewrites graphql-js validation errors into that shape.
 */

export interface ShopifyError {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

export function toShopifyError(e: GraphQLError): ShopifyError {
  const out: ShopifyError = { message: e.message };
  if (e.locations?.length) out.locations = e.locations.map((l) => ({ line: l.line, column: l.column }));
  if (e.path) out.path = [...e.path];
  if (e.extensions && Object.keys(e.extensions).length) out.extensions = { ...e.extensions };
  return out;
}

const RULE_CODES = new Map<ValidationRule, string>();
for (const rule of specifiedRules) {
  const base = rule.name.replace(/Rule$/, "");
  RULE_CODES.set(rule, base.charAt(0).toLowerCase() + base.slice(1));
}

export function validateForShopify(schema: GraphQLSchema, doc: DocumentNode): ShopifyError[] {
  const errors = validate(schema, doc, specifiedRules, { maxErrors: 50 });
  if (!errors.length) return [];
  // Attribute each error to its rule (cheap: only on the failure path) so it can be reworded.
  const byMessage = new Map<string, ValidationRule>();
  for (const rule of specifiedRules) {
    for (const e of validate(schema, doc, [rule])) byMessage.set(`${e.message}@${locKey(e)}`, rule);
  }
  return errors.map((e) => rewrite(e, byMessage.get(`${e.message}@${locKey(e)}`), doc));
}

const locKey = (e: GraphQLError) => (e.locations ?? []).map((l) => `${l.line}:${l.column}`).join(",");

function rewrite(e: GraphQLError, rule: ValidationRule | undefined, doc: DocumentNode): ShopifyError {
  const out = toShopifyError(e);
  delete out.extensions;
  const node = e.nodes?.[0];
  const path = node ? pathTo(doc, node) : undefined;
  if (path) out.path = path;
  const name = rule?.name ?? "";
  let m: RegExpExecArray | null;
  switch (name) {
    case "FieldsOnCorrectTypeRule":
      if ((m = /^Cannot query field "(.+?)" on type "(.+?)"/.exec(e.message))) {
        out.message = `Field '${m[1]}' doesn't exist on type '${m[2]}'`;
        out.extensions = { code: "undefinedField", typeName: m[2], fieldName: m[1] };
      }
      break;
    case "KnownArgumentNamesRule":
      if ((m = /^Unknown argument "(.+?)" on field "(?:.+?)\.(.+?)"/.exec(e.message))) {
        out.message = `Field '${m[2]}' doesn't accept argument '${m[1]}'`;
        out.extensions = { code: "argumentNotAccepted", name: m[2], typeName: "Field", argumentName: m[1] };
      } else if ((m = /^Unknown argument "(.+?)" on directive "@(.+?)"/.exec(e.message))) {
        out.message = `Directive '${m[2]}' doesn't accept argument '${m[1]}'`;
        out.extensions = { code: "argumentNotAccepted", name: m[2], typeName: "Directive", argumentName: m[1] };
      }
      break;
    case "ProvidedRequiredArgumentsRule":
      if ((m = /^Field "(.+?)" argument "(.+?)" of type "(.+?)" is required/.exec(e.message))) {
        out.message = `Field '${m[1]}' is missing required arguments: ${m[2]}`;
        out.extensions = { code: "missingRequiredArguments", className: "Field", name: m[1], arguments: m[2] };
      }
      break;
    case "ValuesOfCorrectTypeRule": {
      const arg = node ? enclosingArgument(doc, node) : null;
      const expected = /(?:Expected value of type "(.+?)"|^(\w+) cannot represent)/.exec(e.message);
      const typeName = expected ? (expected[1] ?? expected[2]) : "value";
      if (arg) {
        out.message = `Argument '${arg.argument}' on ${arg.owner} '${arg.ownerName}' has an invalid value (${arg.value}). Expected type '${typeName}'.`;
        out.extensions = { code: "argumentLiteralsIncompatible", typeName: arg.owner, argumentName: arg.argument };
      } else out.extensions = { code: "argumentLiteralsIncompatible" };
      break;
    }
    case "VariablesInAllowedPositionRule":
      if ((m = /^Variable "\$(.+?)" of type "(.+?)" used in position expecting type "(.+?)"/.exec(e.message))) {
        const arg = node ? enclosingArgument(doc, node) : null;
        const nullability = m[2].replace(/!$/, "") === m[3].replace(/!$/, "");
        out.message = `${nullability ? "Nullability" : "Type"} mismatch on variable $${m[1]} and argument ${arg?.argument ?? "?"} (${m[2]} / ${m[3]})`;
        out.extensions = { code: "variableMismatch", variableName: m[1], typeName: m[2], argumentName: arg?.argument, errorMessage: nullability ? "Nullability mismatch" : "Type mismatch" };
      }
      break;
    case "NoUnusedVariablesRule":
      if ((m = /^Variable "\$(.+?)" is never used(?: in operation "(.+?)")?/.exec(e.message))) {
        out.message = `Variable $${m[1]} is declared by ${m[2] ?? "anonymous query"} but not used`;
        out.extensions = { code: "variableNotUsed", variableName: m[1] };
      }
      break;
    case "NoUndefinedVariablesRule":
      if ((m = /^Variable "\$(.+?)" is not defined(?: by operation "(.+?)")?/.exec(e.message))) {
        out.message = `Variable $${m[1]} is used by ${m[2] ?? "anonymous query"} but not declared`;
        out.extensions = { code: "variableNotDefined", variableName: m[1] };
      }
      break;
    case "ScalarLeafsRule":
      if ((m = /^Field "(.+?)" of type "(.+?)" must have a selection of subfields/.exec(e.message))) {
        const t = m[2].replace(/[[\]!]/g, "");
        out.message = `Field must have selections (field '${m[1]}' returns ${t} but has no selections. Did you mean '${m[1]} { ... }'?)`;
        out.extensions = { code: "selectionMismatch", nodeName: `field '${m[1]}'`, typeName: t };
      } else if ((m = /^Field "(.+?)" must not have a selection since type "(.+?)" has no subfields/.exec(e.message))) {
        const t = m[2].replace(/[[\]!]/g, "");
        out.message = `Selections can't be made on scalars (field '${m[1]}' returns ${t} but has selections [...])`;
        out.extensions = { code: "selectionMismatch", nodeName: `field '${m[1]}'`, typeName: t };
      }
      break;
    case "KnownTypeNamesRule":
      if ((m = /^Unknown type "(.+?)"/.exec(e.message))) {
        out.message = `No such type ${m[1]}, so it can't be a fragment condition`;
        out.extensions = { code: "undefinedType", typeName: m[1] };
      }
      break;
    case "KnownFragmentNamesRule":
      if ((m = /^Unknown fragment "(.+?)"/.exec(e.message))) {
        out.message = `Fragment ${m[1]} was used, but not defined`;
        out.extensions = { code: "useAndDefineFragment", fragmentName: m[1] };
      }
      break;
    case "NoUnusedFragmentsRule":
      if ((m = /^Fragment "(.+?)" is never used/.exec(e.message))) {
        out.message = `Fragment ${m[1]} was defined, but not used`;
        out.extensions = { code: "useAndDefineFragment", fragmentName: m[1] };
      }
      break;
    case "KnownDirectivesRule":
      if ((m = /^Unknown directive "@(.+?)"/.exec(e.message))) {
        out.message = `Directive @${m[1]} is not defined`;
        out.extensions = { code: "undefinedDirective", directiveName: m[1] };
      }
      break;
    case "UniqueOperationNamesRule":
    case "LoneAnonymousOperationRule":
      out.extensions = { code: "uniquelyNamedOperations" };
      break;
  }
  if (!out.extensions) out.extensions = { code: rule ? (RULE_CODES.get(rule) ?? "validationError") : "validationError" };
  return out;
}

/** graphql-ruby style path: ["query Name", "field", "subfield", ...] down to the offending node. */
function pathTo(doc: DocumentNode, target: ASTNode): (string | number)[] | undefined {
  const start = target.loc?.start;
  if (start === undefined) return undefined;
  const stack: string[] = [];
  let found: string[] | undefined;
  visit(doc, {
    enter(node) {
      if (found) return false;
      let seg: string | null = null;
      switch (node.kind) {
        case Kind.OPERATION_DEFINITION:
          seg = node.name ? `${node.operation} ${node.name.value}` : node.operation;
          break;
        case Kind.FRAGMENT_DEFINITION:
          seg = `fragment ${node.name.value}`;
          break;
        case Kind.FIELD:
          seg = node.name.value;
          break;
        case Kind.INLINE_FRAGMENT:
          seg = `... on ${node.typeCondition?.name.value ?? ""}`.trim();
          break;
        case Kind.FRAGMENT_SPREAD:
          seg = `... ${node.name.value}`;
          break;
        case Kind.ARGUMENT:
          seg = node.name.value;
          break;
        case Kind.VARIABLE_DEFINITION:
          seg = `$${node.variable.name.value}`;
          break;
      }
      if (seg !== null) stack.push(seg);
      if (node.loc?.start === start && node.kind === target.kind) {
        found = [...stack];
        return false;
      }
      return undefined;
    },
    leave(node) {
      if (
        node.kind === Kind.OPERATION_DEFINITION ||
        node.kind === Kind.FRAGMENT_DEFINITION ||
        node.kind === Kind.FIELD ||
        node.kind === Kind.INLINE_FRAGMENT ||
        node.kind === Kind.FRAGMENT_SPREAD ||
        node.kind === Kind.ARGUMENT ||
        node.kind === Kind.VARIABLE_DEFINITION
      ) {
        stack.pop();
      }
    },
  });
  return found;
}

function enclosingArgument(
  doc: DocumentNode,
  target: ASTNode,
): { argument: string; owner: "Field" | "Directive"; ownerName: string; value: string } | null {
  const pos = target.loc?.start;
  if (pos === undefined) return null;
  let best: { argument: string; owner: "Field" | "Directive"; ownerName: string; value: string } | null = null;
  const owners: { owner: "Field" | "Directive"; name: string }[] = [];
  visit(doc, {
    enter(node) {
      if (node.kind === Kind.FIELD) owners.push({ owner: "Field", name: node.name.value });
      if (node.kind === Kind.DIRECTIVE) owners.push({ owner: "Directive", name: node.name.value });
      if (node.kind === Kind.ARGUMENT && node.loc && node.loc.start <= pos && pos < node.loc.end) {
        const o = owners[owners.length - 1];
        const src = node.value.loc ? node.value.loc.source.body.slice(node.value.loc.start, node.value.loc.end) : "";
        best = { argument: node.name.value, owner: o?.owner ?? "Field", ownerName: o?.name ?? "", value: src };
      }
    },
    leave(node) {
      if (node.kind === Kind.FIELD || node.kind === Kind.DIRECTIVE) owners.pop();
    },
  });
  return best;
}

/** Field resolvers throw these; graphql-js adds locations and path. */
export function accessDenied(fieldName: string, rule: { text: string }): GraphQLError {
  return new GraphQLError(`Access denied for ${fieldName} field. Required access: ${rule.text}`, {
    extensions: {
      code: "ACCESS_DENIED",
      documentation: "https://shopify.dev/api/usage/access-scopes",
      requiredAccess: rule.text,
    },
  });
}

export function notImplemented(typeName: string, fieldName: string): GraphQLError {
  return new GraphQLError(
    `Field '${typeName}.${fieldName}' is not implemented by the Shopify simulator (tests/simulator). ` +
      `Add it to tests/simulator/graphql/resolvers.ts or select another field.`,
    { extensions: { code: "NOT_IMPLEMENTED_IN_SIMULATOR", typeName, fieldName } },
  );
}

export function badRequest(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_REQUEST", ...extra } });
}
