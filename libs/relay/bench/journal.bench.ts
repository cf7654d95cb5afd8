/**
 * `npm run bench:journal`: the cost of the event journal, off vs on. Each run drains a backlog
 * (written before its subscription starts) through one subscription to a provider handler that
 * does nothing, so the relay's own per-event cost is what is measured; runs alternate off/on
 * (the order flipped every repetition). The journal's bulk writes go to the same MongoDB (the
 * emulator, its own process), as in production.
 *
 * Two measures per run, over the drain only (from the subscription's creation, after the
 * backlog was written, until every event is handled and, journal on, every record is written):
 * - CPU time per event of the relay process (`process.cpuUsage`) and of the backend process
 *   (`/proc/<pid>/stat` utime + stime), summed: everything the journal costs, in the relay
 *   (hooks, records, BSON of the bulk inserts) and in the database (inserts, index upkeep,
 *   oplog entries, change streams skipping them);
 * - throughput (events per second, first to last event).
 * On a machine of 2 cores shared with other work, throughput ≈ 1 / CPU per event when idle,
 * but a neighbour taking a core halves a run's throughput without changing its CPU per event:
 * the CPU overhead is the measure that load does not move, so it is the verdict (the median of
 * the per-repetition ratios on/off must show < 10%). The throughput overhead (median of the
 * paired ratios: each pair runs back to back, so load slows both alike) is printed and judged
 * too, for information; it decides nothing.
 *
 * After the verdict, a floor: what serialising one record into a bulk insert costs in this
 * process, against the relay's CPU per event with the journal off.
 *
 * BENCH_HANDLER (`provider`: a handler that does nothing; `webhook`: batchSize 1 to a local
 * receiver process answering 204), BENCH_BACKLOG (10000 events per run), BENCH_REPETITIONS
 * (7 pairs), BENCH_CONCURRENCY (8),
 * BENCH_FIELDS (2 business fields journaled per event), BENCH_SAMPLE_RATE (1: the journal's
 * `sampleRate`; the events belong to 500 processes, sampled by correlation id), BENCH_WARMUP (1 pair run first and not
 * counted: JIT and emulator warm-up made the first runs slower), BENCH_EMULATOR_NODE_ARGS (node
 * flags for the emulator process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`; profile the relay
 * with `node --cpu-prof` on this script), BENCH_ONLY_MODE (`off` or `on`: that mode only, to
 * profile it; no verdict).
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { BSON, EJSON, calculateObjectSize } from 'bson';
import { MongoClient, type Timestamp } from 'mongodb';
import {
  ChangeHandler,
  ChangeRelayModule,
  inSample,
  JOURNAL_COLLECTION,
  JournalWriter,
  SubscriptionsRepository,
  type ChangeEventEnvelope,
  type EventHandler,
} from '../src';
import {
  processCpuMicros,
  startEmulatorProcess,
} from '../../mongo-emulator/bench/emulator-process';
import { BENCH_WEBHOOK_SECRET, startReceiverProcess } from './e2e/receiver-process';
import { buildSubscription } from '../test/support/subscription.fixture';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10_000);
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 7);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const FIELDS = Number(process.env.BENCH_FIELDS ?? 2);
/** The journal's `sampleRate` (1: every event); sampling is by process (500 here). */
const SAMPLE_RATE = Number(process.env.BENCH_SAMPLE_RATE ?? 1);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
/** `off` or `on`: run that mode only (to profile it); no verdict. */
const ONLY_MODE = process.env.BENCH_ONLY_MODE as 'off' | 'on' | undefined;
/** `provider` (a handler that does nothing) or `webhook` (batchSize 1, to a local 204 receiver). */
const HANDLER = process.env.BENCH_HANDLER ?? 'provider';
if (HANDLER !== 'provider' && HANDLER !== 'webhook') {
  throw new Error(`BENCH_HANDLER must be provider or webhook (got ${HANDLER})`);
}
const MAX_OVERHEAD = 0.1;

interface Progress {
  count: number;
  first: number;
  last: number;
}
const progress = new Map<string, Progress>();
const waiters = new Map<string, () => void>();

@ChangeHandler('bench-journal')
class CountingHandler implements EventHandler {
  async handle(event: ChangeEventEnvelope): Promise<void> {
    const now = performance.now();
    let entry = progress.get(event.subscription);
    if (!entry) {
      entry = { count: 0, first: now, last: now };
      progress.set(event.subscription, entry);
    }
    entry.count += 1;
    entry.last = now;
    if (entry.count === BACKLOG) {
      waiters.get(event.subscription)?.();
    }
  }
}

interface RunResult {
  /** Events per second, first to last event. */
  rate: number;
  /** CPU µs per event of this (the relay's) process over the drain. */
  relayCpu: number;
  /** CPU µs per event of the backend process over the drain (NaN when not readable). */
  backendCpu: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** µs per record to BSON-serialise an insert command of 500 copies of `record` (the writer's batch). */
function serialisationCost(record: Record<string, unknown>): number {
  const command = {
    insert: JOURNAL_COLLECTION,
    documents: Array.from({ length: 500 }, () => record),
    ordered: false,
  };
  for (let i = 0; i < 50; i++) {
    BSON.serialize(command);
  }
  const rounds = 200;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    BSON.serialize(command);
  }
  return ((performance.now() - started) * 1000) / (rounds * 500);
}

async function main(): Promise<void> {
  const emulator = await startEmulatorProcess({
    oplogSize: Math.max(200_000, BACKLOG * 4),
    nodeArgs: process.env.BENCH_EMULATOR_NODE_ARGS?.split(' ').filter(Boolean),
  });
  const client = await new MongoClient(emulator.uri).connect();
  const receiver = HANDLER === 'webhook' ? await startReceiverProcess() : undefined;
  const metaDb = 'bench_meta';
  const sourceDb = 'bench_source';

  @Module({
    imports: [
      MongooseModule.forRoot(emulator.uri, { dbName: metaDb }),
      ChangeRelayModule.forRoot({
        instanceId: 'bench',
        serviceName: 'bench',
        reconcileIntervalMs: 200,
        builtInHandlers: ['webhook'],
        webhookTargets: { allowPrivate: true },
      }),
    ],
    providers: [CountingHandler],
  })
  class BenchModule {}

  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  await app.init();
  const subscriptions = app.get(SubscriptionsRepository);
  const writer = app.get(JournalWriter);
  const journal = client.db(metaDb).collection(JOURNAL_COLLECTION);
  const fields = Object.fromEntries(
    Array.from({ length: FIELDS }, (_, i) => [`f${i}`, `fullDocument.v${i}`]),
  );
  console.log(
    `Journal overhead bench: ${REPETITIONS} × (off, on), ${BACKLOG.toLocaleString('en-US')} events per run, ${HANDLER === 'webhook' ? 'webhook handler (batchSize 1, a local receiver answering 204)' : 'provider handler doing nothing'}, concurrency ${CONCURRENCY}, ${FIELDS} business fields, sampleRate ${SAMPLE_RATE}`,
  );

  /** One run: a fresh collection's backlog drained by a new subscription. */
  async function run(name: string, journalOn: boolean): Promise<RunResult> {
    const { operationTime } = await client.db('admin').command({ ping: 1 });
    const docs = client.db(sourceDb).collection(name);
    for (let offset = 0; offset < BACKLOG; offset += 1_000) {
      await docs.insertMany(
        Array.from({ length: Math.min(1_000, BACKLOG - offset) }, (_, i) => ({
          _id: offset + i,
          orderId: `o-${(offset + i) % 500}`,
          ...Object.fromEntries(Array.from({ length: FIELDS }, (_, f) => [`v${f}`, i + f])),
          pad: 'x'.repeat(200),
        })) as never[],
      );
    }
    const accounted = () => {
      const stats = writer.stats();
      return stats.written + stats.dropped['buffer-full'] + stats.dropped['write-failed'];
    };
    const accountedBefore = accounted();
    let journaled = 0;
    for (let i = 0; i < BACKLOG; i++) {
      journaled += inSample(`o-${i % 500}`, SAMPLE_RATE) ? 1 : 0;
    }
    const finished = receiver
      ? receiver.expect(BACKLOG)
      : new Promise<void>((resolve) => waiters.set(name, resolve));
    const cpuBefore = process.cpuUsage();
    const backendBefore = processCpuMicros(emulator.pid);
    await subscriptions.create(
      buildSubscription({
        name,
        handler: receiver
          ? {
              type: 'webhook',
              url: receiver.url,
              secret: BENCH_WEBHOOK_SECRET,
              timeoutMs: 10_000,
              headers: {},
            }
          : { type: 'provider', name: 'bench-journal' },
        source: { database: sourceDb, collections: [name] },
        delivery: { concurrency: CONCURRENCY },
        startAtOperationTime: operationTime as Timestamp,
        ...(journalOn
          ? {
              journal: { enabled: true, retentionHours: 24, sampleRate: SAMPLE_RATE, fields },
              correlation: { idPath: 'fullDocument.orderId' },
            }
          : {}),
      }),
    );
    const drained = await finished;
    const entry = progress.get(name);
    const firstToLastMs = drained ? drained.firstToLastMs : entry!.last - entry!.first;
    const rate = (BACKLOG - 1) / (firstToLastMs / 1000);
    if (journalOn) {
      // The journal's work is part of the drain: every record handed to the writer (the last
      // event settles just after its handler returned) and written.
      while (accounted() + writer.stats().buffered < accountedBefore + journaled) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await writer.flush();
      if (accounted() - accountedBefore < journaled) {
        throw new Error(`${name}: only ${accounted() - accountedBefore} journal records`);
      }
    }
    const cpu = process.cpuUsage(cpuBefore);
    const backendAfter = processCpuMicros(emulator.pid);
    await subscriptions.delete(name);
    return {
      rate,
      relayCpu: (cpu.user + cpu.system) / BACKLOG,
      backendCpu:
        backendBefore === undefined || backendAfter === undefined
          ? NaN
          : (backendAfter - backendBefore) / BACKLOG,
    };
  }

  const results = { off: [] as RunResult[], on: [] as RunResult[] };
  const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
  const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
  try {
    for (let w = 0; w < WARMUP; w++) {
      await run(`warmup-${w}-off`, false);
      await run(`warmup-${w}-on`, true);
    }
    for (let r = 0; r < REPETITIONS; r++) {
      const order: ('off' | 'on')[] = ONLY_MODE
        ? [ONLY_MODE]
        : r % 2 === 0
          ? ['off', 'on']
          : ['on', 'off'];
      for (const mode of order) {
        const result = await run(`run-${r}-${mode}`, mode === 'on');
        results[mode].push(result);
        console.log(
          `  repetition ${r + 1} journal ${mode.padEnd(3)} ${fmt(result.rate).padStart(7)} events/s, CPU per event: relay ${result.relayCpu.toFixed(1)} µs + backend ${result.backendCpu.toFixed(1)} µs = ${(result.relayCpu + result.backendCpu).toFixed(1)} µs`,
        );
      }
    }
    const cpuOf = (result: RunResult) => result.relayCpu + result.backendCpu;
    if (ONLY_MODE) {
      console.log(
        `median: ${fmt(median(results[ONLY_MODE].map((r) => r.rate)))} events/s, ${median(results[ONLY_MODE].map(cpuOf)).toFixed(1)} µs CPU per event (journal ${ONLY_MODE} only: no verdict)`,
      );
      await app.close();
      return;
    }
    const paired = (measure: (result: RunResult) => number) =>
      median(results.on.map((on, i) => measure(on) / measure(results.off[i])));
    const cpuOverhead = paired(cpuOf) - 1;
    const relayOverhead = paired((result) => result.relayCpu) - 1;
    const backendOverhead = paired((result) => result.backendCpu) - 1;
    const rateOverhead = 1 - paired((result) => result.rate);
    const medianOf = (mode: 'off' | 'on', measure: (result: RunResult) => number) =>
      median(results[mode].map(measure));
    console.log(
      `median throughput: journal off ${fmt(medianOf('off', (r) => r.rate))} events/s, on ${fmt(medianOf('on', (r) => r.rate))} events/s`,
    );
    for (const mode of ['off', 'on'] as const) {
      console.log(
        `median CPU per event, journal ${mode.padEnd(3)}: relay ${medianOf(mode, (r) => r.relayCpu).toFixed(1)} µs + backend ${medianOf(mode, (r) => r.backendCpu).toFixed(1)} µs = ${medianOf(mode, cpuOf).toFixed(1)} µs`,
      );
    }
    const added = (measure: (result: RunResult) => number) =>
      median(results.on.map((on, i) => measure(on) - measure(results.off[i])));
    console.log(
      `the journal's CPU per event (median of the paired differences): ${added(cpuOf).toFixed(1)} µs (relay ${added((r) => r.relayCpu).toFixed(1)} µs, backend ${added((r) => r.backendCpu).toFixed(1)} µs)`,
    );
    const cpuOk = cpuOverhead < MAX_OVERHEAD;
    console.log(
      `CPU overhead (median of the paired on/off ratios, relay + backend): ${pct(cpuOverhead)} (relay ${pct(relayOverhead)}, backend ${pct(backendOverhead)}); limit ${pct(MAX_OVERHEAD)}: ${cpuOk ? 'OK' : 'OVER'} (the verdict)`,
    );
    console.log(
      `throughput overhead (median of the paired on/off ratios): ${pct(rateOverhead)}; limit ${pct(MAX_OVERHEAD)}: ${rateOverhead < MAX_OVERHEAD ? 'OK' : 'OVER'} (informative: moved by other load on the machine)`,
    );
    const stats = writer.stats();
    console.log(
      `journal: ${stats.written.toLocaleString('en-US')} records written, ${stats.dropped['buffer-full']} dropped (buffer full), ${stats.dropped['write-failed']} dropped (write failed)`,
    );
    const sample = await journal.findOne({});
    if (sample) {
      console.log(
        `journal record size (BSON): ${calculateObjectSize(sample)} bytes: ${EJSON.stringify(sample)}`,
      );
      const serialiseMicros = serialisationCost(sample);
      const offRelayCpu = medianOf('off', (r) => r.relayCpu);
      console.log(
        `floor: serialising one such record into a bulk insert takes ${serialiseMicros.toFixed(1)} µs here, ${pct(serialiseMicros / offRelayCpu)} of the relay's CPU per event with the journal off (before building it, sending it, or the database storing it)`,
      );
    }
    await app.close();
    if (!cpuOk) {
      process.exitCode = 1;
    }
  } finally {
    await client.close();
    await receiver?.stop();
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
