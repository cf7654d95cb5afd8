import { formatResult, isComplete } from './sql-table';

describe(formatResult.name, () => {
  it('prints rows as a boxed table with the row count and the notices', () => {
    expect(
      formatResult({
        kind: 'select',
        columns: ['name', 'events'],
        rows: [
          ['orders', 12],
          ['billing', null],
        ],
        affected: 0,
        notices: ['the result was cut'],
      }),
    ).toBe(
      [
        '+---------+--------+',
        '| name    | events |',
        '+---------+--------+',
        '| orders  | 12     |',
        '| billing | NULL   |',
        '+---------+--------+',
        '2 rows',
        'Note: the result was cut',
      ].join('\n'),
    );
  });

  it('prints a statement without columns as OK with the rows it changed', () => {
    expect(
      formatResult({ kind: 'drop_view', columns: [], rows: [], affected: 1, notices: [] }),
    ).toBe('OK, 1 affected (drop_view)');
  });

  it('prints a multi-line value (SHOW CREATE) as it is', () => {
    expect(
      formatResult({
        kind: 'show_create',
        columns: ['name', 'create_statement'],
        rows: [['a', "CREATE EVENT_SUBSCRIPTION a AS (\n  handler = 'log'\n);"]],
        affected: 0,
        notices: [],
      }),
    ).toBe(
      "name:\na\ncreate_statement:\nCREATE EVENT_SUBSCRIPTION a AS (\n  handler = 'log'\n);\n1 row",
    );
  });
});

describe(isComplete.name, () => {
  it.each([
    ['SELECT 1;', true],
    ['SELECT 1', false],
    ["SELECT ';'", false],
    ["SELECT ';';", true],
    ['SELECT 1 -- ;', false],
    ['SELECT 1; -- done', true],
    ['SELECT /* ; */ 1', false],
    ["CREATE EVENT_SUBSCRIPTION a AS (\n  handler = 'log'\n);\n", true],
  ])('%j ends a statement: %s', (text, expected) => {
    expect(isComplete(text)).toBe(expected);
  });
});
