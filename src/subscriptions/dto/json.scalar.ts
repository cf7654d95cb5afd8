import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { PROTOTYPE_KEYS } from '../../common/http/request-hardening';

/**
 * Any JSON value, for fields whose shape belongs to MongoDB rather than to this API (pipeline
 * stages, webhook headers). Written here because graphql-type-json is not a dependency.
 */
export const GraphQLJSON = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value (objects, arrays, strings, numbers, booleans, null)',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToValue(ast, variables ?? undefined),
});

function literalToValue(ast: ValueNode, variables: Record<string, unknown> | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
    case Kind.ENUM:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((item) => literalToValue(item, variables));
    case Kind.OBJECT:
      return Object.fromEntries(
        ast.fields.map((field) => {
          if (PROTOTYPE_KEYS.has(field.name.value)) {
            // Refused as in REST bodies: the input mappers would drop it silently.
            throw new TypeError(`the key "${field.name.value}" is not allowed`);
          }
          return [field.name.value, literalToValue(field.value, variables)];
        }),
      );
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
  }
}
