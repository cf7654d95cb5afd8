import { Inject, Injectable } from '@nestjs/common';
import { connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { MongoClient } from 'mongodb';
import { EventLog } from '../../../test/support/event-log';
import { LargeEvent } from '../../../test/support/large-event';
import { RelayRuntime, createSubscription, ownerOf } from '../../../test/support/relay-runtime';
import { ChangeHandler } from '../../handlers/change-handler.decorator';
import type { ChangeEventEnvelope } from '../../handlers/change-event.envelope';
import type { EventHandler } from '../../handlers/handler.types';
import { WorkerSourceFactory } from '../worker-source.factory';
import { positionOrderKey } from './stream-order';

const TIMINGS = Symbol('TIMINGS');

/** When each subscription got each document, and a gate that holds one subscription back. */
class Timings {
  readonly received = new Map<string, { id: unknown; at: number; wallTime?: Date }[]>();
  gate: Promise<void> | undefined;
  gated = new Set<string>();

  of(name: string) {
    return this.received.get(name) ?? [];
  }
}

@Injectable()
@ChangeHandler('timed')
class TimedHandler implements EventHandler {
  constructor(@Inject(TIMINGS) private readonly timings: Timings) {}

  async handle(event: ChangeEventEnvelope): Promise<void> {
    if (this.timings.gated.has(event.subscription)) {
      await this.timings.gate;
    }
    const list = this.timings.received.get(event.subscription) ?? [];
    list.push({ id: event.documentKey?._id, at: Date.now(), wallTime: event.wallTime });
    this.timings.received.set(event.subscription, list);
  }
}

describe('Shared change streams', () => {
  let client: MongoClient;
  let runtime: RelayRuntime;
  const timings = new Timings();
  const log = new EventLog();
  const sourceDb = uniqueDbName('shared');

  beforeAll(async () => {
    client = await connectTestClient();
    runtime = await RelayRuntime.start({
      metaDb: uniqueDbName('meta'),
      instanceId: 'shared-a',
      log,
      // Small buffers, so a held-back subscription overflows its queue quickly.
      relay: { sharedStreams: true, maxInFlight: 20 },
      providers: [{ provide: TIMINGS, useValue: timings }, TimedHandler],
    });
  });

  afterAll(async () => {
    await runtime?.close();
    await client?.close();
  });

  const stats = () => runtime.moduleRef.get(WorkerSourceFactory).sharedStreamStats();
  const ids = (name: string) => timings.of(name).map((entry) => entry.id);

  it('serves filtering subscriptions of one database from one stream, each with its own events and checkpoint', async () => {
    await createSubscription(runtime, client, {
      name: 'big-orders',
      handler: { type: 'provider', name: 'timed' },
      source: {
        database: sourceDb,
        collections: ['orders'],
        pipeline: [{ $match: { 'fullDocument.total': { $gte: 100 } } }],
      },
    });
    await createSubscription(runtime, client, {
      name: 'refunds',
      handler: { type: 'provider', name: 'timed' },
      source: { database: sourceDb, collections: ['refunds'], operationTypes: ['insert'] },
    });
    await waitFor(() => stats().members === 2, { description: 'both subscriptions attached' });
    expect(stats().streams).toBe(1);

    const orders = client.db(sourceDb).collection<{ _id: number; total: number }>('orders');
    const refunds = client.db(sourceDb).collection<{ _id: number }>('refunds');
    await orders.insertMany([
      { _id: 1, total: 50 },
      { _id: 2, total: 150 },
    ]);
    await refunds.insertOne({ _id: 10 });
    await refunds.updateOne({ _id: 10 }, { $set: { seen: true } });
    await orders.insertOne({ _id: 3, total: 200 });
    await waitFor(() => ids('big-orders').length === 2 && ids('refunds').length === 1, {
      description: 'both subscriptions got their events',
    });
    // Let anything wrongly let through arrive before looking.
    await orders.insertOne({ _id: 4, total: 500 });
    await waitFor(() => ids('big-orders').length === 3, { description: 'order 4' });
    expect(ids('big-orders')).toEqual([2, 3, 4]);
    expect(ids('refunds')).toEqual([10]);

    // The quiet subscription's checkpoint moves past the events it filtered out, so its resume
    // token never ages out of the oplog.
    // A claim stamps a checkpoint without a position: wait for a position, not for the document.
    const refundCheckpoint = async () =>
      (await runtime.checkpoints.find('refunds'))?.position ?? false;
    const afterRefund = await waitFor(refundCheckpoint, { description: 'refunds checkpoint' });
    await orders.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: 100 + i, total: 1 })));
    await waitFor(
      async () => {
        const now = await refundCheckpoint();
        return now && positionOrderKey(now)! > positionOrderKey(afterRefund)!;
      },
      { description: 'the quiet subscription checkpointed past filtered-out events' },
    );
  });

  it('lets a slow subscription fall behind on its own stream without slowing a fast one, then rejoins it losing nothing', async () => {
    let release!: () => void;
    timings.gate = new Promise<void>((resolve) => (release = resolve));
    timings.gated.add('slow');
    for (const name of ['fast', 'slow']) {
      await createSubscription(runtime, client, {
        name,
        handler: { type: 'provider', name: 'timed' },
        source: { database: sourceDb, collections: ['ticks'] },
        delivery: { ordering: 'strict' },
      });
    }
    await waitFor(() => stats().members === 4, { description: 'fast and slow attached' });
    const ticks = client.db(sourceDb).collection<{ _id: number }>('ticks');
    // More than the slow one can hold (its engine and its queue): it must detach.
    await ticks.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i })));
    await waitFor(() => ids('fast').length === 100, { description: 'fast got the burst' });
    await waitFor(() => stats().members === 3, { description: 'slow detached' });

    // While slow is held back, fast keeps a low latency.
    for (let i = 100; i < 120; i++) {
      await ticks.insertOne({ _id: i });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor(() => ids('fast').length === 120, { description: 'fast got the trickle' });
    const latencies = timings
      .of('fast')
      .slice(100)
      .map((entry) => entry.at - entry.wallTime!.getTime());
    expect(Math.max(...latencies)).toBeLessThan(500);
    expect(ids('slow').length).toBe(0);

    // Released, slow catches up on its own stream, in order and complete, and rejoins.
    release();
    const all = Array.from({ length: 120 }, (_, i) => i);
    await waitFor(() => ids('slow').length >= 120, { description: 'slow caught up' });
    expect(ids('slow')).toEqual(all);
    await waitFor(() => stats().members === 4, { description: 'slow rejoined' });
    await ticks.insertMany([{ _id: 120 }, { _id: 121 }]);
    await waitFor(() => ids('slow').length === 122 && ids('fast').length === 122, {
      description: 'both got the events after the rejoin',
    });
    expect(ids('slow')).toEqual([...all, 120, 121]);
    expect(ids('fast')).toEqual([...all, 120, 121]);
    expect(stats().streams).toBe(1);
  });

  it('fails only the subscription whose filter fails on an event; the others on its stream go on', async () => {
    const database = uniqueDbName('ratios');
    const membersBefore = stats().members;
    await createSubscription(runtime, client, {
      name: 'big-ratios',
      handler: { type: 'provider', name: 'timed' },
      source: {
        database,
        collections: ['ratios'],
        // Fails on a document with b = 0, as it would on the server ($divide by zero).
        pipeline: [
          { $match: { $expr: { $gt: [{ $divide: ['$fullDocument.a', '$fullDocument.b'] }, 1] } } },
        ],
      },
    });
    await createSubscription(runtime, client, {
      name: 'all-ratios',
      handler: { type: 'provider', name: 'timed' },
      source: { database, collections: ['ratios'] },
    });
    await waitFor(() => stats().members === membersBefore + 2, {
      description: 'both subscriptions attached',
    });

    const ratios = client.db(database).collection<{ _id: number; a: number; b: number }>('ratios');
    await ratios.insertOne({ _id: 1, a: 4, b: 2 });
    await ratios.insertOne({ _id: 2, a: 4, b: 0 });
    await ratios.insertOne({ _id: 3, a: 9, b: 3 });
    await waitFor(() => ids('all-ratios').length === 3, {
      description: 'every ratio delivered to the subscription without the failing filter',
    });
    expect(ids('all-ratios')).toEqual([1, 2, 3]);
    expect(ids('big-ratios')).toEqual([1]);
  });

  it('joins an event the server split (over 16 MiB) before fanning it out, whole, to each member', async () => {
    const large = await LargeEvent.prepare(client);
    await createSubscription(runtime, client, { name: 'large-all', source: large.source() });
    await createSubscription(runtime, client, {
      name: 'large-updates',
      source: large.source({ operationTypes: ['update'] }),
    });
    // Running: their sources attached to one stream as they opened. (Member counts are no
    // measure here: the failing subscription of the test before keeps attaching again.)
    await waitFor(
      () =>
        ownerOf('large-all', [runtime]).length + ownerOf('large-updates', [runtime]).length === 2,
      {
        description: 'both subscriptions running',
      },
    );
    await large.write();
    await log.waitForInserted('large-all', [2]);
    await waitFor(() => log.forSubscription('large-updates').length === 1, {
      description: 'the update in the second subscription',
    });
    const all = large.written(log.forSubscription('large-all').map((e) => e.envelope));
    expect(all.map((envelope) => envelope.operationType)).toEqual(['update', 'insert']);
    large.expectWhole(all[0]);
    large.expectWhole(log.forSubscription('large-updates')[0].envelope);
  });
});
