import { sharedBackendIsEmulator, startPrivateEmulator, waitFor } from '@app/testing';
import type { PrivateBackend } from '@app/testing';
import { RECORDING_HANDLER } from './support/recording.handler';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { SourceData } from './support/source-data';

// Needs an oplog small enough to roll over in a test: a private emulator. On other backends
// this case is skipped (and reported as skipped), never silently passed.
const onEmulator = sharedBackendIsEmulator() ? describe : describe.skip;

/**
 * Acceptance: a subscription whose history rolled off the oplog while it was down turns stale;
 * a resync brings it back with nothing missing (every document in its current state, then the
 * live stream), and fences off the old epoch.
 */
onEmulator('Resync of a stale subscription', () => {
  let backend: PrivateBackend;
  let source: SourceData;
  let server: RelayServer | undefined;
  const database = `relay_resync_${Date.now()}`;

  beforeAll(async () => {
    backend = await startPrivateEmulator({ oplogSize: 400 });
    source = await SourceData.connect(backend.uri);
  });

  afterAll(async () => {
    await server?.close();
    await source?.close();
    await backend?.stop();
  });

  const start = () =>
    startRelay({ MONGODB_URI: backend.uri, MONGODB_DB: database, LEASE_TTL_MS: '3000' });

  it('copies the current documents, then streams live, after the history was lost', async () => {
    server = await start();
    await server.api
      .createSubscription({
        name: 'comeback',
        source: { database: source.database, collections: ['accounts'] },
        handler: { type: 'provider', name: RECORDING_HANDLER },
      })
      .expect(201);
    await waitUntilRunning(server, 'comeback');
    const accounts = source.collection('accounts');
    await accounts.insertMany(
      Array.from({ length: 20 }, (_, n) => ({ _id: `a-${n}`, balance: 0 })),
    );
    await server.recorder.waitForEvents('comeback', 20);
    await server.close();
    server = undefined;

    // While nothing runs: changes to the watched documents, then far more writes than the
    // oplog keeps, so those changes are gone from history.
    for (let n = 0; n < 20; n += 2) {
      await accounts.updateOne({ _id: `a-${n}` }, { $set: { balance: 100 + n } });
    }
    await accounts.insertOne({ _id: 'a-new', balance: 7 });
    await accounts.deleteOne({ _id: 'a-19' });
    for (let i = 0; i < 500; i += 1) {
      await source.collection('noise').insertOne({ _id: `noise-${i}` });
    }

    server = await start();
    const stale = await waitFor(async () => (await server!.api.status('comeback')).body.stale, {
      description: 'the subscription to turn stale',
    });
    expect(stale.code).toBe(286);
    await server.api.action('comeback', 'resume').expect(412);

    const resynced = await server.api.http
      .post('/api/v1/subscriptions/comeback/resync')
      .expect(200);
    expect(resynced.body.state).toBe('active');
    await waitFor(
      () =>
        server!.recorder.of('comeback').filter((e) => e.operationType === 'snapshot').length === 20,
      { description: '20 snapshot events' },
    );
    const snapshot = server.recorder.of('comeback').filter((e) => e.operationType === 'snapshot');
    const current = await accounts.find().sort({ _id: 1 }).toArray();
    // Nothing missing: every document as it is now, including the changes the oplog lost.
    expect(
      snapshot
        .map((e) => e.fullDocument)
        .sort((x, y) => String(x!._id).localeCompare(String(y!._id))),
    ).toEqual(current);

    await accounts.updateOne({ _id: 'a-1' }, { $set: { balance: 1 } });
    await waitFor(() => server!.recorder.of('comeback').some((e) => e.operationType === 'update'), {
      description: 'the live update after the copy',
    });
    const status = await server.api.status('comeback').expect(200);
    expect(status.body).toMatchObject({ state: 'active' });
    expect(status.body.stale).toBeUndefined();
    // This 400-entry oplog fills in about a second: its window is a second wide, and a margin in
    // whole seconds may read 0 s (an oplog alarm that is right on such an oplog). Nothing else.
    expect(
      (status.body.warnings as string[]).filter((warning) => !warning.startsWith('Oplog ')),
    ).toEqual([]);
  });
});
