import type { ChangeEventEnvelope } from '@app/relay';
import { uniqueDbName, waitFor } from '@app/testing';
import { RECORDING_HANDLER } from './support/recording.handler';
import { crash, startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { SourceData } from './support/source-data';

const EXISTING = 5_000;

/** The events of one key, in the order the handler accepted them. */
function byKey(events: ChangeEventEnvelope[]): Map<string, ChangeEventEnvelope[]> {
  const keys = new Map<string, ChangeEventEnvelope[]>();
  for (const event of events) {
    const key = String(event.documentKey?._id);
    keys.set(key, [...(keys.get(key) ?? []), event]);
  }
  return keys;
}

/**
 * Acceptance: a snapshot-first subscription copies the existing documents as `snapshot` events
 * while writes continue, then streams from the time the snapshot started: every document
 * arrives, no change is lost, none of a key arrives before that key's snapshot event. A crash in
 * the middle resumes the copy where the checkpoint stands.
 */
describe('Snapshot, then the stream', () => {
  let server: RelayServer;
  let source: SourceData;

  beforeAll(async () => {
    [server, source] = await Promise.all([
      startRelay({ CHECKPOINT_INTERVAL_MS: '100' }),
      SourceData.connect(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close()]);
  });

  it('copies 5,000 existing documents while writes continue, loses no change, then continues live', async () => {
    const items = source.collection('items');
    for (let from = 0; from < EXISTING; from += 1_000) {
      await items.insertMany(
        Array.from({ length: 1_000 }, (_, i) => ({
          _id: `d-${from + i}`,
          n: from + i,
          v: 0,
          delayMs: 2,
        })),
      );
    }
    await server.api
      .createSubscription({
        name: 'snap',
        source: { database: source.database, collections: ['items'] },
        handler: { type: 'provider', name: RECORDING_HANDLER },
        startFrom: { position: 'snapshot' },
      })
      .expect(201);

    // Writes during the copy: updates everywhere in the key range (before and after the copy's
    // position), new documents, deletes.
    const updates = new Map<string, number[]>();
    const inserted: string[] = [];
    const deleted: string[] = [];
    let round = 0;
    const write = async (): Promise<void> => {
      while (server.recorder.of('snap').length < EXISTING && round < 1_000) {
        round += 1;
        const at = round;
        const id = `d-${(at * 997) % EXISTING}`;
        if (at % 10 === 0) {
          deleted.push(id);
          await items.deleteOne({ _id: id });
        } else if (at % 5 === 0) {
          inserted.push(`new-${at}`);
          await items.insertOne({ _id: `new-${at}`, n: -at, v: 0 });
        } else if (!deleted.includes(id)) {
          updates.set(id, [...(updates.get(id) ?? []), at]);
          await items.updateOne({ _id: id }, { $set: { v: at } });
        }
      }
    };
    await Promise.all([write(), write(), write()]);
    expect(round).toBeGreaterThan(50); // the writes overlapped the copy

    const events = () => server.recorder.of('snap');
    // Everything arrives: every write's event, and every document (snapshot or a change).
    await waitFor(
      () => {
        const keys = byKey(events());
        const allUpdates = [...updates].every(([id, values]) =>
          values.every((v) =>
            keys
              .get(id)
              ?.some(
                (e) => e.operationType === 'update' && e.updateDescription?.updatedFields.v === v,
              ),
          ),
        );
        const allInserts = inserted.every((id) =>
          keys.get(id)?.some((e) => e.operationType === 'insert'),
        );
        const allDeletes = deleted.every((id) =>
          keys.get(id)?.some((e) => e.operationType === 'delete'),
        );
        const everyDocument = Array.from({ length: EXISTING }, (_, n) => `d-${n}`).every((id) =>
          keys.has(id),
        );
        return allUpdates && allInserts && allDeletes && everyDocument;
      },
      { timeoutMs: 60_000, description: 'every document and every write at the handler' },
    );

    // Per key: nothing before its snapshot event. Without one: a document created during the
    // copy (its insert comes first, from the stream), or one deleted before the copy reached it.
    const misordered = [...byKey(events())].filter(([id, list]) => {
      const ops = list.map((e) => e.operationType);
      return ops.includes('snapshot')
        ? ops[0] !== 'snapshot'
        : !((inserted.includes(id) && ops[0] === 'insert') || ops.includes('delete'));
    });
    expect(misordered).toEqual([]);
    const firstOfD0 = byKey(events()).get('d-0')?.[0];
    expect(firstOfD0).toMatchObject({
      operationType: 'snapshot',
      ns: { db: source.database, coll: 'items' },
      documentKey: { _id: 'd-0' },
      fullDocument: { _id: 'd-0' },
      id: expect.stringMatching(/^snapshot:/),
    });
    const snapshots = events().filter((e) => e.operationType === 'snapshot');
    // Each document copied once (no restart happened).
    expect(new Set(snapshots.map((e) => e.id)).size).toBe(snapshots.length);
    expect(snapshots.length).toBeGreaterThanOrEqual(EXISTING - deleted.length);

    // Live afterwards.
    await items.insertOne({ _id: 'after', n: -1, v: 0 });
    await waitFor(() => byKey(events()).get('after')?.[0]?.operationType === 'insert', {
      description: 'the live insert',
    });
    // The checkpoint is written every CHECKPOINT_INTERVAL_MS: wait for the one past the copy.
    const status = await waitFor(
      async () => {
        const { body } = await server.api.status('snap').expect(200);
        return body.checkpoint?.kind === 'token' && body;
      },
      { description: 'a stream checkpoint after the copy' },
    );
    expect(status.snapshot).toBeUndefined();
  });

  it('applies the filter to the copied documents and shows its progress in the status', async () => {
    const shelf = source.collection('shelf');
    await shelf.insertMany(
      Array.from({ length: 600 }, (_, n) => ({
        _id: `s-${n}`,
        colour: n % 2 === 0 ? 'red' : 'blue',
        delayMs: 5,
      })),
    );
    await server.api
      .createSubscription({
        name: 'snap-red',
        source: {
          database: source.database,
          collections: ['shelf'],
          pipeline: [{ $match: { 'fullDocument.colour': 'red' } }],
        },
        handler: { type: 'provider', name: RECORDING_HANDLER },
        delivery: { concurrency: 2 },
        startFrom: { position: 'snapshot' },
      })
      .expect(201);
    const progress = await waitFor(
      async () => {
        const status = await server.api.status('snap-red');
        return status.body.snapshot?.copied > 0 && status.body.snapshot;
      },
      { description: 'snapshot progress in the status' },
    );
    expect(progress).toMatchObject({
      collections: [{ collection: 'shelf', estimate: 300, done: false }],
      estimate: 300,
      streamFrom: expect.any(String),
      startedAt: expect.any(String),
    });
    await waitUntilRunning(server, 'snap-red');
    await server.recorder.waitForEvents('snap-red', 300, 30_000);
    await shelf.insertMany([
      { _id: 'late-red', colour: 'red' },
      { _id: 'late-blue', colour: 'blue' },
    ]);
    await server.recorder.waitForEvents('snap-red', 301);
    const received = server.recorder.of('snap-red');
    expect(received.every((e) => (e.fullDocument as { colour: string }).colour === 'red')).toBe(
      true,
    );
    expect(received.filter((e) => e.operationType === 'snapshot')).toHaveLength(300);
    expect(received.at(-1)?.documentKey).toEqual({ _id: 'late-red' });
  });
});

describe('Snapshot when its owner crashes', () => {
  let a: RelayServer;
  let b: RelayServer;
  let source: SourceData;
  const database = uniqueDbName('relay');

  beforeAll(async () => {
    const env = { MONGODB_DB: database, LEASE_TTL_MS: '2000', CHECKPOINT_INTERVAL_MS: '100' };
    [source, a, b] = await Promise.all([
      SourceData.connect(),
      startRelay({ ...env, INSTANCE_ID: 'snap-a' }),
      startRelay({ ...env, INSTANCE_ID: 'snap-b' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), source?.close()]);
  });

  it('continues the copy from the last checkpointed _id on the new owner', async () => {
    const total = 1_500;
    await source.collection('stock').insertMany(
      Array.from({ length: total }, (_, n) => ({
        _id: `k-${String(n).padStart(5, '0')}`,
        delayMs: 3,
      })),
    );
    await a.api
      .createSubscription({
        name: 'snap-handover',
        source: { database: source.database, collections: ['stock'] },
        handler: { type: 'provider', name: RECORDING_HANDLER },
        delivery: { concurrency: 2 },
        startFrom: { position: 'snapshot' },
      })
      .expect(201);
    const owner = await waitFor(
      () =>
        [a, b].find((server) =>
          server.supervisor.runningWorkers().some((w) => w.subscription === 'snap-handover'),
        ),
      { description: 'an owner' },
    );
    const survivor = owner === a ? b : a;
    // Kill the owner once a good part of the copy is checkpointed.
    const copiedBeforeKill = await waitFor(
      async () => {
        const status = await survivor.api.status('snap-handover');
        const copied = status.body.snapshot?.copied ?? 0;
        return copied >= 300 && copied;
      },
      { description: 'a checkpointed part of the copy' },
    );
    await crash(owner);
    const ownerSaw = owner.recorder.of('snap-handover').length;
    expect(ownerSaw).toBeLessThan(total);

    const seen = () =>
      new Set(
        [...owner.recorder.of('snap-handover'), ...survivor.recorder.of('snap-handover')].map(
          (e) => e.documentKey?._id,
        ),
      );
    await waitFor(() => seen().size === total, {
      timeoutMs: 60_000,
      description: 'every document copied by one owner or the other',
    });
    // The new owner continued where the checkpoint stood: it did not copy those again.
    const again = survivor.recorder.of('snap-handover').length;
    expect(again).toBeLessThanOrEqual(total - copiedBeforeKill);
    expect(survivor.recorder.of('snap-handover')[0].documentKey?._id).not.toBe('k-00000');
    await waitFor(
      async () => (await survivor.api.status('snap-handover')).body.checkpoint?.kind !== 'snapshot',
      { description: 'the stream after the copy' },
    );
  });
});
