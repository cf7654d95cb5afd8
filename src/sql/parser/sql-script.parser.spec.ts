import { parseSqlScript } from './sql-script.parser';

describe(parseSqlScript.name, () => {
  it('splits statements at ; outside strings, identifiers and comments', () => {
    const statements = parseSqlScript(
      "SELECT ';' AS a FROM EVENT_METRICS -- ; here\n; /* ; */ SHOW EVENT_SUBSCRIPTIONS LIKE 'a;%';\nPAUSE EVENT_SUBSCRIPTION `a-b`;",
    );
    expect(statements.map((s) => s.kind)).toEqual([
      'query',
      'show_subscriptions',
      'subscription_action',
    ]);
    expect(statements[0]).toMatchObject({ text: "SELECT ';' AS a FROM EVENT_METRICS -- ; here" });
    expect(statements[1]).toMatchObject({ like: 'a;%' });
    expect(statements[2]).toMatchObject({
      action: 'pause',
      name: 'a-b',
      loc: { start: { line: 3, column: 1 } },
    });
  });

  it('reads option values: strings with escapes, numbers, booleans, NULL, JSON_ARRAY, JSON_OBJECT, parameters', () => {
    const [statement] = parseSqlScript(
      "create event_subscription if not exists a as (s = 'it''s \\n', n = -1.5e2, b = TRUE, z = null, arr = JSON_ARRAY(), o = json_object('k', JSON_ARRAY(1)), p = :p, w = log,)",
    );
    expect(statement).toMatchObject({ kind: 'create_subscription', ifNotExists: true });
    const values = (statement as { options: { name: string; value: unknown }[] }).options.map(
      (o) => [o.name, o.value],
    );
    expect(values).toEqual([
      ['s', expect.objectContaining({ type: 'string', value: "it's \n" })],
      ['n', expect.objectContaining({ type: 'number', value: -150 })],
      ['b', expect.objectContaining({ type: 'boolean', value: true })],
      ['z', expect.objectContaining({ type: 'null' })],
      ['arr', expect.objectContaining({ type: 'array', items: [] })],
      ['o', expect.objectContaining({ type: 'object' })],
      ['p', expect.objectContaining({ type: 'param', name: 'p' })],
      ['w', expect.objectContaining({ type: 'identifier', value: 'log' })],
    ]);
  });

  it('reports a syntax error with its line and column', () => {
    expect(() => parseSqlScript('ALTER EVENT_SUBSCRIPTION a SET (\n  x = 1\n  y = 2)')).toThrow(
      /^Syntax error at line 3, column 3: Expected/,
    );
    expect(() => parseSqlScript("CREATE EVENT_SUBSCRIPTION a AS (x = 'open")).toThrow(
      /^Syntax error at line 1, column 37/,
    );
  });
});
