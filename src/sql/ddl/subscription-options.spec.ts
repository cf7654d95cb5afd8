import { parseSqlScript, type SqlStatement } from '../parser/sql-script.parser';
import { bodyFromOptions, readOptions, suggestOption } from './subscription-options';

function options(sql: string) {
  const [statement] = parseSqlScript(sql) as Extract<
    SqlStatement,
    { kind: 'create_subscription' }
  >[];
  return statement.options;
}

describe(suggestOption.name, () => {
  it.each([
    ['max_retry_attempt', 'max_retry_attempts'],
    ['retry_dealy_ms', 'retry_delay_ms'],
    ['watch_collection', 'watch_collections'],
    ['evnt_types', 'event_types'],
    ['colour', undefined],
  ])('%s → %s', (typo, expected) => {
    expect(suggestOption(typo)).toBe(expected);
  });
});

describe(bodyFromOptions.name, () => {
  it('maps the options to the REST body of a subscription', () => {
    const given = readOptions(
      options(`CREATE EVENT_SUBSCRIPTION a AS (
        database = 'shop', event_filter = JSON_OBJECT('a', 1), pipeline = JSON_ARRAY(JSON_OBJECT('$project', JSON_OBJECT('b', 0))),
        preserve_order = true, batch_processing = true, max_retry_attempts = 0, exponential_backoff = false,
        webhook_url = 'https://x.example/h', webhook_secret = :secret, state = 'paused')`),
      { secret: 'whsec_abcdefgh' },
      false,
    );
    expect(bodyFromOptions(given, 'create')).toEqual({
      body: {
        source: { database: 'shop', pipeline: [{ $match: { a: 1 } }, { $project: { b: 0 } }] },
        handler: { type: 'webhook', url: 'https://x.example/h', secret: 'whsec_abcdefgh' },
        delivery: { ordering: 'strict', batchSize: 100 },
        retry: { maxAttempts: 1, multiplier: 1 },
        desiredState: 'paused',
      },
      notices: [],
    });
  });

  it('refuses what the mapping cannot express, naming the option and its position', () => {
    const refuse =
      (sql: string, alter = false) =>
      () =>
        bodyFromOptions(readOptions(options(sql), {}, alter), alter ? 'alter' : 'create');
    expect(
      refuse("CREATE EVENT_SUBSCRIPTION a AS (handler = 'log', webhook_url = 'https://x')"),
    ).toThrow(
      'Option handler: cannot name a handler ("log") together with webhook_url at line 1, column 43',
    );
    expect(refuse("CREATE EVENT_SUBSCRIPTION a AS (webhook_secret = 'abcdefghij')")).toThrow(
      'Option webhook_secret: applies to the webhook handler only: add webhook_url at line 1, column 50',
    );
    expect(refuse('CREATE EVENT_SUBSCRIPTION a AS (max_retry_attempts = 100)')).toThrow(
      /max_retry_attempts: must be an integer from 0 to 99/,
    );
    expect(refuse('CREATE EVENT_SUBSCRIPTION a AS (handler = :h)')).toThrow(
      'no value for the parameter :h',
    );
    expect(refuse("CREATE EVENT_SUBSCRIPTION a AS (database = 'a', DATABASE = 'b')")).toThrow(
      'Option database: is given twice',
    );
    expect(refuse("CREATE EVENT_SUBSCRIPTION a AS (start_position = 'now')", true)).toThrow(
      'Option start_position: can only be set by CREATE',
    );
    expect(refuse("CREATE EVENT_SUBSCRIPTION a AS (event_filter = JSON_OBJECT('a'))")).toThrow(
      'JSON_OBJECT takes key, value pairs',
    );
  });
});
