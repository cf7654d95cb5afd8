import { WebhookReceiver, waitFor } from '@app/testing';
import { RECORDING_HANDLER } from './support/recording.handler';
import { newWebhookSecret, startRelay, type RelayServer } from './support/relay-server';
import { range, SourceData } from './support/source-data';

const VIEW = `name serviceName state desiredState revision startAt
  source { database collections operationTypes pipeline fullDocument }
  handler { type name url secretSet timeoutMs headers }
  delivery { ordering concurrency } stale { reason code }`;

/** Acceptance: the operations of the REST API, through GraphQL, drive the same workers. */
describe('Subscriptions through GraphQL', () => {
  let server: RelayServer;
  let source: SourceData;
  let receiver: WebhookReceiver;
  const secret = newWebhookSecret();

  beforeAll(async () => {
    [server, source, receiver] = await Promise.all([
      startRelay({ LEASE_TTL_MS: '6000' }),
      SourceData.connect(),
      WebhookReceiver.start({ secret }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close(), receiver?.close()]);
  });

  async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await server.api.graphql<T>(query, variables);
    expect(result.errors).toBeUndefined();
    return result.data;
  }

  const runs = (name: string) =>
    server.supervisor.runningWorkers().find((worker) => worker.subscription === name);
  const keys = (name: string) => server.recorder.of(name).map((event) => event.documentKey?._id);

  it('creates a webhook subscription that delivers signed events', async () => {
    const { createSubscription } = await gql(
      `mutation Create($input: CreateSubscriptionInput!) { createSubscription(input: $input) { ${VIEW} } }`,
      {
        input: {
          name: 'gql-webhook',
          serviceName: 'billing',
          source: {
            database: source.database,
            collections: ['invoices'],
            operationTypes: ['insert', 'update'],
          },
          handler: {
            type: 'webhook',
            url: receiver.urlFor('/gql'),
            secret,
            headers: { 'x-source': 'graphql' },
            publicHeaders: ['x-source'],
          },
          delivery: { ordering: 'strict' },
        },
      },
    );
    expect(createSubscription).toMatchObject({
      name: 'gql-webhook',
      serviceName: 'billing',
      state: 'active',
      source: {
        collections: ['invoices'],
        operationTypes: ['insert', 'update'],
        pipeline: [],
        fullDocument: 'default',
      },
      handler: {
        type: 'webhook',
        name: 'webhook',
        secretSet: true,
        timeoutMs: 10000,
        headers: { 'x-source': 'graphql' },
      },
      delivery: { ordering: 'strict', concurrency: 8 },
      stale: null,
    });

    const invoices = source.collection('invoices');
    await invoices.insertOne({ _id: 'inv-1', amount: 10 });
    await invoices.updateOne({ _id: 'inv-1' }, { $set: { amount: 12 } });
    await invoices.deleteOne({ _id: 'inv-1' });
    const events = await receiver.waitForEvents(2);
    expect(events.map((e) => e.operationType)).toEqual(['insert', 'update']);
    // Strict order: an insert written after the delete arrives next only if the delete was left out.
    await invoices.insertOne({ _id: 'inv-2', amount: 5 });
    const withLater = await receiver.waitForEvents(3);
    expect(withLater.map((e) => [e.operationType, e.documentKey._id])).toEqual([
      ['insert', 'inv-1'],
      ['update', 'inv-1'],
      ['insert', 'inv-2'],
    ]);
    expect(
      receiver.requests.every((r) => r.signatureValid && r.headers['x-source'] === 'graphql'),
    ).toBe(true);

    const { subscriptions } = await gql(
      `{ subscriptions(service: "billing", state: active) { name } }`,
    );
    expect(subscriptions).toEqual([{ name: 'gql-webhook' }]);
    const { subscriptionStatus } = await gql(
      `{ subscriptionStatus(name: "gql-webhook") { state actualState owner handler warnings counters { received } } }`,
    );
    expect(subscriptionStatus).toMatchObject({
      state: 'active',
      actualState: 'running',
      owner: server.config.instanceId,
      warnings: [],
    });
  });

  it('pauses, resumes, updates the pipeline, resets and deletes', async () => {
    const { createSubscription } = await gql(
      `mutation { createSubscription(input: {
          name: "gql-provider",
          source: { database: "${source.database}", collections: ["items"] },
          handler: { type: provider, name: "${RECORDING_HANDLER}" }
        }) { name handler { type name } } }`,
    );
    expect(createSubscription).toEqual({
      name: 'gql-provider',
      handler: { type: 'provider', name: RECORDING_HANDLER },
    });
    await waitFor(() => runs('gql-provider'), { description: 'the worker to run' });
    await source.insertNumbered('items', 'i', 0, 3);
    await server.recorder.waitForEvents('gql-provider', 3);

    const { pauseSubscription } = await gql(
      `mutation { pauseSubscription(name: "gql-provider") { state } }`,
    );
    expect(pauseSubscription.state).toBe('paused');
    await waitFor(() => !runs('gql-provider'), { description: 'the paused worker to stop' });
    await source.insertNumbered('items', 'i', 3, 3);
    const { resumeSubscription } = await gql(
      `mutation { resumeSubscription(name: "gql-provider") { state } }`,
    );
    expect(resumeSubscription.state).toBe('active');
    await server.recorder.waitForEvents('gql-provider', 6);
    expect(keys('gql-provider')).toEqual(range(0, 6).map((n) => `i-${n}`));

    const before = runs('gql-provider');
    const { updateSubscription } = await gql(
      `mutation Update($input: UpdateSubscriptionInput!) { updateSubscription(name: "gql-provider", input: $input) { revision source { pipeline } } }`,
      { input: { source: { pipeline: [{ $match: { 'fullDocument.keep': true } }] } } },
    );
    expect(updateSubscription.source.pipeline).toEqual([{ $match: { 'fullDocument.keep': true } }]);
    await waitFor(
      () => runs('gql-provider') && runs('gql-provider')?.leaseToken !== before?.leaseToken,
      {
        description: 'the worker to restart with the new pipeline',
      },
    );
    await source.collection('items').insertMany([
      { _id: 'drop-me', keep: false },
      { _id: 'keep-me', keep: true },
    ]);
    await waitFor(() => keys('gql-provider').includes('keep-me'), {
      description: 'the kept event',
    });
    expect(keys('gql-provider')).not.toContain('drop-me');

    const { resetSubscription } = await gql(
      `mutation { resetSubscription(name: "gql-provider") { state startAt revision } }`,
    );
    expect(resetSubscription.state).toBe('active');
    expect(resetSubscription.revision).toBe(updateSubscription.revision + 1);

    const { deleteSubscription } = await gql(
      `mutation { deleteSubscription(name: "gql-provider") }`,
    );
    expect(deleteSubscription).toBe(true);
    await waitFor(() => !runs('gql-provider'), { description: 'the deleted worker to stop' });
    const missing = await server.api.graphql(`{ subscription(name: "gql-provider") { name } }`);
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('lists handlers and instances', async () => {
    const { handlers, instances } = await gql(`{
      handlers { name builtIn instances subscriptions }
      instances { id service live handlers subscriptions lastSeen }
    }`);
    expect(handlers).toEqual(
      expect.arrayContaining([
        {
          name: 'webhook',
          builtIn: true,
          instances: [server.config.instanceId],
          subscriptions: ['gql-webhook'],
        },
        {
          name: RECORDING_HANDLER,
          builtIn: false,
          instances: [server.config.instanceId],
          subscriptions: [],
        },
      ]),
    );
    expect(instances).toEqual([
      expect.objectContaining({
        id: server.config.instanceId,
        live: true,
        subscriptions: ['gql-webhook'],
      }),
    ]);
  });
});
