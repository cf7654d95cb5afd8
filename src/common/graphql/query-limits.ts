import {
  GraphQLError,
  Kind,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  /** Nested selection levels. */
  maxDepth: number;
  /** Aliased fields, counted through fragments as they expand. */
  maxAliases: number;
  /** Fields in the expanded operation: every field is a resolver call, some a database read. */
  maxFields: number;
}

export const QUERY_LIMITS: QueryLimits = { maxDepth: 10, maxAliases: 20, maxFields: 300 };

/** Parser tokens per document: a cap that stops alias bombs before they are even parsed. */
export const MAX_QUERY_TOKENS = 5_000;

interface Count {
  depth: number;
  aliases: number;
  fields: number;
}

/**
 * A validation rule that refuses operations too deep, with too many aliases, or too many fields,
 * before anything executes; counting stops at the first limit passed, so the check itself costs
 * little however hostile the document.
 */
export function queryLimitsRule(limits: QueryLimits = QUERY_LIMITS): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of context.getDocument().definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) {
          fragments.set(definition.name.value, definition);
        }
      }
      const count: Count = { depth: 0, aliases: 0, fields: 0 };
      const exceeded = measure(operation.selectionSet, 1, fragments, count, limits);
      if (exceeded) {
        context.reportError(
          new GraphQLError(`The operation is too complex: ${exceeded}`, {
            nodes: [operation],
            extensions: { code: 'QUERY_TOO_COMPLEX' },
          }),
        );
      }
    },
  });
}

function measure(
  selectionSet: SelectionSetNode,
  depth: number,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  count: Count,
  limits: QueryLimits,
): string | undefined {
  if (depth > limits.maxDepth) {
    return `deeper than ${limits.maxDepth} levels`;
  }
  for (const selection of selectionSet.selections) {
    let inner: SelectionSetNode | undefined;
    let innerDepth = depth;
    switch (selection.kind) {
      case Kind.FIELD:
        count.fields++;
        if (selection.alias) {
          count.aliases++;
        }
        // Introspection runs in memory (tools need its deep queries); MAX_QUERY_TOKENS bounds it.
        inner = selection.name.value.startsWith('__') ? undefined : selection.selectionSet;
        innerDepth = depth + 1;
        break;
      case Kind.INLINE_FRAGMENT:
        inner = selection.selectionSet;
        break;
      case Kind.FRAGMENT_SPREAD:
        // A fragment cycle is refused by graphql's own rules; here it only deepens until the cap.
        inner = fragments.get(selection.name.value)?.selectionSet;
        innerDepth = depth + 1;
        break;
    }
    if (count.aliases > limits.maxAliases) {
      return `more than ${limits.maxAliases} aliases`;
    }
    if (count.fields > limits.maxFields) {
      return `more than ${limits.maxFields} fields`;
    }
    if (inner) {
      const exceeded = measure(inner, innerDepth, fragments, count, limits);
      if (exceeded) {
        return exceeded;
      }
    }
  }
  return undefined;
}
