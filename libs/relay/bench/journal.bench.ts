/**
 * `npm run bench:journal`: delivery throughput with the event journal off and on. Each run
 * drains a backlog (written before its subscription starts) through one subscription to a
 * provider handler that does nothing, so the relay's own per-event cost is what is measured;
 * runs alternate off/on (the order flipped every repetition) and the medians are compared. The
 * journal's bulk writes go to the same MongoDB (the emulator, its own process), as in
 * production. The verdict: the median of the per-repetition ratios on/off (each pair runs back
 * to back, so a machine shared with other work slows both alike) must show < 10% overhead; the
 * medians of each mode are printed too.
 *
 * BENCH_BACKLOG (10000 events per run), BENCH_REPETITIONS (7 pairs), BENCH_CONCURRENCY (8),
 * BENCH_FIELDS (2 business fields journaled per event), BENCH_WARMUP (1 pair run first and not
 * counted: JIT and emulator warm-up made the first runs slower).
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { calculateObjectSize } from 'bson';
import { MongoClient, type Timestamp } from 'mongodb';
import {
  ChangeHandler,
  ChangeRelayModule,
  JOURNAL_COLLECTION,
  JournalWriter,
  SubscriptionsRepository,
  type ChangeEventEnvelope,
  type EventHandler,
} from '../src';
import { startEmulatorProcess } from '../../mongo-emulator/bench/emulator-process';
import { buildSubscription } from '../test/support/subscription.fixture';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10_000);
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 7);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const FIELDS = Number(process.env.BENCH_FIELDS ?? 2);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const emulator = await startEmulatorProcess({ oplogSize: Math.max(200_000, BACKLOG * 4) });
  const client = await new MongoClient(emulator.uri).connect();
  const metaDb = 'bench_meta';
  const sourceDb = 'bench_source';

  @Module({
    imports: [
      MongooseModule.forRoot(emulator.uri, { dbName: metaDb }),
      ChangeRelayModule.forRoot({
        instanceId: 'bench',
        serviceName: 'bench',
        reconcileIntervalMs: 200,
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
    `Journal overhead bench: ${REPETITIONS} × (off, on), ${BACKLOG.toLocaleString('en-US')} events per run, concurrency ${CONCURRENCY}, ${FIELDS} business fields`,
  );

  /** One run: a fresh collection's backlog drained by a new subscription; events per second. */
  async function run(name: string, journalOn: boolean): Promise<number> {
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
    const before = writer.stats();
    const writtenBefore =
      before.written + before.dropped['buffer-full'] + before.dropped['write-failed'];
    const finished = new Promise<void>((resolve) => waiters.set(name, resolve));
    await subscriptions.create(
      buildSubscription({
        name,
        handler: { type: 'provider', name: 'bench-journal' },
        source: { database: sourceDb, collections: [name] },
        delivery: { concurrency: CONCURRENCY },
        startAtOperationTime: operationTime as Timestamp,
        ...(journalOn
          ? {
              journal: { enabled: true, retentionHours: 24, sampleRate: 1, fields },
              correlation: { idPath: 'fullDocument.orderId' },
            }
          : {}),
      }),
    );
    await finished;
    const entry = progress.get(name)!;
    const rate = (BACKLOG - 1) / ((entry.last - entry.first) / 1000);
    await subscriptions.delete(name);
    if (journalOn) {
      // Let this run's journal settle before the next run starts.
      await writer.flush();
      const stats = writer.stats();
      const accounted =
        stats.written + stats.dropped['buffer-full'] + stats.dropped['write-failed'];
      if (accounted - writtenBefore < BACKLOG) {
        throw new Error(`${name}: only ${accounted - writtenBefore} journal records`);
      }
    }
    return rate;
  }

  const rates = { off: [] as number[], on: [] as number[] };
  try {
    for (let w = 0; w < WARMUP; w++) {
      await run(`warmup-${w}-off`, false);
      await run(`warmup-${w}-on`, true);
    }
    for (let r = 0; r < REPETITIONS; r++) {
      const order: ('off' | 'on')[] = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        const rate = await run(`run-${r}-${mode}`, mode === 'on');
        rates[mode].push(rate);
        console.log(
          `  repetition ${r + 1} journal ${mode.padEnd(3)} ${Math.round(rate).toLocaleString('en-US').padStart(7)} events/s`,
        );
      }
    }
    const off = median(rates.off);
    const on = median(rates.on);
    const overhead = 1 - median(rates.on.map((rate, i) => rate / rates.off[i]));
    console.log(
      `median: journal off ${Math.round(off).toLocaleString('en-US')} events/s, on ${Math.round(on).toLocaleString('en-US')} events/s (${((1 - on / off) * 100).toFixed(1)}% apart)`,
    );
    console.log(
      `overhead (median of the paired on/off ratios): ${(overhead * 100).toFixed(1)}% (limit ${MAX_OVERHEAD * 100}%) ${overhead < MAX_OVERHEAD ? 'OK' : 'OVER'}`,
    );
    const stats = writer.stats();
    console.log(
      `journal: ${stats.written.toLocaleString('en-US')} records written, ${stats.dropped['buffer-full']} dropped (buffer full), ${stats.dropped['write-failed']} dropped (write failed)`,
    );
    const sample = await journal.findOne({});
    if (sample) {
      console.log(`journal record size (BSON): ${calculateObjectSize(sample)} bytes`);
    }
    await app.close();
    if (overhead >= MAX_OVERHEAD) {
      process.exitCode = 1;
    }
  } finally {
    await client.close();
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
