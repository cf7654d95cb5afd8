import { sharedBackendIsEmulator, startPrivateEmulator, uniqueDbName, waitFor } from '@app/testing';
import { MongoClient } from 'mongodb';
import type { PrivateBackend } from '@app/testing';
import { EventLog } from '../../test/support/event-log';
import { RelayRuntime, clusterTimeNow, createSubscription } from '../../test/support/relay-runtime';

// Needs an oplog small enough to roll over in a test: a private emulator. On other backends
// this case is skipped (and reported as skipped), never silently passed.
const onEmulator = sharedBackendIsEmulator() ? describe : describe.skip;

onEmulator('ChangeSource when its history is lost (oplog rolled over, code 286)', () => {
  let backend: PrivateBackend;
  let client: MongoClient;
  let runtime: RelayRuntime | undefined;
  const log = new EventLog();
  const metaDb = uniqueDbName('meta');
  const sourceDb = uniqueDbName('src');

  beforeAll(async () => {
    backend = await startPrivateEmulator({ oplogSize: 50 });
    client = await new MongoClient(backend.uri).connect();
  });

  afterAll(async () => {
    await runtime?.close();
    await client?.close();
    await backend?.stop();
  });

  const start = () =>
    RelayRuntime.start({ metaDb, instanceId: 'history-a', log, uri: backend.uri });

  it('marks the subscription stale with the reason, and a reset brings it back', async () => {
    runtime = await start();
    await createSubscription(runtime, client, {
      name: 'short-memory',
      source: { database: sourceDb, collections: ['notes'] },
    });
    const notes = client.db(sourceDb).collection<{ _id: number }>('notes');
    await notes.insertOne({ _id: 1 });
    await log.waitForInserted('short-memory', [1]);
    await runtime.close();
    const checkpoint = await client
      .db(metaDb)
      .collection('checkpoints')
      .findOne({ _id: 'short-memory' as never });
    expect(checkpoint).not.toBeNull();

    // While nothing runs, far more writes than the oplog keeps.
    for (let i = 0; i < 120; i += 1) {
      await client.db(sourceDb).collection<{ _id: number }>('noise').insertOne({ _id: i });
    }

    runtime = await start();
    const stale = await waitFor(
      async () => (await runtime!.subscriptions.findByName('short-memory'))?.stale,
      {
        description: 'subscription marked stale',
      },
    );
    expect(stale.code).toBe(286);
    expect(stale.reason).toMatch(/ChangeStreamHistoryLost/);
    expect(stale.lastCheckpointAt).toBeInstanceOf(Date);
    await waitFor(() => runtime!.supervisor.runningWorkers().length === 0, {
      description: 'worker stopped',
    });
    expect((await runtime.subscriptions.list({ state: 'stale' })).map((s) => s.name)).toEqual([
      'short-memory',
    ]);

    // Reset: start again from now (what the admin API's reset does).
    const sub = (await runtime.subscriptions.findByName('short-memory'))!;
    const { stale: _cleared, ...rest } = sub;
    await runtime.subscriptions.replace(
      'short-memory',
      { ...rest, startAtOperationTime: await clusterTimeNow(client), revision: sub.revision + 1 },
      sub.revision,
    );
    await runtime.checkpoints.delete('short-memory');
    await notes.insertOne({ _id: 2 });
    await log.waitForInserted('short-memory', [2]);
    expect((await runtime.subscriptions.findByName('short-memory'))?.stale).toBeUndefined();
  });
});
