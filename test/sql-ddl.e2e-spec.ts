import { waitFor } from '@app/testing';
import { RECORDING_HANDLER } from './support/recording.handler';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { SourceData } from './support/source-data';

/** The example, verbatim. */
const EXAMPLE = `CREATE EVENT_SUBSCRIPTION user_service_events AS (
  subscription_id = 'user_lifecycle_events',
  service_name = 'user_service',
  watch_collections = JSON_ARRAY('users', 'user_profiles', 'user_preferences'),
  event_types = JSON_ARRAY('insert', 'update', 'delete'),
  event_filter = JSON_OBJECT(
    'operationType', JSON_OBJECT('$in', JSON_ARRAY('insert', 'update'))
  ),
  batch_processing = false,
  preserve_order = true,
  full_document = 'updateLookup',
  full_document_before_change = 'whenAvailable',
  max_retry_attempts = 3,
  retry_delay_ms = 1000,
  exponential_backoff = true,
  dead_letter_queue_enabled = true,
  batch_size = 100,
  processing_timeout_ms = 30000,
  created_by = 'user_service_admin',
  description = 'User lifecycle events for authentication and personalization services'
);`;

/** The REST body with the documented mapping of each option of the example. */
const EXAMPLE_AS_REST = {
  name: 'user_service_events_rest',
  serviceName: 'user_service',
  description: 'User lifecycle events for authentication and personalization services',
  createdBy: 'user_service_admin',
  desiredState: 'paused',
  source: {
    database: 'app',
    collections: ['users', 'user_profiles', 'user_preferences'],
    operationTypes: ['insert', 'update', 'delete'],
    pipeline: [{ $match: { operationType: { $in: ['insert', 'update'] } } }],
    fullDocument: 'updateLookup',
    fullDocumentBeforeChange: 'whenAvailable',
  },
  handler: { type: 'provider', name: 'log' },
  delivery: { ordering: 'strict', batchSize: 1, timeoutMs: 30000 },
  retry: { maxAttempts: 4, initialDelayMs: 1000, multiplier: 2 },
  deadLetter: { enabled: true },
};

/** A view without what differs between two subscriptions created apart (name, times). */
function definition(view: Record<string, unknown>): Record<string, unknown> {
  const { name: _name, createdAt: _c, updatedAt: _u, startAt: _s, ...rest } = view;
  return rest;
}

describe('SQL: EVENT_SUBSCRIPTION statements', () => {
  let server: RelayServer;

  beforeAll(async () => {
    server = await startRelay();
  });

  afterAll(async () => {
    await server?.close();
  });

  const sql = (text: string, params?: Record<string, unknown>) =>
    server.api.http.post('/api/v1/sql').send({ sql: text, ...(params ? { params } : {}) });

  it('creates from the example the subscription the REST body with the mapped fields creates', async () => {
    const { body } = await sql(EXAMPLE).expect(200);
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({
      kind: 'create_subscription',
      affected: 1,
      columns: ['name', 'service_name', 'state', 'handler', 'database', 'revision'],
      rows: [['user_service_events', 'user_service', 'paused', 'log', 'app', 1]],
    });
    expect(body[0].notices).toEqual([
      expect.stringContaining('subscription_id "user_lifecycle_events" is not stored'),
      expect.stringContaining('batch_size 100 is ignored'),
      expect.stringContaining('no database option'),
      expect.stringContaining(
        'no handler named: it gets the built-in "log" handler and is created paused',
      ),
    ]);
    await server.api.createSubscription(EXAMPLE_AS_REST).expect(201);
    const [fromSql, fromRest] = await Promise.all([
      server.api.getSubscription('user_service_events').expect(200),
      server.api.getSubscription('user_service_events_rest').expect(200),
    ]);
    expect(definition(fromSql.body)).toEqual(definition(fromRest.body));
  });

  it('SHOW CREATE prints a statement that recreates the subscription exactly', async () => {
    const { body } = await sql('SHOW CREATE EVENT_SUBSCRIPTION user_service_events').expect(200);
    const statement = body[0].rows[0][1] as string;
    expect(statement).toMatch(/^CREATE EVENT_SUBSCRIPTION user_service_events AS \(/);
    const before = await server.api.getSubscription('user_service_events').expect(200);
    await sql('DROP EVENT_SUBSCRIPTION user_service_events').expect(200);
    await server.api.getSubscription('user_service_events').expect(404);
    const again = await sql(statement).expect(200);
    expect(again.body[0].notices).toEqual([]);
    const after = await server.api.getSubscription('user_service_events').expect(200);
    expect(definition(after.body)).toEqual(definition(before.body));
    const shown = await sql('SHOW CREATE EVENT_SUBSCRIPTION user_service_events').expect(200);
    expect(shown.body[0].rows[0][1]).toBe(statement);
  });

  it('round-trips a webhook subscription with a pipeline, a start time and every setting', async () => {
    const create = `/* a webhook */ CREATE EVENT_SUBSCRIPTION IF NOT EXISTS \`orders-hook\` AS (
      service_name = 'billing', database = 'shop', watch_collections = JSON_ARRAY('orders'),
      event_filter = JSON_OBJECT('fullDocument.total', JSON_OBJECT('$gte', 100)),
      pipeline = JSON_ARRAY(JSON_OBJECT('$project', JSON_OBJECT('fullDocument.card', 0))),
      webhook_url = 'http://127.0.0.1:9/hook', webhook_timeout_ms = 5000,
      ordering = 'key', concurrency = 4, retry_jitter = 'none', dead_letter_retention_days = 7,
      start_position = 'timestamp', start_timestamp = :since, state = 'paused'
    )`;
    const since = new Date(Date.now() - 1000).toISOString();
    await sql(create, { since }).expect(200);
    const before = await server.api.getSubscription('orders-hook').expect(200);
    expect(before.body).toMatchObject({
      handler: { type: 'webhook', url: 'http://127.0.0.1:9/hook', timeoutMs: 5000 },
      source: {
        pipeline: [
          { $match: { 'fullDocument.total': { $gte: 100 } } },
          { $project: { 'fullDocument.card': 0 } },
        ],
      },
      delivery: { ordering: 'key', concurrency: 4 },
      startFrom: { position: 'timestamp' },
      desiredState: 'paused',
    });
    const again = await sql(create, { since }).expect(200);
    expect(again.body[0]).toMatchObject({
      affected: 0,
      notices: [expect.stringContaining('already exists')],
    });
    const shown = await sql('SHOW CREATE EVENT_SUBSCRIPTION `orders-hook`').expect(200);
    await sql('DROP EVENT_SUBSCRIPTION `orders-hook`').expect(200);
    await sql(shown.body[0].rows[0][1]).expect(200);
    const after = await server.api.getSubscription('orders-hook').expect(200);
    expect(definition(after.body)).toEqual(definition(before.body));
  });

  it('ALTER, PAUSE, RESUME, RESET and DROP behave as their REST twins', async () => {
    const base = {
      serviceName: 'twins',
      source: { database: 'shop', collections: ['orders'] },
      handler: { type: 'provider', name: 'log' },
    };
    await server.api.createSubscription({ ...base, name: 'twin-rest' }).expect(201);
    await sql(
      "CREATE EVENT_SUBSCRIPTION twin_sql AS (service_name = 'twins', database = 'shop', watch_collections = JSON_ARRAY('orders'), handler = 'log')",
    ).expect(200);
    await server.api
      .updateSubscription('twin-rest', {
        description: 'changed',
        delivery: { concurrency: 2, ordering: 'none' },
        retry: { maxAttempts: 6, multiplier: 1 },
      })
      .expect(200);
    const altered = await sql(
      "ALTER EVENT_SUBSCRIPTION twin_sql SET (description = 'changed', concurrency = 2, preserve_order = false, max_retry_attempts = 5, exponential_backoff = false)",
    ).expect(200);
    expect(altered.body[0]).toMatchObject({
      kind: 'alter_subscription',
      rows: [['twin_sql', 'twins', 'active', 'log', 'shop', 2]],
    });
    const pair = async () => {
      const [a, b] = await Promise.all([
        server.api.getSubscription('twin-rest').expect(200),
        server.api.getSubscription('twin_sql').expect(200),
      ]);
      return [definition(a.body), definition(b.body)];
    };
    let [rest, viaSql] = await pair();
    expect(viaSql).toEqual(rest);

    await server.api.action('twin-rest', 'pause').expect(200);
    await sql('PAUSE EVENT_SUBSCRIPTION twin_sql').expect(200);
    [rest, viaSql] = await pair();
    expect(viaSql).toEqual(rest);
    expect(viaSql.state).toBe('paused');

    await server.api.action('twin-rest', 'resume').expect(200);
    await sql('resume event_subscription twin_sql;').expect(200);
    [rest, viaSql] = await pair();
    expect(viaSql).toEqual(rest);
    expect(viaSql.state).toBe('active');

    await sql('RESET EVENT_SUBSCRIPTION twin_sql').expect(200);
    await sql(
      'DROP EVENT_SUBSCRIPTION twin_sql; DROP EVENT_SUBSCRIPTION IF EXISTS twin_sql',
    ).expect(200);
    await server.api.getSubscription('twin_sql').expect(404);
    const missing = await sql('DROP EVENT_SUBSCRIPTION twin_sql').expect(404);
    expect(missing.body.message).toBe('Subscription "twin_sql" does not exist');
  });

  it('SHOW EVENT_SUBSCRIPTIONS lists them, filtered by LIKE', async () => {
    const { body } = await sql("SHOW EVENT_SUBSCRIPTIONS LIKE 'user%'").expect(200);
    expect(body[0].rows.map((row: unknown[]) => row[0])).toEqual([
      'user_service_events',
      'user_service_events_rest',
    ]);
  });

  it('names the option, its line and column, and suggests a misspelled one', async () => {
    const typo = await sql(
      "CREATE EVENT_SUBSCRIPTION typo AS (\n  database = 'shop',\n  max_retry_attempt = 3\n)",
    ).expect(400);
    expect(typo.body.message).toBe(
      'Unknown option "max_retry_attempt" at line 3, column 3; did you mean "max_retry_attempts"?',
    );
    expect(typo.body.details).toEqual([
      {
        field: 'max_retry_attempt',
        reason: 'unknown option at line 3, column 3; did you mean "max_retry_attempts"?',
      },
    ]);
    const bad = await sql(
      "CREATE EVENT_SUBSCRIPTION bad AS (\n  database = 'shop',\n  full_document = 'sometimes',\n  concurrency = 0\n)",
    ).expect(400);
    expect(bad.body.details).toEqual([
      {
        field: 'full_document',
        reason: expect.stringMatching(/must be one of: .* at line 3, column 19$/),
      },
      {
        field: 'concurrency',
        reason: expect.stringMatching(/must not be less than 1 at line 4, column 17$/),
      },
    ]);
    const syntax = await sql(
      "CREATE EVENT_SUBSCRIPTION x AS (\n  database = 'shop'\n  handler = 'log')",
    ).expect(400);
    expect(syntax.body.message).toMatch(/^Syntax error at line 3, column 3: /);
    const rule = await sql(
      "CREATE EVENT_SUBSCRIPTION rule AS (database = 'local', handler = 'log')",
    ).expect(400);
    expect(rule.body.details[0]).toEqual({
      field: 'database',
      reason: expect.stringMatching(/at line 1, column 47$/),
    });
    await server.api.getSubscription('rule').expect(404);
  });

  it('RESYNC copies the existing documents as snapshot events, as REST resync does', async () => {
    const source = await SourceData.connect();
    try {
      await source.collection('accounts').insertMany([{ _id: 'a1' }, { _id: 'a2' }, { _id: 'a3' }]);
      await sql(
        `CREATE EVENT_SUBSCRIPTION resync_sql AS (service_name = 'ledger', database = '${source.database}', watch_collections = JSON_ARRAY('accounts'), handler = '${RECORDING_HANDLER}')`,
      ).expect(200);
      await waitUntilRunning(server, 'resync_sql');
      const { body } = await sql('RESYNC EVENT_SUBSCRIPTION resync_sql').expect(200);
      expect(body[0]).toMatchObject({ kind: 'resync_subscription', affected: 1 });
      const copied = await waitFor(
        () => {
          const ids = server.recorder
            .of('resync_sql')
            .filter((event) => event.operationType === 'snapshot')
            .map((event) => event.documentKey?._id);
          return ids.length >= 3 && ids;
        },
        { description: 'the snapshot events of the resync' },
      );
      expect([...copied].sort()).toEqual(['a1', 'a2', 'a3']);
    } finally {
      await source.close();
    }
  });

  describe('with the event journal', () => {
    it('maps the journal options and SHOW CREATE round-trips them', async () => {
      const create = `CREATE EVENT_SUBSCRIPTION journaled AS (
        service_name = 'shipping', database = 'shop', handler = 'log', owner_service = 'orders',
        journal_enabled = true, journal_retention_hours = 48, journal_sample_rate = 0.5,
        journal_fields = JSON_OBJECT('orderTotal', 'fullDocument.total'),
        correlation_id_path = 'fullDocument.orderId', correlation_process_path = 'fullDocument.flow')`;
      await sql(create).expect(200);
      const before = await server.api.getSubscription('journaled').expect(200);
      expect(before.body).toMatchObject({
        source: { ownerService: 'orders' },
        journal: {
          enabled: true,
          retentionHours: 48,
          sampleRate: 0.5,
          fields: { orderTotal: 'fullDocument.total' },
        },
        correlation: { idPath: 'fullDocument.orderId', processPath: 'fullDocument.flow' },
      });
      const shown = await sql('SHOW CREATE EVENT_SUBSCRIPTION journaled').expect(200);
      await sql('DROP EVENT_SUBSCRIPTION journaled').expect(200);
      await sql(shown.body[0].rows[0][1]).expect(200);
      const after = await server.api.getSubscription('journaled').expect(200);
      expect(definition(after.body)).toEqual(definition(before.body));
    });
  });

  it('runs the same statements through the GraphQL mutation sql', async () => {
    const { data, errors } = await server.api.graphql(
      'mutation ($input: SqlInput!) { sql(input: $input) { kind columns rows affected notices } }',
      { input: { sql: "SHOW EVENT_SUBSCRIPTIONS LIKE 'user_service_events'" } },
    );
    expect(errors).toBeUndefined();
    expect(data.sql).toEqual([
      {
        kind: 'show_subscriptions',
        columns: ['name', 'service_name', 'state', 'handler', 'database', 'revision'],
        rows: [['user_service_events', 'user_service', 'paused', 'log', 'app', 1]],
        affected: 0,
        notices: [],
      },
    ]);
  });
});
