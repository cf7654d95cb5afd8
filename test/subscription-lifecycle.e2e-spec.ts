import { RECORDING_HANDLER } from './support/recording.handler';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { numbersOf, range, SourceData } from './support/source-data';
import { waitFor } from '@app/testing';

/**
 * Acceptance: pause stops deliveries, resume continues from the checkpoint without loss, a PATCHed
 * pipeline applies the new filter, DELETE stops the worker. A "witness" subscription on the same
 * collection shows when the other one would have received an event.
 */
describe('Subscription lifecycle over REST', () => {
  let server: RelayServer;
  let source: SourceData;

  beforeAll(async () => {
    // A short lease: renewals, which carry the worker's counters to the status, come every 2 s.
    [server, source] = await Promise.all([
      startRelay({ LEASE_TTL_MS: '6000' }),
      SourceData.connect(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close()]);
  });

  async function createRecorded(name: string, collection: string, pipeline: object[] = []) {
    await server.api
      .createSubscription({
        name,
        source: { database: source.database, collections: [collection], pipeline },
        handler: { type: 'provider', name: RECORDING_HANDLER },
      })
      .expect(201);
    await waitUntilRunning(server, name);
  }

  const keys = (name: string) => server.recorder.of(name).map((event) => event.documentKey?._id);
  const runs = (name: string) =>
    server.supervisor.runningWorkers().find((worker) => worker.subscription === name);

  it('stops delivering on pause and resumes from the checkpoint without loss', async () => {
    await createRecorded('lifecycle-pause', 'pause');
    await createRecorded('lifecycle-pause-witness', 'pause');
    await source.insertNumbered('pause', 'p', 0, 5);
    await server.recorder.waitForEvents('lifecycle-pause', 5);

    const paused = await server.api.action('lifecycle-pause', 'pause').expect(200);
    expect(paused.body.state).toBe('paused');
    await waitFor(() => !runs('lifecycle-pause'), { description: 'the paused worker to stop' });
    const status = await server.api.status('lifecycle-pause').expect(200);
    expect(status.body).toMatchObject({
      desiredState: 'paused',
      state: 'paused',
      actualState: 'unassigned',
      warnings: [],
    });
    expect(status.body.checkpoint).toMatchObject({
      updatedAt: expect.any(String),
      ageMs: expect.any(Number),
    });

    await source.insertNumbered('pause', 'p', 5, 5);
    await server.recorder.waitForEvents('lifecycle-pause-witness', 10);
    expect(numbersOf(keys('lifecycle-pause'))).toEqual(range(0, 5));

    await server.api.action('lifecycle-pause', 'resume').expect(200);
    await server.recorder.waitForEvents('lifecycle-pause', 10);
    // A pause drains and checkpoints: the events come back exactly once, in order.
    expect(keys('lifecycle-pause')).toEqual(range(0, 10).map((n) => `p-${n}`));
    // Counters reach the status with the owner's lease renewals.
    await waitFor(
      async () => (await server.api.status('lifecycle-pause')).body.counters.delivered === 10,
      {
        description: 'the status to count 10 delivered events',
      },
    );
  });

  it('applies a PATCHed pipeline to the changes after the worker restarts', async () => {
    await createRecorded('lifecycle-filter', 'filter', [{ $match: { 'fullDocument.kind': 'a' } }]);
    await createRecorded('lifecycle-filter-witness', 'filter');
    await source.collection('filter').insertMany([
      { _id: 'a-1', kind: 'a' },
      { _id: 'b-1', kind: 'b' },
    ]);
    await server.recorder.waitForEvents('lifecycle-filter-witness', 2);
    await server.recorder.waitForEvents('lifecycle-filter', 1);

    const before = runs('lifecycle-filter');
    const patched = await server.api
      .updateSubscription('lifecycle-filter', {
        source: { pipeline: [{ $match: { 'fullDocument.kind': 'b' } }] },
      })
      .expect(200);
    expect(patched.body.source.pipeline).toEqual([{ $match: { 'fullDocument.kind': 'b' } }]);
    await waitFor(
      () => runs('lifecycle-filter') && runs('lifecycle-filter')?.leaseToken !== before?.leaseToken,
      {
        description: 'the worker to restart with the new pipeline',
      },
    );

    await source.collection('filter').insertMany([
      { _id: 'a-2', kind: 'a' },
      { _id: 'b-2', kind: 'b' },
    ]);
    await server.recorder.waitForEvents('lifecycle-filter-witness', 4);
    await waitFor(() => keys('lifecycle-filter').includes('b-2'), {
      description: 'b-2 through the new filter',
    });
    // The restarted worker reads again from its checkpoint with the new filter, so b-1 (written
    // before the PATCH, after the last checkpoint) may pass now; a-2 must not.
    expect(keys('lifecycle-filter').filter((key) => key !== 'b-1')).toEqual(['a-1', 'b-2']);
  });

  it('stops the worker on DELETE and forgets its lease and checkpoint', async () => {
    await createRecorded('lifecycle-delete', 'delete');
    await createRecorded('lifecycle-delete-witness', 'delete');
    await source.insertNumbered('delete', 'd', 0, 2);
    await server.recorder.waitForEvents('lifecycle-delete', 2);

    await server.api.deleteSubscription('lifecycle-delete').expect(204);
    await waitFor(() => !runs('lifecycle-delete'), { description: 'the deleted worker to stop' });
    await server.api.status('lifecycle-delete').expect(404);

    await source.insertNumbered('delete', 'd', 2, 3);
    await server.recorder.waitForEvents('lifecycle-delete-witness', 5);
    expect(keys('lifecycle-delete')).toEqual(['d-0', 'd-1']);
    const metadata = source.client.db(server.config.mongodbDb);
    expect(
      await metadata.collection('leases').countDocuments({ _id: 'lifecycle-delete' as never }),
    ).toBe(0);
    expect(
      await metadata.collection('checkpoints').countDocuments({ _id: 'lifecycle-delete' as never }),
    ).toBe(0);
  });
});
