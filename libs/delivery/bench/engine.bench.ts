import { DeliveryEngine } from '../src/delivery.engine';
import type { DeliveryEvent, SourceItem } from '../src/delivery.types';
import type { EngineOptionsInput, Ordering } from '../src/engine.options';

/**
 * Events per second through the delivery engine, per ordering mode, with a no-op handler and
 * with a 1 ms async handler. Run: `npm run bench:engine` (EVENTS=n to change the no-op size).
 */

interface Scenario {
  name: string;
  ordering: Ordering;
  concurrency: number;
  batchSize: number;
  events: number;
  handler: (events: DeliveryEvent<number>[]) => Promise<void>;
}

const NOOP_EVENTS = Number(process.env.EVENTS ?? 500_000);
const KEYS = 1000;

const noop = async (): Promise<void> => undefined;
const oneMs = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/** A counting source with almost no cost of its own, so the numbers are the engine's. */
function countingSource(total: number): AsyncIterable<SourceItem<number>> {
  let next = 0;
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (next >= total) {
          return Promise.resolve({ done: true, value: undefined });
        }
        const n = next++;
        return Promise.resolve({
          done: false,
          value: { kind: 'event', token: n, key: `k${n % KEYS}`, payload: n },
        });
      },
    }),
  };
}

async function run(scenario: Scenario): Promise<{ rate: number; peakHeapMb: number }> {
  let delivered = 0;
  let lastCheckpoint = -1;
  const options: EngineOptionsInput = {
    ordering: scenario.ordering,
    concurrency: scenario.concurrency,
    batchSize: scenario.batchSize,
    maxInFlight: 1000,
    timeoutMs: 30_000,
  };
  const engine = new DeliveryEngine<number>({
    source: countingSource(scenario.events),
    handler: async (events) => {
      await scenario.handler(events);
      delivered += events.length;
    },
    deadLetter: async () => {
      throw new Error('nothing should be dead-lettered');
    },
    onCheckpoint: async (checkpoint) => {
      lastCheckpoint = checkpoint.token as number;
    },
    options,
  });
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(
    () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)),
    20,
  );
  const started = performance.now();
  engine.start();
  const outcome = await engine.sourceDone;
  const result = await engine.drain(60_000);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  if (
    outcome.status !== 'ended' ||
    !result.drained ||
    delivered !== scenario.events ||
    lastCheckpoint !== scenario.events - 1
  ) {
    throw new Error(
      `${scenario.name}: incomplete run (${delivered}/${scenario.events}, checkpoint ${lastCheckpoint})`,
    );
  }
  return { rate: scenario.events / seconds, peakHeapMb: peakHeap / 2 ** 20 };
}

const scenarios: Scenario[] = [
  {
    name: 'strict, no-op',
    ordering: 'strict',
    concurrency: 1,
    batchSize: 1,
    events: NOOP_EVENTS,
    handler: noop,
  },
  {
    name: 'key (16), no-op',
    ordering: 'key',
    concurrency: 16,
    batchSize: 1,
    events: NOOP_EVENTS,
    handler: noop,
  },
  {
    name: 'none (16), no-op',
    ordering: 'none',
    concurrency: 16,
    batchSize: 1,
    events: NOOP_EVENTS,
    handler: noop,
  },
  {
    name: 'key (16), batch 100, no-op',
    ordering: 'key',
    concurrency: 16,
    batchSize: 100,
    events: NOOP_EVENTS,
    handler: noop,
  },
  {
    name: 'strict, 1 ms handler',
    ordering: 'strict',
    concurrency: 1,
    batchSize: 1,
    events: 1_000,
    handler: oneMs,
  },
  {
    name: 'key (16), 1 ms handler',
    ordering: 'key',
    concurrency: 16,
    batchSize: 1,
    events: 10_000,
    handler: oneMs,
  },
  {
    name: 'none (16), 1 ms handler',
    ordering: 'none',
    concurrency: 16,
    batchSize: 1,
    events: 10_000,
    handler: oneMs,
  },
];

async function main(): Promise<void> {
  // Warm up the JIT so the first scenario is not penalised.
  await run({ ...scenarios[1], events: 50_000 });
  console.log(
    `delivery engine throughput (node ${process.version}, maxInFlight 1000, ${KEYS} keys)`,
  );
  for (const scenario of scenarios) {
    const { rate, peakHeapMb } = await run(scenario);
    const events = scenario.events.toLocaleString('en-US');
    console.log(
      `${scenario.name.padEnd(28)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} events/s` +
        `  ${events.padStart(9)} events  peak heap ${peakHeapMb.toFixed(0)} MB`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
