import type { DeliveryEvent, EngineHooks, EngineStats } from '@app/delivery';
import { MongooseModule } from '@nestjs/mongoose';
import { Test, type TestingModule } from '@nestjs/testing';
import { sharedBackendUri, uniqueDbName } from '@app/testing';
import { Timestamp } from 'bson';
import { resolveChangeRelayOptions } from '../module/change-relay.options';
import { RELAY_MODEL_DEFINITIONS } from '../module/relay-models';
import type { RawChangeEvent } from '../source/change-event.mapper';
import { MAX_ERROR_SIGNATURES, OTHER_ERRORS } from './metrics.errors';
import { quantileMs } from './metrics.histogram';
import { MetricsRecorder } from './metrics.recorder';
import { MetricsRepository } from './metrics.repository';
import { LiveTailPublisher } from './live-tail.publisher';
import { LiveTailRepository } from './live-tail.repository';
import { RelayPrometheus } from './relay-prometheus';

describe(MetricsRecorder.name, () => {
  let moduleRef: TestingModule;
  let repository: MetricsRepository;
  let recorder: MetricsRecorder;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        MongooseModule.forRoot(sharedBackendUri(), { dbName: uniqueDbName('metrics') }),
        MongooseModule.forFeature(RELAY_MODEL_DEFINITIONS),
      ],
      providers: [MetricsRepository, LiveTailRepository],
    }).compile();
    repository = moduleRef.get(MetricsRepository);
  });

  beforeEach(() => {
    recorder = new MetricsRecorder(
      repository,
      new RelayPrometheus(),
      // A long interval: only the explicit flushes below write.
      resolveChangeRelayOptions({
        instanceId: 'test',
        serviceName: 'svc',
        metricsFlushIntervalMs: 600_000,
      }),
      new LiveTailPublisher(moduleRef.get(LiveTailRepository)),
    );
  });

  afterEach(() => recorder.onModuleDestroy());

  afterAll(async () => {
    await moduleRef?.close();
  });

  let seq = 0;
  const event = (
    coll: string,
    operationType: string,
    wallTime = new Date(),
  ): DeliveryEvent<RawChangeEvent> => {
    seq += 1;
    return {
      seq,
      token: { _data: String(seq) },
      key: String(seq),
      attempt: 1,
      receivedAt: Date.now(),
      payload: {
        _id: { _data: String(seq) },
        operationType,
        ns: { db: 'shop', coll },
        clusterTime: new Timestamp({ t: Math.floor(wallTime.getTime() / 1000), i: 1 }),
        wallTime,
      },
    };
  };

  const all = (hooks: EngineHooks<RawChangeEvent>) =>
    hooks as Required<EngineHooks<RawChangeEvent>>;

  it('rolls counts, breakdowns and histograms into one $inc per subscription and minute', async () => {
    const hooks = all(recorder.hooksFor('rollup', 'svc'));
    const old = new Date(Date.now() - 3_000);
    const events = [
      event('orders', 'insert', old),
      event('orders', 'update', old),
      event('a.b', 'insert', old),
    ];
    events.forEach((e) => hooks.received(e));
    hooks.delivered([events[0]], { attempt: 1, durationMs: 7 });
    hooks.attemptFailed([events[1]], {
      attempt: 1,
      durationMs: 3,
      error: new Error('x'),
      timedOut: false,
    });
    hooks.retried([events[1]], { nextAttempt: 2, delayMs: 10, error: new Error('x') });
    hooks.delivered([events[1]], { attempt: 2, durationMs: 300 });
    hooks.deadLettered(events[2], { attempts: 1, error: new Error('bad'), durationMs: 5 });
    hooks.replayed(
      { ...event('orders', 'insert'), submitted: true },
      {
        outcome: { status: 'delivered', attempts: 1 },
        durationMs: 4,
      },
    );
    await recorder.flush();
    // A second flush of the same minute adds up instead of overwriting.
    hooks.received(event('orders', 'delete'));
    await recorder.flush();

    const minutes = await repository.minutesOf('rollup');
    const sum = (pick: (m: (typeof minutes)[number]) => number) =>
      minutes.reduce((total, m) => total + pick(m), 0);
    expect(sum((m) => m.counters.received)).toBe(4);
    expect(sum((m) => m.counters.delivered)).toBe(2);
    expect(sum((m) => m.counters.failedAttempts)).toBe(1);
    expect(sum((m) => m.counters.retried)).toBe(1);
    expect(sum((m) => m.counters.deadLettered)).toBe(1);
    expect(sum((m) => m.counters.replayed)).toBe(1);
    expect(sum((m) => m.byOperation?.insert ?? 0)).toBe(2);
    expect(sum((m) => m.byOperation?.delete ?? 0)).toBe(1);
    expect(sum((m) => m.byCollection?.orders ?? 0)).toBe(3);
    expect(sum((m) => m.byCollection?.['a%2Eb'] ?? 0)).toBe(1);
    expect(sum((m) => m.handler.count)).toBe(2);
    expect(sum((m) => m.handler.sumMs)).toBe(307);
    expect(sum((m) => m.handler.buckets.le10 ?? 0)).toBe(1);
    expect(sum((m) => m.handler.buckets.le500 ?? 0)).toBe(1);
    expect(Math.max(...minutes.map((m) => m.handler.maxMs))).toBe(300);
    // End to end: from the change's wall time (3 s ago) to the handler's success.
    const latency = minutes.find((m) => (m.latency?.count ?? 0) > 0)!.latency!;
    expect(latency.count).toBe(2);
    expect(latency.maxMs).toBeGreaterThanOrEqual(3_000);
    expect(latency.buckets.le5000).toBe(2);
    // Estimated by the bucket's bound, never above the max seen.
    expect(quantileMs(latency, 0.5)).toBe(latency.maxMs);
    const expireIn = minutes[0].expireAt.getTime() - minutes[0].minute.getTime();
    expect(expireIn).toBe(30 * 86_400_000);
  });

  it('keeps live gauges for the workers it runs, and forgets them when they stop', async () => {
    const stats = { inFlight: 4, ready: 2 } as EngineStats;
    const hooks = all(recorder.hooksFor('live', 'svc', () => stats));
    const old = new Date(Date.now() - 10_000);
    const [first, second] = [event('orders', 'insert', old), event('orders', 'insert')];
    hooks.received(first);
    hooks.received(second);
    hooks.retried([first], { nextAttempt: 2, delayMs: 10, error: new Error('x') });
    const live = recorder.liveFigures('live')!;
    expect(live).toMatchObject({ subscription: 'live', inFlight: 4, queued: 2, retrying: 1 });
    expect(live.lagMs).toBeGreaterThanOrEqual(10_000);

    hooks.delivered([first], { attempt: 2, durationMs: 1 });
    hooks.checkpointed({ seq: first.seq, token: first.token }, { durationMs: 1 });
    const after = recorder.liveFigures('live')!;
    expect(after.retrying).toBe(0);
    expect(after.lagMs).toBeLessThan(5_000);
    hooks.checkpointed({ seq: second.seq, token: second.token }, { durationMs: 1 });
    expect(recorder.liveFigures('live')!.lagMs).toBe(0);

    await recorder.flush();
    const [minute] = await repository.minutesOf('live');
    expect(minute.lagMaxMs).toBe(0);
    recorder.detach('live');
    expect(recorder.liveFigures('live')).toBeUndefined();
    expect(recorder.liveFigures().map((f) => f.subscription)).not.toContain('live');
  });

  it('persists the largest lag seen at a flush', async () => {
    const hooks = all(recorder.hooksFor('lagging', 'svc'));
    hooks.received(event('orders', 'insert', new Date(Date.now() - 20_000)));
    await recorder.flush();
    const [minute] = await repository.minutesOf('lagging');
    expect(minute.lagMaxMs).toBeGreaterThanOrEqual(20_000);
  });

  it('groups failures by error signature with counts, first and latest time and a sample event', async () => {
    const hooks = all(recorder.hooksFor('errs', 'svc'));
    const named = (name: string, props: Record<string, unknown> = {}) =>
      Object.assign(Object.assign(new Error(`${name} happened`), { name }), props);
    const [a, b, c] = [event('o', 'insert'), event('o', 'insert'), event('o', 'insert')];
    const fail = (e: typeof a, error: Error) =>
      hooks.attemptFailed([e], { attempt: 1, durationMs: 1, error, timedOut: false });
    fail(a, named('WebhookDeliveryError', { status: 500 }));
    fail(b, named('WebhookDeliveryError', { status: 500 }));
    await recorder.flush();
    fail(c, named('WebhookDeliveryError', { status: 500 }));
    fail(a, named('StockError', { code: 'E_STOCK' }));
    hooks.deadLettered(a, {
      attempts: 2,
      error: named('StockError', { code: 'E_STOCK' }),
      durationMs: 1,
    });
    await recorder.flush();

    const errors = await repository.errors(new Date(0), ['errs']);
    expect(errors).toEqual([
      expect.objectContaining({
        subscription: 'errs',
        service: 'svc',
        name: 'WebhookDeliveryError',
        httpStatus: 500,
        attempts: 3,
        deadLettered: 0,
        latest: expect.objectContaining({ eventId: String(c.seq) }),
      }),
      expect.objectContaining({
        name: 'StockError',
        code: 'E_STOCK',
        attempts: 1,
        deadLettered: 1,
        latest: expect.objectContaining({ eventId: String(a.seq), message: 'StockError happened' }),
      }),
    ]);
    expect(errors[0].firstAt.getTime()).toBeLessThanOrEqual(errors[0].latest.at.getTime());
  });

  it('caps distinct error signatures per subscription and minute, across flushes', async () => {
    const hooks = all(recorder.hooksFor('hostile', 'svc'));
    const e = event('o', 'insert');
    const many = MAX_ERROR_SIGNATURES + 15;
    for (let n = 0; n < many; n++) {
      const error = Object.assign(new Error('x'), { name: `Random${n}` });
      hooks.attemptFailed([e], { attempt: 1, durationMs: 1, error, timedOut: false });
      if (n === 5) {
        await recorder.flush();
      }
    }
    await recorder.flush();
    const minutes = await repository.minutesOf('hostile');
    const errors = await repository.errors(new Date(0), ['hostile']);
    for (const minute of minutes) {
      expect(Object.keys(minute.failures ?? {}).length).toBeLessThanOrEqual(
        MAX_ERROR_SIGNATURES + 1,
      );
    }
    const other = errors.find((r) => r.name === OTHER_ERRORS);
    expect(other?.attempts).toBeGreaterThan(0);
    // Each admitted signature failed once; the rest went to `(other)`.
    expect(errors.filter((r) => r !== other).length + (other?.attempts ?? 0)).toBe(many);
    expect(errors.reduce((sum, r) => sum + r.attempts, 0)).toBe(many);
  });

  it('follows the lag of thousands of unacknowledged events in stream order (the queue grows)', () => {
    const hooks = all(recorder.hooksFor('deep', 'svc'));
    const start = Date.now();
    const events = Array.from({ length: 3_000 }, (_, n) =>
      event('orders', 'insert', new Date(start - 60_000 + n * 10)),
    );
    events.forEach((e) => hooks.received(e));
    // The oldest unacknowledged change is 60 s old.
    expect(recorder.liveFigures('deep')!.lagMs).toBeGreaterThanOrEqual(60_000);
    hooks.checkpointed({ seq: events[1_999].seq, token: events[1_999].token }, { durationMs: 1 });
    const lag = recorder.liveFigures('deep')!.lagMs;
    expect(lag).toBeGreaterThanOrEqual(60_000 - 20_000 - 1_000);
    expect(lag).toBeLessThan(60_000 - 20_000 + 1_000);
    hooks.checkpointed({ seq: events[2_999].seq, token: events[2_999].token }, { durationMs: 1 });
    expect(recorder.liveFigures('deep')!.lagMs).toBe(0);
  });
});
