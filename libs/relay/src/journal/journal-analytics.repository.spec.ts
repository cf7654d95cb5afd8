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

/** The record a dead-letter replay of `original` writes (same event, its own id and times). */
function replayOf(
  original: JournalRecord,
  outcome: 'replayed' | 'failed',
  receivedAtMs: number,
  completedAtMs: number,
): JournalRecord {
  return {
    ...original,
    _id: `${original._id}|replay|${completedAtMs}`,
    outcome,
    receivedAt: new Date(receivedAtMs),
    completedAt: new Date(completedAtMs),
    handlingMs: 50,
    error: outcome === 'failed' ? { message: 'answered 500', code: 500 } : null,
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
      // failed at shipping (4200 → 4900), replayed successfully at 20000 → 20050
      ...replayed(),
      // failed at shipping (5200 → 5900), and its replay failed again (20500 → 21000)
      ...replayFailed(),
      // out of the range
      record('old-1', 'inventory', 'delivered', T0 - 7_200_000, T0 - 7_199_000),
    ]);
  });

  function replayed(): JournalRecord[] {
    const shipping = record('rep-1', 'shipping', 'dead-lettered', T0 + 4_200, T0 + 4_900, {
      fields: { total: 7 },
      error: { message: 'answered 400', code: 400 },
    });
    return [
      record('rep-1', 'inventory', 'delivered', T0 + 4_000, T0 + 4_100),
      shipping,
      replayOf(shipping, 'replayed', T0 + 20_000, T0 + 20_050),
    ];
  }

  function replayFailed(): JournalRecord[] {
    const shipping = record('rep-2', 'shipping', 'dead-lettered', T0 + 5_200, T0 + 5_900);
    return [
      record('rep-2', 'inventory', 'delivered', T0 + 5_000, T0 + 5_100),
      shipping,
      replayOf(shipping, 'failed', T0 + 20_500, T0 + 21_000),
    ];
  }

  afterAll(async () => {
    await runtime?.close();
  });

  const since = new Date(T0 - 60_000);

  it('computes each process: status, sequence, duration, counts, services, business values', async () => {
    const page = await analytics.processes({ since, now: NOW, limit: 100 });
    const byId = new Map(page.processes.map((p) => [p.correlationId, p]));
    expect([...byId.keys()].sort()).toEqual(['bad-1', 'ok-1', 'ok-2', 'rep-1', 'rep-2', 'slow-1']);
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
      replayed: 0,
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
    expect(page.processes.map((p) => p.correlationId)).toEqual([
      'rep-2',
      'rep-1',
      'slow-1',
      'bad-1',
      'ok-2',
      'ok-1',
    ]);
  });

  it('judges each event by its latest outcome: a replay that delivered a dead letter makes the process a success', async () => {
    const page = await analytics.processes({ since, now: NOW, limit: 100 });
    const byId = new Map(page.processes.map((p) => [p.correlationId, p]));
    expect(byId.get('rep-1')).toEqual({
      correlationId: 'rep-1',
      processId: 'checkout',
      status: 'Success',
      start: new Date(T0 + 4_000),
      // It ended when the replay delivered the last event.
      end: new Date(T0 + 20_050),
      durationMs: 16_050,
      // The replayed event is one step and one event, its business value counted once.
      sequence: 'inventory:insert:orders -> shipping:insert:reservations',
      eventCount: 2,
      services: ['inventory', 'orders', 'shipping'],
      collections: ['orders', 'reservations'],
      delivered: 2,
      failed: 0,
      pending: 0,
      replayed: 1,
      businessValues: { total: 17 },
    });
    // A replay that failed again leaves the process failed.
    expect(byId.get('rep-2')).toMatchObject({
      status: 'Failed',
      end: new Date(T0 + 21_000),
      durationMs: 16_000,
      eventCount: 2,
      delivered: 1,
      failed: 1,
      replayed: 0,
    });
  });

  it('summarises: totals per status, average duration of finished processes, business value, top by duration', async () => {
    const { summary } = await analytics.processes({ since, now: NOW, limit: 1 });
    expect(summary).toMatchObject({
      total: 6,
      success: 3,
      failed: 2,
      inProgress: 1,
      averageDurationMs: (400 + 200 + 900 + 16_050 + 16_000) / 5,
      businessValues: { total: 62 },
    });
    expect(summary.top.map((p) => p.correlationId)).toEqual([
      'slow-1',
      'rep-1',
      'rep-2',
      'bad-1',
      'ok-1',
      'ok-2',
    ]);
  });

  it('filters by status, by service, and lists processes stuck longer than a threshold', async () => {
    const failed = await analytics.processes({ since, now: NOW, limit: 100, status: 'Failed' });
    expect(failed.processes.map((p) => p.correlationId)).toEqual(['rep-2', 'bad-1']);
    expect(failed.summary.total).toBe(2);
    const success = await analytics.processes({ since, now: NOW, limit: 100, status: 'Success' });
    expect(success.processes.map((p) => p.correlationId)).toEqual(['rep-1', 'ok-2', 'ok-1']);
    const byOrders = await analytics.processes({ since, now: NOW, limit: 100, service: 'orders' });
    expect(byOrders.summary.total).toBe(6);
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
    // Both the failure and its replay, in that order.
    const replayed = await analytics.timeline('rep-1');
    expect(replayed.map((e) => [e.service, e.outcome, e.eventId])).toEqual([
      ['inventory', 'delivered', replayed[0].eventId],
      ['shipping', 'dead-lettered', replayed[1].eventId],
      ['shipping', 'replayed', replayed[1].eventId],
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
        count: 6,
        succeeded: 6,
        failed: 0,
        avgHandlingMs: 10,
        maxHandlingMs: 10,
        avgBytes: 200,
        totalBytes: 1_200,
      },
      {
        // Each event once (the pending one left out), judged and timed by its latest record:
        // rep-1 succeeded on replay, rep-2's replay failed again (50 ms each).
        sourceService: 'inventory',
        service: 'shipping',
        collection: 'reservations',
        operationType: 'insert',
        count: 5,
        succeeded: 3,
        failed: 2,
        avgHandlingMs: (30 * 3 + 50 * 2) / 5,
        maxHandlingMs: 50,
        avgBytes: 300,
        totalBytes: 1_500,
      },
    ]);
  });

  it('keeps a replayed event at its place in the sequence (events of one change time by first receipt)', async () => {
    // Inserted last, so the figures above do not count it.
    const at = T0 + 6_000;
    const shipping = record('rep-3', 'shipping', 'dead-lettered', at, at + 100);
    const inventory = record('rep-3', 'inventory', 'delivered', at, at + 200, {
      receivedAt: new Date(at + 50),
    });
    await runtime.connection
      .db!.collection<JournalRecord>(JOURNAL_COLLECTION)
      .insertMany([shipping, inventory, replayOf(shipping, 'replayed', at + 9_000, at + 9_100)]);
    const { processes } = await analytics.processes({
      since,
      now: NOW,
      limit: 10,
      correlationId: 'rep-3',
    });
    expect(processes).toEqual([
      expect.objectContaining({
        status: 'Success',
        sequence: 'shipping:insert:reservations -> inventory:insert:orders',
        replayed: 1,
        durationMs: 9_100,
      }),
    ]);
  });
});
