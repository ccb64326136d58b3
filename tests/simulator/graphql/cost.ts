import {
  getArgumentValues,
  getNamedType,
  isInterfaceType,
  isLeafType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/**
 * Query cost after Shopify's published rules: scalars and enums 0, objects 1, connections 2 + (first|last) × the
 * cost of one node, mutations 10. Requested cost is computed from the document before execution; actual cost walks
 * the response with the same rules, counting the nodes that really came back.
 */

export const MAX_QUERY_COST = 1000;
export const MUTATION_COST = 10;

type Vars = Record<string, unknown>;

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  vars: Vars;
}

export function isConnectionType(t: GraphQLNamedType): t is GraphQLObjectType {
  if (!isObjectType(t) || !t.name.endsWith("Connection")) return false;
  const f = t.getFields();
  return "edges" in f || "nodes" in f;
}

export function requestedCost(schema: GraphQLSchema, op: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>, vars: Vars): number {
  const root = op.operation === "mutation" ? schema.getMutationType() : op.operation === "subscription" ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return 0;
  const w: Walk = { schema, fragments, vars };
  if (op.operation === "mutation") {
    let cost = 0;
    for (const [f] of fields(w, op.selectionSet, root)) if (!f.name.value.startsWith("__")) cost += MUTATION_COST;
    return cost;
  }
  return staticSel(w, op.selectionSet, root, false);
}

export function actualCost(
  schema: GraphQLSchema,
  op: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  vars: Vars,
  data: unknown,
  requested: number,
): number {
  if (op.operation === "mutation") return requested;
  const root = schema.getQueryType();
  if (!root || data === null || data === undefined) return 0;
  const w: Walk = { schema, fragments, vars };
  return Math.min(requested, dynamicSel(w, op.selectionSet, root, data as Record<string, unknown>, false));
}

function* fields(w: Walk, sel: SelectionSetNode, type: GraphQLCompositeType): Generator<[FieldNode, GraphQLCompositeType]> {
  for (const s of sel.selections) {
    if (s.kind === Kind.FIELD) yield [s, type];
    else if (s.kind === Kind.INLINE_FRAGMENT) yield* fields(w, s.selectionSet, conditionType(w, s.typeCondition?.name.value, type));
    else {
      const frag = w.fragments.get(s.name.value);
      if (frag) yield* fields(w, frag.selectionSet, conditionType(w, frag.typeCondition.name.value, type));
    }
  }
}

function conditionType(w: Walk, name: string | undefined, fallback: GraphQLCompositeType): GraphQLCompositeType {
  const t = name ? w.schema.getType(name) : undefined;
  return t && (isObjectType(t) || isInterfaceType(t)) ? t : fallback;
}

function fieldType(parent: GraphQLCompositeType, node: FieldNode) {
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[node.name.value] : undefined;
}

function pageSize(w: Walk, node: FieldNode, def: ReturnType<typeof fieldType>): number {
  if (!def) return 0;
  try {
    const args = getArgumentValues(def, node, w.vars) as { first?: number; last?: number; ids?: unknown[] };
    return Number(args.first ?? args.last ?? 0) || 0;
  } catch {
    return 0;
  }
}

function staticSel(w: Walk, sel: SelectionSetNode, type: GraphQLCompositeType, insideConnection: boolean): number {
  let cost = 0;
  for (const [node, owner] of fields(w, sel, type)) {
    const name = node.name.value;
    if (name.startsWith("__")) continue;
    const def = fieldType(owner, node);
    if (!def) continue;
    const named = getNamedType(def.type);
    if (isLeafType(named)) continue;
    const sub = node.selectionSet;
    if (!sub) continue;
    if (insideConnection && (name === "edges" || name === "pageInfo")) {
      // Edges and pageInfo ride on the connection's own cost.
      if (name === "edges") cost += staticSel(w, sub, named as GraphQLCompositeType, true);
      continue;
    }
    if (isConnectionType(named)) {
      cost += 2 + pageSize(w, node, def) * staticSel(w, sub, named, true);
    } else if (name === "nodes" && !insideConnection && Array.isArray(safeArgs(w, node, def).ids)) {
      const ids = safeArgs(w, node, def).ids as unknown[];
      cost += ids.length * (1 + staticSel(w, sub, named as GraphQLCompositeType, false));
    } else {
      cost += 1 + staticSel(w, sub, named as GraphQLCompositeType, false);
    }
  }
  return cost;
}

function dynamicSel(w: Walk, sel: SelectionSetNode, type: GraphQLCompositeType, data: Record<string, unknown>, insideConnection: boolean): number {
  let cost = 0;
  for (const [node, owner] of fields(w, sel, type)) {
    const name = node.name.value;
    if (name.startsWith("__")) continue;
    const key = node.alias?.value ?? name;
    if (!(key in data)) continue;
    const def = fieldType(owner, node);
    if (!def) continue;
    const named = getNamedType(def.type);
    if (isLeafType(named) || !node.selectionSet) continue;
    const value = data[key];
    if (value === null || value === undefined) continue;
    const sub = node.selectionSet;
    if (insideConnection && (name === "edges" || name === "pageInfo")) {
      if (name === "edges" && Array.isArray(value)) {
        for (const edge of value) if (edge) cost += dynamicSel(w, sub, named as GraphQLCompositeType, edge as Record<string, unknown>, true);
      }
      continue;
    }
    if (isConnectionType(named)) {
      cost += 2 + dynamicSel(w, sub, named, value as Record<string, unknown>, true);
    } else if (Array.isArray(value)) {
      if (insideConnection && name === "nodes") {
        for (const item of value) if (item) cost += 1 + dynamicSel(w, sub, named as GraphQLCompositeType, item as Record<string, unknown>, false);
      } else {
        // Plain lists are charged like a single object (their size is unknown before execution).
        let max = 0;
        for (const item of value) if (item) max = Math.max(max, dynamicSel(w, sub, named as GraphQLCompositeType, item as Record<string, unknown>, false));
        cost += name === "nodes" ? value.length * (1 + max) : 1 + max;
      }
    } else {
      cost += 1 + dynamicSel(w, sub, named as GraphQLCompositeType, value as Record<string, unknown>, false);
    }
  }
  return cost;
}

function safeArgs(w: Walk, node: FieldNode, def: NonNullable<ReturnType<typeof fieldType>>): Record<string, unknown> {
  try {
    return getArgumentValues(def, node, w.vars);
  } catch {
    return {};
  }
}

