/**
 * `npm run bench:relay`: many subscriptions on one instance draining one shared backlog, with
 * the process-wide buffer budget. Reports the peak of buffered events and bytes against the
 * caps, deliveries per second and the resident memory as the drain progresses (it should stay
 * flat: the backlog stays in MongoDB, not in memory).
 *
 * BENCH_SUBSCRIPTIONS (100), BENCH_BACKLOG (10000 events, each delivered to every subscription),
 * BENCH_MAX_BUFFERED_EVENTS (10000), BENCH_MAX_IN_FLIGHT (1000), BENCH_HANDLER_MS (20: handlers slower than the stream, so
 * events pile up in memory unless something caps them).
 * The emulator runs as its own process (its CLI), so the RSS measured is the relay's.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { BufferBudget } from '@app/delivery';
import { MongoClient, type Timestamp } from 'mongodb';
import {
  ChangeHandler,
  ChangeRelayModule,
  SubscriptionsRepository,
  type ChangeEventEnvelope,
  type EventHandler,
} from '../src';
import { startEmulatorProcess } from '../../mongo-emulator/bench/emulator-process';
import { buildSubscription } from '../test/support/subscription.fixture';

const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 100);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10_000);
const MAX_BUFFERED_EVENTS = Number(process.env.BENCH_MAX_BUFFERED_EVENTS ?? 10_000);
const MAX_IN_FLIGHT = Number(process.env.BENCH_MAX_IN_FLIGHT ?? 1_000);
const HANDLER_MS = Number(process.env.BENCH_HANDLER_MS ?? 20);
const MB = 1024 * 1024;

const delivered = new Map<string, number>();
let total = 0;

@ChangeHandler('bench')
class BenchHandler implements EventHandler {
  async handle(event: ChangeEventEnvelope): Promise<void> {
    if (HANDLER_MS > 0) {
      await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
    }
    delivered.set(event.subscription, (delivered.get(event.subscription) ?? 0) + 1);
    total += 1;
  }
}

async function main(): Promise<void> {
  const emulator = await startEmulatorProcess({ oplogSize: Math.max(200_000, BACKLOG * 2) });
  const client = await new MongoClient(emulator.uri).connect();
  const metaDb = 'bench_meta';
  const sourceDb = 'bench_source';

  @Module({
    imports: [
      MongooseModule.forRoot(emulator.uri, { dbName: metaDb }),
      ChangeRelayModule.forRoot({
        instanceId: 'bench',
        serviceName: 'bench',
        maxInFlight: MAX_IN_FLIGHT,
        maxBufferedEvents: MAX_BUFFERED_EVENTS,
        checkpointIntervalMs: 1_000,
      }),
    ],
    providers: [BenchHandler],
  })
  class BenchModule {}

  try {
    const { operationTime } = await client.db('admin').command({ ping: 1 });
    // The backlog: written before any worker runs, read by every subscription from before it.
    const docs = client.db(sourceDb).collection<{ _id: number; n: number; pad: string }>('shared');
    for (let offset = 0; offset < BACKLOG; offset += 1_000) {
      await docs.insertMany(
        Array.from({ length: Math.min(1_000, BACKLOG - offset) }, (_, i) => ({
          _id: offset + i,
          n: offset + i,
          pad: 'x'.repeat(200),
        })),
      );
    }
    const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
    const subscriptions = app.get(SubscriptionsRepository);
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      await subscriptions.create(
        buildSubscription({
          name: `bench-${i}`,
          handler: { type: 'provider', name: 'bench' },
          source: { database: sourceDb, collections: ['shared'] },
          startAtOperationTime: operationTime as Timestamp,
        }),
      );
    }
    const budget = app.get(BufferBudget);
    const expected = SUBSCRIPTIONS * BACKLOG;
    console.log(
      `Relay buffer budget bench: ${SUBSCRIPTIONS} subscriptions × ${BACKLOG.toLocaleString('en-US')} backlogged events = ${expected.toLocaleString('en-US')} deliveries; maxInFlight ${MAX_IN_FLIGHT} per worker (${(SUBSCRIPTIONS * MAX_IN_FLIGHT).toLocaleString('en-US')} without a budget), process-wide cap ${MAX_BUFFERED_EVENTS.toLocaleString('en-US')} events / ${Math.round(budget.maxBytes / MB)} MiB`,
    );
    const rssAtStart = process.memoryUsage().rss;
    const started = performance.now();
    let nextReport = 0.1;
    let peakRss = rssAtStart;
    await app.init();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const rss = process.memoryUsage().rss;
        peakRss = Math.max(peakRss, rss);
        const progress = total / expected;
        if (progress >= nextReport || total >= expected) {
          const usage = budget.usage();
          console.log(
            `  ${String(Math.round(progress * 100)).padStart(3)}%  rss ${Math.round(rss / MB)} MiB  buffered now ${usage.events} events / ${(usage.bytes / MB).toFixed(1)} MiB`,
          );
          nextReport = Math.floor(progress * 10) / 10 + 0.1;
        }
        if (total >= expected) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    });
    const seconds = (performance.now() - started) / 1000;
    const usage = budget.usage();
    console.log(
      `drained in ${seconds.toFixed(1)} s = ${Math.round(expected / seconds).toLocaleString('en-US')} deliveries/s`,
    );
    console.log(
      `peak buffered: ${usage.peakEvents.toLocaleString('en-US')} events (cap ${MAX_BUFFERED_EVENTS.toLocaleString('en-US')}) ${usage.peakEvents <= MAX_BUFFERED_EVENTS ? 'OK' : 'OVER THE CAP'}, ${(usage.peakBytes / MB).toFixed(1)} MiB (cap ${Math.round(budget.maxBytes / MB)} MiB)`,
    );
    console.log(
      `rss: ${Math.round(rssAtStart / MB)} MiB before the drain, peak ${Math.round(peakRss / MB)} MiB (+${Math.round((peakRss - rssAtStart) / MB)} MiB)`,
    );
    const short = [...delivered.values()].filter((n) => n < BACKLOG).length;
    if (short > 0 || delivered.size !== SUBSCRIPTIONS) {
      throw new Error(`${short} subscriptions were not fully delivered`);
    }
    await app.close();
  } finally {
    await client.close();
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
