import { uniqueDbName, waitFor } from '@app/testing';
import { RECORDING_HANDLER } from './support/recording.handler';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { SourceData } from './support/source-data';

/** RUN_WORKERS=false: an instance that serves the API and runs nothing; the others do the work. */
describe('An API-only instance', () => {
  const database = uniqueDbName('relay');
  let api: RelayServer;
  let worker: RelayServer;
  let source: SourceData;

  beforeAll(async () => {
    [api, worker, source] = await Promise.all([
      startRelay({ MONGODB_DB: database, RUN_WORKERS: 'false', INSTANCE_ID: 'api-only' }),
      startRelay({
        MONGODB_DB: database,
        INSTANCE_ID: 'worker',
        MAX_SUBSCRIPTIONS_PER_INSTANCE: '1',
      }),
      SourceData.connect(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([api?.close(), worker?.close(), source?.close()]);
  });

  it('takes no subscription; a worker instance runs them, up to its MAX_SUBSCRIPTIONS_PER_INSTANCE', async () => {
    for (const name of ['api-1', 'api-2']) {
      await api.api
        .createSubscription({
          name,
          source: { database: source.database, collections: [name] },
          handler: { type: 'provider', name: RECORDING_HANDLER },
        })
        .expect(201);
    }
    const running = await waitFor(
      () => {
        const names = worker.supervisor.runningWorkers().map((w) => w.subscription);
        return names.length === 1 && names;
      },
      { description: 'the worker instance to run one subscription' },
    );
    await waitUntilRunning(api, running[0]);
    await api.supervisor.reconcileNow();
    await worker.supervisor.reconcileNow();
    expect(api.supervisor.runningWorkers()).toEqual([]);
    expect(worker.supervisor.runningWorkers().map((w) => w.subscription)).toEqual(running);

    const { body } = await api.api.http.get('/api/v1/instances').expect(200);
    expect(body).toEqual([
      expect.objectContaining({ id: 'api-only', handlers: [], subscriptions: [] }),
      expect.objectContaining({ id: 'worker', subscriptions: running }),
    ]);
    // The other one waits for an instance with room, and says so.
    const other = running[0] === 'api-1' ? 'api-2' : 'api-1';
    const status = await api.api.status(other).expect(200);
    expect(status.body.actualState).toBe('unassigned');
  });
});
