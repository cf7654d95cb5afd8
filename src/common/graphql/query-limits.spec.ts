import { buildSchema, parse, validate } from 'graphql';
import { queryLimitsRule } from './query-limits';

const schema = buildSchema(`
  type Node { name: String, child: Node }
  type Query { node: Node, nodes: [Node] }
`);

function errorsOf(query: string): string[] {
  return validate(schema, parse(query), [queryLimitsRule()]).map((error) => error.message);
}

describe(queryLimitsRule.name, () => {
  it('accepts an ordinary query, and introspection', () => {
    expect(errorsOf('{ node { name child { name } } nodes { name } }')).toEqual([]);
    expect(
      errorsOf(
        '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }',
      ),
    ).toEqual([]);
  });

  it('refuses too many aliases, fast, even through fragments', () => {
    const aliases = Array.from({ length: 3_500 }, (_, i) => `a${i}: node { name }`).join(' ');
    const started = Date.now();
    expect(errorsOf(`{ ${aliases} }`)).toEqual([expect.stringMatching(/more than 20 aliases/)]);
    expect(Date.now() - started).toBeLessThan(1_000);
    const spread = Array.from({ length: 5 }, (_, i) => `b${i}: node { ...F }`).join(' ');
    const fragment = `fragment F on Node { ${Array.from({ length: 5 }, (_, i) => `c${i}: name`).join(' ')} }`;
    expect(errorsOf(`{ ${spread} } ${fragment}`)).toEqual([
      expect.stringMatching(/more than 20 aliases/),
    ]);
  });

  it('refuses a deep query and a wide one', () => {
    const deep = '{ node ' + '{ child '.repeat(12) + '{ name }' + ' }'.repeat(12) + ' }';
    expect(errorsOf(deep)).toEqual([expect.stringMatching(/deeper than 10 levels/)]);
    const wide = `{ node { ${'name '.repeat(400)} } }`;
    expect(errorsOf(wide)).toEqual([expect.stringMatching(/more than 300 fields/)]);
  });
});
