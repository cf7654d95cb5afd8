import { uniqueDbName } from '@app/testing';
import type { Collection } from 'mongodb';
import { RelayRuntime } from '../../test/support/relay-runtime';
import { JournalAnalyticsRepository } from './journal-analytics.repository';
import { JOURNAL_COLLECTION, type JournalOutcome, type JournalRecord } from './journal.types';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const NOW = new Date(T0 + 60_000);

let seq = 0;
function record(
  correlationId: string,
  step: 'inventory' | 'shipping',
  outcome: JournalOutcome,
  changedAtMs: number,
  completedAtMs: number | null,
  extra: Partial<JournalRecord> = {},
): JournalRecord {
  seq += 1;
  const inventory = step === 'inventory';
  return {
    _id: `${step}|${seq}`,
    eventId: `e${seq}`,
    subscription: inventory ? 'orders-to-inventory' : 'reservations-to-shipping',
    service: step,
    sourceService: inventory ? 'orders' : 'inventory',
    ns: { db: 'shop', coll: inventory ? 'orders' : 'reservations' },
    operationType: 'insert',
    documentKey: { _id: seq },
    correlationId,
    processId: 'checkout',
    outcome,
    attempts: 1,
    changedAt: new Date(changedAtMs),
    receivedAt: new Date(changedAtMs + 5),
    completedAt: completedAtMs === null ? null : new Date(completedAtMs),
    handlingMs: inventory ? 10 : 30,
    latencyMs: 0,
    sizeBytes: inventory ? 200 : 300,
    fields: inventory ? { total: 10 } : {},
    error: null,
    // In the future of the wall clock, or the TTL monitor removes the records mid-test.
    expireAt: new Date(Date.now() + 86_400_000),
    ...extra,
  };
}

describe(JournalAnalyticsRepository.name, () => {
  let runtime: RelayRuntime;
  let analytics: JournalAnalyticsRepository;

  beforeAll(async () => {
    runtime = await RelayRuntime.start({
      metaDb: uniqueDbName('meta'),
      instanceId: 'journal-analytics',
      relay: { runWorkers: false },
    });
    analytics = runtime.moduleRef.get(JournalAnalyticsRepository);
    const journal: Collection<JournalRecord> =
      runtime.connection.db!.collection(JOURNAL_COLLECTION);
    await journal.insertMany([
      // ok-1: 0 → 400 ms, ok-2: 1000 → 1200 ms
      record('ok-1', 'inventory', 'delivered', T0, T0 + 100),
      record('ok-1', 'shipping', 'delivered', T0 + 150, T0 + 400),
      record('ok-2', 'inventory', 'delivered', T0 + 1_000, T0 + 1_050, { fields: { total: 5 } }),
      record('ok-2', 'shipping', 'delivered', T0 + 1_100, T0 + 1_200),
      // failed at shipping: 2000 → 2900 ms
      record('bad-1', 'inventory', 'delivered', T0 + 2_000, T0 + 2_100),
      record('bad-1', 'shipping', 'dead-lettered', T0 + 2_200, T0 + 2_900),
      // in progress since T0 + 3000 (shipping still retrying)
      record('slow-1', 'inventory', 'delivered', T0 + 3_000, T0 + 3_100),
      record('slow-1', 'shipping', 'pending', T0 + 3_200, null),
      // out of the range
      record('old-1', 'inventory', 'delivered', T0 - 7_200_000, T0 - 7_199_000),
    ]);
  });

  afterAll(async () => {
    await runtime?.close();
  });

  const since = new Date(T0 - 60_000);

  it('computes each process: status, sequence, duration, counts, services, business values', async () => {
    const page = await analytics.processes({ since, now: NOW, limit: 100 });
    const byId = new Map(page.processes.map((p) => [p.correlationId, p]));
    expect([...byId.keys()].sort()).toEqual(['bad-1', 'ok-1', 'ok-2', 'slow-1']);
    expect(byId.get('ok-1')).toEqual({
      correlationId: 'ok-1',
      processId: 'checkout',
      status: 'Success',
      start: new Date(T0),
      end: new Date(T0 + 400),
      durationMs: 400,
      sequence: 'inventory:insert:orders -> shipping:insert:reservations',
      eventCount: 2,
      services: ['inventory', 'orders', 'shipping'],
      collections: ['orders', 'reservations'],
      delivered: 2,
      failed: 0,
      pending: 0,
      businessValues: { total: 10 },
    });
    expect(byId.get('bad-1')).toMatchObject({
      status: 'Failed',
      durationMs: 900,
      delivered: 1,
      failed: 1,
    });
    expect(byId.get('slow-1')).toMatchObject({
      status: 'In Progress',
      end: null,
      durationMs: NOW.getTime() - (T0 + 3_000),
      pending: 1,
    });
    // Newest first.
    expect(page.processes.map((p) => p.correlationId)).toEqual(['slow-1', 'bad-1', 'ok-2', 'ok-1']);
  });

  it('summarises: totals per status, average duration of finished processes, business value, top by duration', async () => {
    const { summary } = await analytics.processes({ since, now: NOW, limit: 1 });
    expect(summary).toMatchObject({
      total: 4,
      success: 2,
      failed: 1,
      inProgress: 1,
      averageDurationMs: (400 + 200 + 900) / 3,
      businessValues: { total: 35 },
    });
    expect(summary.top.map((p) => p.correlationId)).toEqual(['slow-1', 'bad-1', 'ok-1', 'ok-2']);
  });

  it('filters by status, by service, and lists processes stuck longer than a threshold', async () => {
    const failed = await analytics.processes({ since, now: NOW, limit: 100, status: 'Failed' });
    expect(failed.processes.map((p) => p.correlationId)).toEqual(['bad-1']);
    expect(failed.summary.total).toBe(1);
    const byOrders = await analytics.processes({ since, now: NOW, limit: 100, service: 'orders' });
    expect(byOrders.summary.total).toBe(4);
    const stuck = await analytics.processes({ since, now: NOW, limit: 100, stuckAfterMs: 50_000 });
    expect(stuck.processes.map((p) => p.correlationId)).toEqual(['slow-1']);
    const notYet = await analytics.processes({ since, now: NOW, limit: 100, stuckAfterMs: 58_000 });
    expect(notYet.processes).toEqual([]);
    const scoped = await analytics.processes({
      since,
      now: NOW,
      limit: 100,
      visibleServices: ['inventory'],
    });
    expect(scoped.processes.every((p) => p.eventCount === 1)).toBe(true);
  });

  it('returns the timeline of one process in change order', async () => {
    const events = await analytics.timeline('bad-1');
    expect(events.map((e) => [e.service, e.outcome])).toEqual([
      ['inventory', 'delivered'],
      ['shipping', 'dead-lettered'],
    ]);
  });

  it('gives the fields a stored record left out (no value) back as null in a timeline', async () => {
    const journal: Collection<Partial<JournalRecord>> =
      runtime.connection.db!.collection(JOURNAL_COLLECTION);
    const {
      sourceService: _s,
      documentKey: _k,
      processId: _p,
      changedAt: _c,
      completedAt: _d,
      error: _e,
      ...stored
    } = record('sparse-1', 'inventory', 'pending', T0 + 5_000, null);
    await journal.insertOne({ ...stored, receivedAt: new Date(T0 + 5_000) });

    const [event] = await analytics.timeline('sparse-1');
    expect(event).toMatchObject({
      sourceService: null,
      documentKey: null,
      processId: null,
      changedAt: null,
      completedAt: null,
      error: null,
      at: new Date(T0 + 5_000),
    });
    await journal.deleteOne({ _id: stored._id });
  });

  it('reports the interactions between services with counts, success, handling time and bytes', async () => {
    const edges = await analytics.interactions({ since, now: NOW });
    expect(edges).toEqual([
      {
        sourceService: 'orders',
        service: 'inventory',
        collection: 'orders',
        operationType: 'insert',
        count: 4,
        succeeded: 4,
        failed: 0,
        avgHandlingMs: 10,
        maxHandlingMs: 10,
        avgBytes: 200,
        totalBytes: 800,
      },
      {
        sourceService: 'inventory',
        service: 'shipping',
        collection: 'reservations',
        operationType: 'insert',
        count: 3,
        succeeded: 2,
        failed: 1,
        avgHandlingMs: 30,
        maxHandlingMs: 30,
        avgBytes: 300,
        totalBytes: 900,
      },
    ]);
  });
});
