import { RECORDING_HANDLER } from './support/recording.handler';
import { startRelay, type RelayServer } from './support/relay-server';

/**
 * Contract of the admin API: status codes, the error shape (`details` naming each field), and the
 * same rules through GraphQL with `extensions.code`. Delivery itself is covered by the other files.
 */
describe('Subscriptions API contract (REST and GraphQL)', () => {
  let server: RelayServer;

  beforeAll(async () => {
    server = await startRelay();
  });

  afterAll(async () => {
    await server?.close();
  });

  const webhookBody = (name: string) => ({
    name,
    source: { database: 'shop', collections: ['orders'] },
    handler: {
      type: 'webhook',
      url: 'http://127.0.0.1:9/hooks',
      secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
    },
  });

  describe('POST /subscriptions', () => {
    it('creates with 201, fills the documented defaults and never returns the secret', async () => {
      const response = await server.api
        .createSubscription(webhookBody('contract-create'))
        .expect(201);
      expect(response.body).toMatchObject({
        name: 'contract-create',
        serviceName: 'change-relay',
        description: '',
        source: {
          database: 'shop',
          collections: ['orders'],
          operationTypes: [],
          pipeline: [],
          fullDocument: 'default',
          fullDocumentBeforeChange: 'off',
        },
        handler: {
          type: 'webhook',
          name: 'webhook',
          url: 'http://127.0.0.1:9/hooks',
          secretSet: true,
          timeoutMs: 10000,
          headers: {},
        },
        delivery: {
          ordering: 'key',
          concurrency: 8,
          batchSize: 1,
          batchWaitMs: 0,
          timeoutMs: 30000,
        },
        retry: {
          maxAttempts: 10,
          initialDelayMs: 500,
          maxDelayMs: 60000,
          multiplier: 2,
          jitter: 'full',
        },
        deadLetter: { enabled: true, retentionDays: 30 },
        startFrom: { position: 'now' },
        desiredState: 'active',
        state: 'active',
        revision: 1,
      });
      expect(Date.parse(response.body.startAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(JSON.stringify(response.body)).not.toContain('c2VjcmV0');
      const fetched = await server.api.getSubscription('contract-create').expect(200);
      expect(JSON.stringify(fetched.body)).not.toContain('c2VjcmV0');
    });

    it('refuses a duplicate name with 409', async () => {
      await server.api.createSubscription(webhookBody('contract-duplicate')).expect(201);
      const response = await server.api
        .createSubscription(webhookBody('contract-duplicate'))
        .expect(409);
      expect(response.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'Subscription "contract-duplicate" already exists',
        details: [{ field: 'name', reason: 'a subscription has this name' }],
      });
    });

    const valid = webhookBody('contract-invalid');
    const cases: [string, Record<string, unknown>, string, string][] = [
      [
        'a name that is not a slug',
        { ...valid, name: 'Orders_To Billing' },
        'name',
        'must be a slug',
      ],
      ['a missing name', { ...valid, name: undefined }, 'name', 'name is required'],
      ['an unknown field', { ...valid, color: 'blue' }, 'color', 'should not exist'],
      [
        'an unknown nested field',
        { ...valid, source: { ...valid.source, filter: {} } },
        'source.filter',
        'should not exist',
      ],
      ['a missing source', { ...valid, source: undefined }, 'source', 'source is required'],
      [
        'a system database',
        { ...valid, source: { database: 'admin' } },
        'source.database',
        'not admin, local or config',
      ],
      [
        'a system collection',
        { ...valid, source: { database: 'shop', collections: ['system.views'] } },
        'source.collections',
        'collection name',
      ],
      [
        'an unknown operation type',
        { ...valid, source: { database: 'shop', operationTypes: ['upsert'] } },
        'source.operationTypes',
        'must be one of',
      ],
      [
        'an unknown fullDocument mode',
        { ...valid, source: { database: 'shop', fullDocument: 'always' } },
        'source.fullDocument',
        'must be one of',
      ],
      [
        'a $group stage',
        { ...valid, source: { database: 'shop', pipeline: [{ $group: { _id: null } }] } },
        'source.pipeline',
        '($group) is not allowed',
      ],
      [
        'a nested $where',
        {
          ...valid,
          source: { database: 'shop', pipeline: [{ $match: { $or: [{ $where: 'true' }] } }] },
        },
        'source.pipeline',
        'uses $where',
      ],
      [
        'a $function in $expr',
        {
          ...valid,
          source: {
            database: 'shop',
            pipeline: [{ $match: { $expr: { $function: { body: 'x', args: [], lang: 'js' } } } }],
          },
        },
        'source.pipeline',
        'uses $function',
      ],
      [
        'an $accumulator',
        {
          ...valid,
          source: { database: 'shop', pipeline: [{ $set: { a: { $accumulator: {} } } }] },
        },
        'source.pipeline',
        'uses $accumulator',
      ],
      [
        'a stage that drops _id',
        { ...valid, source: { database: 'shop', pipeline: [{ $project: { _id: 0 } }] } },
        'source.pipeline',
        'must not exclude _id',
      ],
      [
        'an unknown handler type',
        { ...valid, handler: { type: 'email', url: 'http://x.example' } },
        'handler.type',
        'must be one of',
      ],
      ['a missing handler', { ...valid, handler: undefined }, 'handler', 'handler is required'],
      [
        'a non-http webhook url',
        { ...valid, handler: { type: 'webhook', url: 'ftp://files.example/x' } },
        'handler.url',
        'http or https URL',
      ],
      [
        'a webhook without url',
        { ...valid, handler: { type: 'webhook' } },
        'handler.url',
        'url is required when type is webhook',
      ],
      [
        'a provider without name',
        { ...valid, handler: { type: 'provider' } },
        'handler.name',
        'name is required when type is provider',
      ],
      [
        'a handler name @ChangeHandler would refuse',
        { ...valid, handler: { type: 'provider', name: 'Reserve Stock' } },
        'handler.name',
        'must be a handler name',
      ],
      [
        'a provider with a url',
        { ...valid, handler: { type: 'provider', name: 'x', url: 'http://x.example' } },
        'handler.url',
        'only allowed when type is webhook',
      ],
      [
        'a reserved webhook header',
        { ...valid, handler: { ...valid.handler, headers: { 'webhook-signature': 'x' } } },
        'handler.headers',
        'cannot be overridden',
      ],
      [
        'a short secret',
        { ...valid, handler: { ...valid.handler, secret: 'short' } },
        'handler.secret',
        'at least 8 characters',
      ],
      [
        'a webhook timeout below 100 ms',
        { ...valid, handler: { ...valid.handler, timeoutMs: 50 } },
        'handler.timeoutMs',
        'must not be less than 100',
      ],
      [
        'an unknown ordering',
        { ...valid, delivery: { ordering: 'random' } },
        'delivery.ordering',
        'must be one of: key, strict, none',
      ],
      [
        'concurrency 0',
        { ...valid, delivery: { concurrency: 0 } },
        'delivery.concurrency',
        'must not be less than 1',
      ],
      [
        'a fractional batch size',
        { ...valid, delivery: { batchSize: 1.5 } },
        'delivery.batchSize',
        'must be an integer',
      ],
      [
        'a batch size above 1000',
        { ...valid, delivery: { batchSize: 5000 } },
        'delivery.batchSize',
        'must not be greater than 1000',
      ],
      [
        'a multiplier above 10',
        { ...valid, retry: { multiplier: 20 } },
        'retry.multiplier',
        'must not be greater than 10',
      ],
      [
        'an initial delay above the max delay',
        { ...valid, retry: { initialDelayMs: 5000, maxDelayMs: 1000 } },
        'retry.initialDelayMs',
        'must not be greater than maxDelayMs',
      ],
      [
        'an unknown jitter',
        { ...valid, retry: { jitter: 'some' } },
        'retry.jitter',
        'must be one of',
      ],
      [
        'a retention of 0 days',
        { ...valid, deadLetter: { retentionDays: 0 } },
        'deadLetter.retentionDays',
        'must not be less than 1',
      ],
      [
        'a non-boolean dead-letter switch',
        { ...valid, deadLetter: { enabled: 'yes' } },
        'deadLetter.enabled',
        'must be a boolean',
      ],
      [
        'an unknown start position',
        { ...valid, startFrom: { position: 'yesterday' } },
        'startFrom.position',
        'must be one of: now, timestamp, snapshot',
      ],
      [
        'position=timestamp without a timestamp',
        { ...valid, startFrom: { position: 'timestamp' } },
        'startFrom.timestamp',
        'timestamp is required',
      ],
      [
        'a start timestamp in the future',
        { ...valid, startFrom: { position: 'timestamp', timestamp: '2999-01-01T00:00:00Z' } },
        'startFrom.timestamp',
        'must not be in the future',
      ],
      [
        'a start timestamp that is no date',
        { ...valid, startFrom: { position: 'timestamp', timestamp: 'yesterday' } },
        'startFrom.timestamp',
        'ISO 8601',
      ],
    ];

    it.each(cases)('answers 400 for %s, naming the field', async (_case, body, field, reason) => {
      const response = await server.api.createSubscription(body).expect(400);
      expect(response.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.any(String),
      });
      expect(response.body.details).toEqual(
        expect.arrayContaining([{ field, reason: expect.stringContaining(reason) }]),
      );
      await server.api.getSubscription('contract-invalid').expect(404);
    });

    it('answers 400 for a malformed JSON body', async () => {
      const response = await server.api.http
        .post('/api/v1/subscriptions')
        .set('content-type', 'application/json')
        .send('{"name": "x",')
        .expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    });
  });

  describe('reading', () => {
    beforeAll(async () => {
      await server.api
        .createSubscription({ ...webhookBody('contract-list-a'), serviceName: 'billing' })
        .expect(201);
      await server.api
        .createSubscription({ ...webhookBody('contract-list-b'), serviceName: 'billing' })
        .expect(201);
      await server.api.action('contract-list-b', 'pause').expect(200);
    });

    it('lists by service and state, sorted by name', async () => {
      const all = await server.api.listSubscriptions({ service: 'billing' }).expect(200);
      expect(all.body.map((s: { name: string }) => s.name)).toEqual([
        'contract-list-a',
        'contract-list-b',
      ]);
      const paused = await server.api
        .listSubscriptions({ service: 'billing', state: 'paused' })
        .expect(200);
      expect(paused.body.map((s: { name: string }) => s.name)).toEqual(['contract-list-b']);
    });

    it('refuses an unknown state or query parameter', async () => {
      const badState = await server.api.listSubscriptions({ state: 'sleeping' }).expect(400);
      expect(badState.body.details).toEqual([
        { field: 'state', reason: expect.stringContaining('must be one of') },
      ]);
      const unknown = await server.api.listSubscriptions({ owner: 'me' }).expect(400);
      expect(unknown.body.details).toEqual([
        { field: 'owner', reason: 'property owner should not exist' },
      ]);
    });

    it.each([
      ['GET', (name: string) => server.api.getSubscription(name)],
      ['PATCH', (name: string) => server.api.updateSubscription(name, { description: 'x' })],
      ['DELETE', (name: string) => server.api.deleteSubscription(name)],
      ['pause', (name: string) => server.api.action(name, 'pause')],
      ['resume', (name: string) => server.api.action(name, 'resume')],
      ['reset', (name: string) => server.api.action(name, 'reset')],
      ['status', (name: string) => server.api.status(name)],
    ])('answers 404 to %s of an unknown name', async (_operation, call) => {
      const response = await call('no-such-subscription').expect(404);
      expect(response.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Subscription "no-such-subscription" does not exist',
        details: [{ field: 'name', reason: 'no subscription has this name' }],
      });
    });
  });

  describe('PATCH /subscriptions/:name', () => {
    beforeAll(async () => {
      await server.api.createSubscription(webhookBody('contract-patch')).expect(201);
    });

    it('merges a patch, bumps the revision and keeps the secret', async () => {
      const response = await server.api
        .updateSubscription('contract-patch', {
          description: 'billing feed',
          delivery: { concurrency: 2 },
        })
        .expect(200);
      expect(response.body).toMatchObject({
        description: 'billing feed',
        delivery: { concurrency: 2, ordering: 'key' },
        handler: { type: 'webhook', secretSet: true },
        revision: 2,
      });
      const unchanged = await server.api
        .updateSubscription('contract-patch', { description: 'billing feed' })
        .expect(200);
      expect(unchanged.body.revision).toBe(2);
    });

    it('validates the merged result, not only the patch', async () => {
      const response = await server.api
        .updateSubscription('contract-patch', { retry: { initialDelayMs: 120000 } })
        .expect(400);
      expect(response.body.details).toEqual([
        {
          field: 'retry.initialDelayMs',
          reason: 'initialDelayMs must not be greater than maxDelayMs',
        },
      ]);
      const switched = await server.api
        .updateSubscription('contract-patch', { handler: { type: 'provider' } })
        .expect(400);
      expect(switched.body.details).toEqual([
        { field: 'handler.name', reason: 'name is required when type is provider' },
      ]);
    });

    it('refuses the name, the start position and invalid fields', async () => {
      const renamed = await server.api
        .updateSubscription('contract-patch', { name: 'other' })
        .expect(400);
      expect(renamed.body.details).toEqual([
        { field: 'name', reason: 'property name should not exist' },
      ]);
      const restarted = await server.api
        .updateSubscription('contract-patch', { startFrom: { position: 'now' } })
        .expect(400);
      expect(restarted.body.details).toEqual([
        { field: 'startFrom', reason: 'property startFrom should not exist' },
      ]);
      const stage = await server.api
        .updateSubscription('contract-patch', { source: { pipeline: [{ $lookup: {} }] } })
        .expect(400);
      expect(stage.body.details).toEqual([
        { field: 'source.pipeline', reason: expect.stringContaining('($lookup) is not allowed') },
      ]);
    });
  });

  describe('actions', () => {
    it('pauses and resumes idempotently, and deletes with 204', async () => {
      await server.api.createSubscription(webhookBody('contract-actions')).expect(201);
      const paused = await server.api.action('contract-actions', 'pause').expect(200);
      expect(paused.body).toMatchObject({ desiredState: 'paused', state: 'paused', revision: 2 });
      const again = await server.api.action('contract-actions', 'pause').expect(200);
      expect(again.body.revision).toBe(2);
      const resumed = await server.api.action('contract-actions', 'resume').expect(200);
      expect(resumed.body).toMatchObject({ desiredState: 'active', state: 'active', revision: 3 });
      const reset = await server.api.action('contract-actions', 'reset').expect(200);
      expect(Date.parse(reset.body.startAt)).toBeGreaterThanOrEqual(
        Date.parse(resumed.body.startAt),
      );
      await server.api.deleteSubscription('contract-actions').expect(204, '');
      await server.api.getSubscription('contract-actions').expect(404);
    });

    it('warns in the status when no live instance has the handler', async () => {
      await server.api
        .createSubscription({
          name: 'contract-orphan',
          source: { database: 'shop' },
          handler: { type: 'provider', name: 'nobody-has-me' },
        })
        .expect(201);
      const status = await server.api.status('contract-orphan').expect(200);
      expect(status.body).toMatchObject({
        name: 'contract-orphan',
        desiredState: 'active',
        state: 'active',
        actualState: 'unassigned',
        handler: 'nobody-has-me',
        instancesWithHandler: [],
        counters: { received: 0, delivered: 0 },
        warnings: [expect.stringContaining('No live instance has the handler "nobody-has-me"')],
      });
    });
  });

  describe('handlers and instances', () => {
    it('lists handler names with the live instances that have them, built-ins included', async () => {
      const response = await server.api.http.get('/api/v1/handlers').expect(200);
      const byName = Object.fromEntries(response.body.map((h: { name: string }) => [h.name, h]));
      const id = server.config.instanceId;
      expect(byName.webhook).toMatchObject({ builtIn: true, instances: [id] });
      expect(byName.log).toMatchObject({ builtIn: true, instances: [id] });
      expect(byName[RECORDING_HANDLER]).toMatchObject({ builtIn: false, instances: [id] });
      expect(byName['nobody-has-me']).toEqual({
        name: 'nobody-has-me',
        builtIn: false,
        instances: [],
        subscriptions: ['contract-orphan'],
      });
    });

    it('lists the instances with their handlers and liveness', async () => {
      const response = await server.api.http.get('/api/v1/instances').expect(200);
      expect(response.body).toEqual([
        expect.objectContaining({
          id: server.config.instanceId,
          service: 'change-relay',
          live: true,
          handlers: expect.arrayContaining(['log', 'webhook', RECORDING_HANDLER]),
        }),
      ]);
    });
  });

  it('documents the operations and their schemas in OpenAPI', async () => {
    const { body } = await server.api.http.get('/api/docs-json').expect(200);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/subscriptions',
        '/api/v1/subscriptions/{name}',
        '/api/v1/subscriptions/{name}/pause',
        '/api/v1/subscriptions/{name}/resume',
        '/api/v1/subscriptions/{name}/reset',
        '/api/v1/subscriptions/{name}/status',
        '/api/v1/handlers',
        '/api/v1/instances',
      ]),
    );
    const create = body.components.schemas.CreateSubscriptionInput;
    expect(create.required).toEqual(['name', 'source', 'handler']);
    expect(create.properties.source.allOf).toEqual([{ $ref: '#/components/schemas/SourceInput' }]);
    expect(body.components.schemas.RetryInput.properties.maxAttempts).toMatchObject({
      default: 10,
      minimum: 1,
      maximum: 100,
    });
  });

  describe('GraphQL', () => {
    const create = `mutation Create($input: CreateSubscriptionInput!) {
      createSubscription(input: $input) { name state revision handler { type url secretSet } }
    }`;

    it('creates and reads through the same service, without the secret', async () => {
      const created = await server.api.graphql(create, { input: webhookBody('contract-graphql') });
      expect(created.errors).toBeUndefined();
      expect(created.data.createSubscription).toEqual({
        name: 'contract-graphql',
        state: 'active',
        revision: 1,
        handler: { type: 'webhook', url: 'http://127.0.0.1:9/hooks', secretSet: true },
      });
      const read = await server.api.graphql(
        '{ subscription(name: "contract-graphql") { name source { database collections pipeline } } }',
      );
      expect(read.data.subscription).toEqual({
        name: 'contract-graphql',
        source: { database: 'shop', collections: ['orders'], pipeline: [] },
      });
    });

    it('reports invalid input as BAD_USER_INPUT with the fields', async () => {
      const body = webhookBody('contract-graphql-bad');
      const result = await server.api.graphql(create, {
        input: {
          ...body,
          source: { database: 'shop', pipeline: [{ $match: { $where: 'true' } }] },
          delivery: { concurrency: 0 },
        },
      });
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        details: expect.arrayContaining([
          { field: 'source.pipeline', reason: expect.stringContaining('uses $where') },
          { field: 'delivery.concurrency', reason: 'concurrency must not be less than 1' },
        ]),
      });
    });

    it('reports a value outside an enum as a GraphQL input error', async () => {
      const result = await server.api.graphql(create, {
        input: { ...webhookBody('contract-graphql-enum'), delivery: { ordering: 'random' } },
      });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('reports NOT_FOUND and CONFLICT', async () => {
      const missing = await server.api.graphql(
        'mutation { pauseSubscription(name: "nope") { name } }',
      );
      expect(missing.errors?.[0]).toMatchObject({
        message: 'Subscription "nope" does not exist',
        extensions: { code: 'NOT_FOUND' },
      });
      const duplicate = await server.api.graphql(create, {
        input: webhookBody('contract-graphql'),
      });
      expect(duplicate.errors?.[0].extensions?.code).toBe('CONFLICT');
    });

    it('validates the merged result of updateSubscription', async () => {
      const result = await server.api.graphql(
        'mutation { updateSubscription(name: "contract-graphql", input: { handler: { type: provider } }) { name } }',
      );
      expect(result.errors?.[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        details: [{ field: 'handler.name', reason: 'name is required when type is provider' }],
      });
    });
  });
});
