/**
 * `npm run bench:metrics`: what the metrics recorder costs delivery throughput.
 *
 * The verdict is measured end to end, on the real delivery path: Change Relay (its Nest
 * runtime: supervisor, worker, change stream, delivery engine, checkpoints) drains a backlog of
 * small documents from the embedded backend (the emulator, its own process) into a no-op
 * provider handler, with the recorder's hooks on (rollup deltas, error tallies, Prometheus
 * counters and histograms, live gauges, the live-tail check, the periodic flush) and off.
 * Repetitions alternate on/off (the order flipping every pair); the figure is the CPU time of
 * the relay process per delivered event over each drain (the recorder's work is all in this
 * process), medians compared: on a shared 2-core machine CPU per event is what bounds
 * throughput and, unlike wall time, other load hardly moves it. Throughput medians are printed
 * too. Target: overhead under 5%.
 *
 * Then, for the record, the worst case: the delivery engine alone (no change stream, no
 * driver, events made up front) with a handler that does nothing, and with the CPU work of a
 * webhook body (EJSON + HMAC, no I/O). There the recorder's per-event work is compared with
 * almost nothing, so its share is larger; it bounds what the recorder could cost a relay that
 * did nothing else.
 *
 * E2E_EVENTS (20000 per drain), E2E_REPS (7 pairs), EVENTS (100000 per engine-only run),
 * REPS (11), ORDERING (key), CONCURRENCY (16), BENCH_ENGINE_ONLY=0 skips the engine-only part.
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
import { startEmulatorProcess } from '../../mongo-emulator/bench/emulator-process';
import { clusterTimeNow, insertBacklog } from './e2e/plain-consumers';
import { RelayHarness, tally } from './e2e/relay-harness';
import { MongoClient } from 'mongodb';

const EVENTS = Number(process.env.EVENTS ?? 100_000);
const REPS = Number(process.env.REPS ?? 11);
const ORDERING = (process.env.ORDERING ?? 'key') as 'key' | 'strict' | 'none';
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const KEYS = 1_000;
const E2E_EVENTS = Number(process.env.E2E_EVENTS ?? 20_000);
const E2E_REPS = Number(process.env.E2E_REPS ?? 7);
const MAX_OVERHEAD = 0.05;

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
    `    ${name.padEnd(34)} off ${rate(off).padStart(9)}  on ${rate(on).padStart(9)} events/CPU-s  overhead ${(overhead * 100).toFixed(1).padStart(5)}%`,
  );
  return overhead;
}

/**
 * The recorder's cost on the real delivery path: alternating drains with its hooks on and off
 * (off: the worker gets no hooks from it; status, checkpoints and everything else unchanged).
 */
async function endToEnd(): Promise<number> {
  const emulator = await startEmulatorProcess({ oplogSize: E2E_EVENTS * 4 });
  const stamp = Date.now().toString(36);
  const client = await new MongoClient(emulator.uri).connect();
  const relay = await RelayHarness.start(emulator.uri, `bench_metrics_meta_${stamp}`);
  const recorder = relay.get(MetricsRecorder);
  const recorderHooks = recorder.hooksFor.bind(recorder);
  const cpu: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const rates: Record<'on' | 'off', number[]> = { on: [], off: [] };
  let run = 0;
  const drain = async (mode: 'on' | 'off', counted: boolean): Promise<void> => {
    recorder.hooksFor = mode === 'on' ? recorderHooks : () => ({});
    run += 1;
    const db = client.db(`bench_metrics_${stamp}_${run}`);
    const start = await clusterTimeNow(client);
    await insertBacklog(db, E2E_EVENTS);
    const name = `metrics-${run}`;
    const done = tally.expect(name, E2E_EVENTS);
    const before = process.cpuUsage();
    await relay.subscribe(name, db.databaseName, start, {
      delivery: { ordering: ORDERING, concurrency: CONCURRENCY },
    });
    const { firstToLastMs } = await done;
    const used = process.cpuUsage(before);
    await relay.unsubscribe(name);
    await db.dropDatabase();
    if (counted) {
      cpu[mode].push((used.user + used.system) / E2E_EVENTS);
      rates[mode].push(((E2E_EVENTS - 1) / firstToLastMs) * 1000);
    }
  };
  try {
    // Warm-up (JIT, emulator), not counted.
    await drain('on', false);
    await drain('off', false);
    for (let rep = 0; rep < E2E_REPS; rep++) {
      const order: Array<'on' | 'off'> = rep % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        await drain(mode, true);
      }
    }
  } finally {
    recorder.hooksFor = recorderHooks;
    await relay.close();
    await client
      .db(`bench_metrics_meta_${stamp}`)
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
    await emulator.stop();
  }
  const overhead = median(cpu.on) / median(cpu.off) - 1;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `  end to end (change stream → engine → no-op provider handler), ${fmt(E2E_EVENTS)} events per drain, medians of ${E2E_REPS} alternating pairs:`,
  );
  console.log(
    `    relay CPU per event   off ${median(cpu.off).toFixed(2)} µs  on ${median(cpu.on).toFixed(2)} µs  overhead ${(overhead * 100).toFixed(1)}%`,
  );
  console.log(
    `    throughput            off ${fmt(median(rates.off))}  on ${fmt(median(rates.on))} events/s (wall time: moved by other load)`,
  );
  return overhead;
}

async function main(): Promise<void> {
  console.log(
    `Metrics overhead bench: the recorder's hooks on vs off, ${ORDERING} ordering × ${CONCURRENCY}`,
  );
  const overhead = await endToEnd();
  if (process.env.BENCH_ENGINE_ONLY !== '0') {
    const items = changeEvents(EVENTS);
    console.log(
      `  worst case, the delivery engine alone: ${EVENTS.toLocaleString('en-US')} events per run made up front, medians of ${REPS} interleaved repetitions`,
    );
    // Warm-up of both paths (JIT), not measured.
    const warm = recorder();
    await run(items.slice(0, 20_000), undefined, webhookBody);
    await run(items.slice(0, 20_000), warm.hooksFor('warm-up', 'bench'), webhookBody);
    warm.onModuleDestroy();
    await scenario(items, 'no-op handler (engine only)', undefined);
    await scenario(items, 'webhook body (EJSON + HMAC), no I/O', webhookBody);
  }
  console.log(
    `metrics overhead on delivery throughput (end to end, relay CPU per event): ${(overhead * 100).toFixed(1)}% (target < ${MAX_OVERHEAD * 100}%) ${overhead < MAX_OVERHEAD ? 'OK' : 'OVER TARGET'}`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
