import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { RECORDING_HANDLER } from './support/recording.handler';
import { SourceData } from './support/source-data';

/** The API reaches a subscription's owner through the command channel; statuses come in one list. */
describe('Live figures from the owner, and statuses in bulk', () => {
  let server: RelayServer;
  let source: SourceData;

  beforeAll(async () => {
    [server, source] = await Promise.all([startRelay(), SourceData.connect()]);
    for (const name of ['live-a', 'live-b']) {
      await server.api
        .createSubscription({
          name,
          serviceName: 'live',
          source: { database: source.database, collections: [name] },
          handler: { type: 'provider', name: RECORDING_HANDLER },
        })
        .expect(201);
      await waitUntilRunning(server, name);
    }
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close()]);
  });

  it('answers GET /subscriptions/:name/live from the owning worker, and the same in GraphQL', async () => {
    const { body } = await server.api.http.get('/api/v1/subscriptions/live-a/live').expect(200);
    const [worker] = server.supervisor.runningWorkers().filter((w) => w.subscription === 'live-a');
    expect(body).toMatchObject({
      name: 'live-a',
      owner: server.config.instanceId,
      leaseToken: worker.leaseToken,
      engineState: 'running',
      inFlight: 0,
      queued: 0,
      activeCalls: 0,
    });
    const gql = await server.api.graphql(
      '{ subscriptionLive(name: "live-a") { owner engineState inFlight } }',
    );
    expect(gql.data.subscriptionLive).toEqual({
      owner: server.config.instanceId,
      engineState: 'running',
      inFlight: 0,
    });
  });

  it('answers 412 when nobody runs the subscription and 404 when it does not exist', async () => {
    await server.api.action('live-b', 'pause').expect(200);
    await server.supervisor.reconcileNow();
    const refused = await server.api.http.get('/api/v1/subscriptions/live-b/live').expect(412);
    expect(refused.body.message).toContain('not running on any instance (paused)');
    await server.api.http.get('/api/v1/subscriptions/nope/live').expect(404);
    const gql = await server.api.graphql('{ subscriptionLive(name: "live-b") { owner } }');
    expect(gql.errors?.[0].extensions.code).toBe('FAILED_PRECONDITION');
  });

  it('lists the statuses of many subscriptions in one call (REST and GraphQL)', async () => {
    const { body } = await server.api.http
      .get('/api/v1/statuses')
      .query({ service: 'live' })
      .expect(200);
    expect(body.map((s: { name: string; actualState: string }) => [s.name, s.actualState])).toEqual(
      [
        ['live-a', 'running'],
        ['live-b', 'unassigned'],
      ],
    );
    const gql = await server.api.graphql(
      '{ subscriptionStatuses(service: "live", state: active) { name owner } }',
    );
    expect(gql.data.subscriptionStatuses).toEqual([
      { name: 'live-a', owner: server.config.instanceId },
    ]);
  });
});
