/**
 * `npm run bench:metrics`: what the metrics recorder costs delivery throughput. The same delivery
 * engine drains the same stream of change events (realistic payloads: operation type, namespace,
 * cluster and wall time, resume token) with a no-op handler (the worst case: the recorder's
 * share of a real handler's time is smaller) twice per repetition: with the recorder's hooks
 * (rollup deltas, error tallies, Prometheus counters and histograms, live gauges, the live-tail
 * check) and without hooks. Repetitions are interleaved (the order alternates) to cancel drift
 * and machine load; the medians are compared. Target: overhead under 5%.
 *
 * The recorder's flush (one bulk write every METRICS_FLUSH_INTERVAL_MS, off the delivery path)
 * goes to a repository that keeps nothing, so the numbers are the per-event hot path.
 *
 * Rates are events per CPU second of the process, so other load on a shared machine does not
 * skew one side. EVENTS (100000) per run, REPS (11), ORDERING (key), CONCURRENCY (16).
 */
import 'reflect-metadata';
import { createHmac } from 'node:crypto';
import {
  DeliveryEngine,
  type DeliveryEvent,
  type EngineHooks,
  type SourceItem,
} from '@app/delivery';
import { EJSON, Timestamp } from 'bson';
import { LiveTailPublisher } from '../src/metrics/live-tail.publisher';
import type { LiveTailRepository } from '../src/metrics/live-tail.repository';
import { MetricsRecorder } from '../src/metrics/metrics.recorder';
import type { MetricsRepository } from '../src/metrics/metrics.repository';
import { RelayPrometheus } from '../src/metrics/relay-prometheus';
import { resolveChangeRelayOptions } from '../src/module/change-relay.options';
import type { RawChangeEvent } from '../src/source/change-event.mapper';

const EVENTS = Number(process.env.EVENTS ?? 100_000);
const REPS = Number(process.env.REPS ?? 11);
const ORDERING = (process.env.ORDERING ?? 'key') as 'key' | 'strict' | 'none';
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const KEYS = 1_000;

/** Change events as a change stream returns them, made up front so the source costs nothing. */
function changeEvents(total: number): SourceItem<RawChangeEvent>[] {
  const now = Date.now();
  return Array.from({ length: total }, (_, n) => {
    const token = { _data: `82${n.toString(16).padStart(24, '0')}` };
    return {
      kind: 'event' as const,
      token,
      key: `{"_id":${n % KEYS}}`,
      payload: {
        _id: token,
        operationType: n % 3 === 0 ? 'update' : 'insert',
        ns: { db: 'shop', coll: n % 2 === 0 ? 'orders' : 'payments' },
        clusterTime: new Timestamp({ t: Math.floor(now / 1000), i: n }),
        wallTime: new Date(now),
        documentKey: { _id: n % KEYS },
      },
    };
  });
}

function source(items: SourceItem<RawChangeEvent>[]): AsyncIterable<SourceItem<RawChangeEvent>> {
  let next = 0;
  return {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        Promise.resolve(
          next < items.length
            ? { done: false, value: items[next++] }
            : { done: true, value: undefined },
        ),
    }),
  };
}

const nothingKept = { add: async () => undefined } as unknown as MetricsRepository;
const noWatchers = {
  watched: async () => new Set<string>(),
  publish: async () => undefined,
} as unknown as LiveTailRepository;

function recorder(): MetricsRecorder {
  return new MetricsRecorder(
    nothingKept,
    new RelayPrometheus(),
    resolveChangeRelayOptions({
      instanceId: 'bench',
      serviceName: 'bench',
      metricsFlushIntervalMs: 5_000,
    }),
    new LiveTailPublisher(noWatchers),
  );
}

type Work = (events: readonly DeliveryEvent<RawChangeEvent>[]) => void;

/** The CPU work of a webhook delivery without the network: the signed JSON body. */
const SECRET = Buffer.alloc(32, 7);
const webhookBody: Work = (events) => {
  for (const event of events) {
    const body = EJSON.stringify(event.payload, { relaxed: true });
    createHmac('sha256', SECRET).update(`${event.seq}.${body}`).digest('base64');
  }
};

async function run(
  items: SourceItem<RawChangeEvent>[],
  hooks: EngineHooks<RawChangeEvent> | undefined,
  work: Work | undefined,
): Promise<number> {
  let delivered = 0;
  const engine = new DeliveryEngine<RawChangeEvent>({
    source: source(items),
    handler: async (events) => {
      work?.(events);
      delivered += events.length;
    },
    deadLetter: async () => {
      throw new Error('nothing should be dead-lettered');
    },
    onCheckpoint: async () => undefined,
    options: { ordering: ORDERING, concurrency: CONCURRENCY, maxInFlight: 1_000 },
    ...(hooks ? { hooks } : {}),
  });
  const cpuBefore = process.cpuUsage();
  engine.start();
  await engine.sourceDone;
  await engine.drain(60_000);
  const cpu = process.cpuUsage(cpuBefore);
  if (delivered !== items.length) {
    throw new Error(`incomplete run: ${delivered}/${items.length}`);
  }
  // Per CPU second of this process (GC threads included): other processes on a shared machine
  // stretch the wall time of a run, not the work it does.
  return items.length / ((cpu.user + cpu.system) / 1e6);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function scenario(
  items: SourceItem<RawChangeEvent>[],
  name: string,
  work: Work | undefined,
): Promise<number> {
  const off: number[] = [];
  const on: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const metrics = recorder();
    const noopHooks: EngineHooks<RawChangeEvent> = {
      received: () => undefined,
      delivered: () => undefined,
      checkpointed: () => undefined,
    };
    const hooks =
      process.env.HOOKS === 'noop' ? noopHooks : metrics.hooksFor(`bench-${rep}`, 'bench');
    const withRecorder = () => run(items, hooks, work);
    const without = () => run(items, undefined, work);
    // Interleaved, the order alternating: drift and load hit both sides alike.
    if (rep % 2 === 0) {
      off.push(await without());
      on.push(await withRecorder());
    } else {
      on.push(await withRecorder());
      off.push(await without());
    }
    await metrics.flush();
    metrics.onModuleDestroy();
  }
  const overhead = 1 - median(on) / median(off);
  const rate = (values: number[]) => Math.round(median(values)).toLocaleString('en-US');
  console.log(
    `  ${name.padEnd(34)} off ${rate(off).padStart(9)}  on ${rate(on).padStart(9)} events/CPU-s  overhead ${(overhead * 100).toFixed(1).padStart(5)}%`,
  );
  return overhead;
}

async function main(): Promise<void> {
  const items = changeEvents(EVENTS);
  console.log(
    `Metrics overhead bench: ${EVENTS.toLocaleString('en-US')} change events per run, ${ORDERING} ordering × ${CONCURRENCY}, medians of ${REPS} interleaved repetitions (recorder off / on)`,
  );
  // Warm-up of both paths (JIT), not measured.
  const warm = recorder();
  await run(items.slice(0, 20_000), undefined, webhookBody);
  await run(items.slice(0, 20_000), warm.hooksFor('warm-up', 'bench'), webhookBody);
  warm.onModuleDestroy();

  await scenario(items, 'no-op handler (engine only)', undefined);
  const realistic = await scenario(items, 'webhook body (EJSON + HMAC), no I/O', webhookBody);
  console.log(
    `metrics overhead with the cheapest real handler work: ${(realistic * 100).toFixed(1)}% (target < 5%) ${realistic < 0.05 ? 'OK' : 'OVER TARGET'}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
