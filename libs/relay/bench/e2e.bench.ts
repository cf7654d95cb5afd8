/**
 * `npm run bench:e2e`: Change Relay end to end against the plain consumers a team would write,
 * in one run, on the embedded backend (the emulator as its own process) and on `MONGODB_URI`
 * when it is set. Each variant drains a backlog of small documents; the variants are repeated
 * and interleaved (the machine is shared and noisy: ratios within one run are what count) and
 * the medians are printed with their ratio to the raw driver loop (and, for webhooks, to a
 * plain keep-alive HTTP client loop against the same receiver). Two floor rows add to the raw
 * loop only the least a relay does per event (the handler's envelope and an awaited no-op
 * handler; the envelopes' webhook bodies, nothing sent): what is left between them and Change
 * Relay is the cost of its own machinery. Each row shows the bench process's CPU per event.
 * Then: latency percentiles at a fixed rate, checkpoint writes per 1,000 events, and the peak
 * RSS while a large backlog drains.
 *
 * Change Relay runs through its real runtime: ChangeRelayModule in a Nest application context
 * (supervisor, lease, worker, delivery engine, checkpoints, metrics recorder), subscriptions
 * created in the `subscriptions` collection like the API does.
 *
 * BENCH_EVENTS (30000 per variant run), BENCH_REPEATS (5), BENCH_WARMUP (1 round of every variant
 * first, not counted), BENCH_CONCURRENCY (16),
 * BENCH_RATE (1000 events/s) and BENCH_LATENCY_SECONDS (10), BENCH_DRAIN_EVENTS (200000; 0 skips),
 * BENCH_VARIANTS (comma-separated names, to profile one), BENCH_EMBEDDED=0 (MONGODB_URI only).
 */
import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { MongoClient, type Db, type Timestamp } from 'mongodb';
import {
  processCpuMicros,
  startEmulatorProcess,
  type RunningEmulator,
} from '../../mongo-emulator/bench/emulator-process';
import { toEnvelope, webhookMessage, type ChangeEventEnvelope, type RawChangeEvent } from '../src';
import { buildSubscription } from '../test/support/subscription.fixture';
import {
  clusterTimeNow,
  floorLoop,
  handWrittenConsumer,
  insertBacklog,
  plainHttpLoop,
  rawDriverLoop,
  type DrainTiming,
} from './e2e/plain-consumers';
import {
  BENCH_WEBHOOK_SECRET,
  startReceiverProcess,
  type RunningReceiver,
} from './e2e/receiver-process';
import { RelayHarness, tally } from './e2e/relay-harness';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 30_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const DRAIN_EVENTS = Number(process.env.BENCH_DRAIN_EVENTS ?? 200_000);
const ONLY = process.env.BENCH_VARIANTS?.split(',').map((name) => name.trim());
const MB = 1024 * 1024;

interface Context {
  client: MongoClient;
  /** The backend's process id when it runs on this machine (its CPU time is read from /proc). */
  backendPid?: number;
  relay: RelayHarness;
  receiver: RunningReceiver;
  dbPrefix: string;
  run: number;
}

interface Variant {
  name: string;
  label: string;
  /** Events per run (the hand-written consumer is slow: it drains fewer). */
  events: number;
  /** What its rate is divided by besides the raw loop. */
  baseline?: string;
  /** Drains its backlog; calls `drainStarts` once the backlog is written. */
  measure(
    ctx: Context,
    db: Db,
    drainStarts: () => void,
  ): Promise<{ timing: DrainTiming; checkpointWrites?: number }>;
}

/** Writes a backlog of `events` documents, then starts the drain's clock; returns where it began. */
async function backlog(
  ctx: Context,
  db: Db,
  events: number,
  drainStarts: () => void,
): Promise<Timestamp> {
  const start = await clusterTimeNow(ctx.client);
  await insertBacklog(db, events);
  drainStarts();
  return start;
}

async function relayDrain(
  ctx: Context,
  db: Db,
  events: number,
  options: Parameters<RelayHarness['subscribe']>[3],
  viaReceiver: boolean,
  drainStarts: () => void,
): Promise<{ timing: DrainTiming; checkpointWrites: number }> {
  const start = await backlog(ctx, db, events, drainStarts);
  const name = `e2e-${db.databaseName}`;
  const writesBefore = ctx.relay.writesOfCheckpoints;
  const done = viaReceiver ? ctx.receiver.expect(events) : tally.expect(name, events);
  await ctx.relay.subscribe(name, db.databaseName, start, options);
  const timing = await done;
  const checkpointWrites = ctx.relay.writesOfCheckpoints - writesBefore;
  await ctx.relay.unsubscribe(name);
  return { timing, checkpointWrites };
}

const webhook = (url: string) =>
  ({ type: 'webhook', url, secret: BENCH_WEBHOOK_SECRET, timeoutMs: 10_000, headers: {} }) as const;

const VARIANTS: Variant[] = [
  {
    name: 'raw',
    label: 'raw driver loop (for await over watch())',
    events: EVENTS,
    measure: async (ctx, db, drainStarts) => {
      const start = await backlog(ctx, db, EVENTS, drainStarts);
      return { timing: await rawDriverLoop(db, start, EVENTS) };
    },
  },
  {
    name: 'hand',
    label: 'hand-written: await handler, updateOne token per event',
    events: Math.max(1_000, Math.round(EVENTS / 10)),
    measure: async (ctx, db, drainStarts) => {
      const events = Math.max(1_000, Math.round(EVENTS / 10));
      const start = await backlog(ctx, db, events, drainStarts);
      return {
        timing: await handWrittenConsumer(
          db,
          ctx.client.db(`${ctx.dbPrefix}_tokens`),
          start,
          events,
        ),
      };
    },
  },
  {
    name: 'floor-handler',
    label: 'floor: raw loop + envelope + await a no-op handler, per event',
    events: EVENTS,
    measure: async (ctx, db, drainStarts) => {
      const start = await backlog(ctx, db, EVENTS, drainStarts);
      const subscription = buildSubscription({ name: 'bench' });
      const handler = (_envelope: ChangeEventEnvelope): Promise<void> => Promise.resolve();
      return {
        timing: await floorLoop(db, start, EVENTS, (change) =>
          handler(toEnvelope(change as RawChangeEvent, subscription, 1)),
        ),
      };
    },
  },
  {
    name: 'floor-body',
    label: 'floor: raw loop + envelope + webhook body per 100 events (nothing sent)',
    events: EVENTS,
    measure: async (ctx, db, drainStarts) => {
      const start = await backlog(ctx, db, EVENTS, drainStarts);
      const subscription = buildSubscription({ name: 'bench' });
      let envelopes: ChangeEventEnvelope[] = [];
      let bytes = 0;
      const timing = await floorLoop(db, start, EVENTS, (change) => {
        envelopes.push(toEnvelope(change as RawChangeEvent, subscription, 1));
        if (envelopes.length === 100) {
          bytes += webhookMessage(envelopes, true).body.length;
          envelopes = [];
        }
      });
      if (bytes === 0) {
        throw new Error('floor-body built no webhook body');
      }
      return { timing };
    },
  },
  ...(['none', 'key', 'strict'] as const).map((ordering): Variant => ({
    name: `relay-${ordering}`,
    label: `Change Relay, no-op provider handler, ordering ${ordering}`,
    events: EVENTS,
    measure: (ctx, db, drainStarts) =>
      relayDrain(
        ctx,
        db,
        EVENTS,
        { delivery: { ordering, concurrency: CONCURRENCY } },
        false,
        drainStarts,
      ),
  })),
  {
    name: 'http',
    label: `plain HTTP client loop (keep-alive, ${CONCURRENCY} at a time)`,
    events: Math.round(EVENTS / 3),
    measure: async (ctx, _db, drainStarts) => {
      const events = Math.round(EVENTS / 3);
      drainStarts();
      const done = ctx.receiver.expect(events);
      await plainHttpLoop(ctx.receiver.url, sampleBody(), events, CONCURRENCY);
      return { timing: await done };
    },
  },
  {
    name: 'webhook-1',
    label: 'Change Relay, webhook to a 204 receiver, batchSize 1',
    events: Math.round(EVENTS / 3),
    baseline: 'http',
    measure: (ctx, db, drainStarts) =>
      relayDrain(
        ctx,
        db,
        Math.round(EVENTS / 3),
        { handler: webhook(ctx.receiver.url), delivery: { concurrency: CONCURRENCY } },
        true,
        drainStarts,
      ),
  },
  {
    name: 'webhook-100',
    label: 'Change Relay, webhook, batchSize 100',
    events: EVENTS,
    measure: (ctx, db, drainStarts) =>
      relayDrain(
        ctx,
        db,
        EVENTS,
        {
          handler: webhook(ctx.receiver.url),
          delivery: { concurrency: CONCURRENCY, batchSize: 100, batchWaitMs: 10 },
        },
        true,
        drainStarts,
      ),
  },
];

/** A webhook body like the ones Change Relay sends for this backlog (one event). */
function sampleBody(): string {
  const event: RawChangeEvent = {
    _id: { _data: '8267A1B2C3000000012B022C0100296E5A1004' + 'AB'.repeat(24) },
    operationType: 'insert',
    ns: { db: 'bench', coll: 'items' },
    documentKey: { _id: 12345 },
    fullDocument: { _id: 12345, sku: 'SKU-345', qty: 3, note: 'x'.repeat(64) },
    wallTime: new Date(),
  };
  const envelope = toEnvelope(event, buildSubscription({ name: 'bench' }), 1);
  return webhookMessage([envelope], false).body;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function throughput(ctx: Context): Promise<void> {
  const variants = VARIANTS.filter((v) => !ONLY || ONLY.includes(v.name));
  const rates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const writes = new Map<string, number[]>();
  const cpus = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  // Warm-up rounds first, not counted: the JIT and the heap settle (a consumer with more code,
  // like the relay's runtime, took two 30,000-event runs to reach its steady rate).
  for (let repeat = 1 - WARMUP; repeat <= REPEATS; repeat += 1) {
    for (const variant of variants) {
      const db = ctx.client.db(`${ctx.dbPrefix}_${variant.name.replace(/-/g, '_')}_${repeat}`);
      let cpuBefore = process.cpuUsage();
      let backendBefore = processCpuMicros(ctx.backendPid);
      const { timing, checkpointWrites } = await variant.measure(ctx, db, () => {
        cpuBefore = process.cpuUsage();
        backendBefore = processCpuMicros(ctx.backendPid);
      });
      const cpu = process.cpuUsage(cpuBefore);
      const backendAfter = processCpuMicros(ctx.backendPid);
      const backend =
        backendBefore !== undefined && backendAfter !== undefined
          ? `, backend ${((backendAfter - backendBefore) / variant.events).toFixed(1)} µs`
          : '';
      const rate = ((variant.events - 1) / timing.firstToLastMs) * 1000;
      const cpuPerEvent = (cpu.user + cpu.system) / variant.events;
      if (repeat < 1) {
        process.stderr.write(`  warm-up ${variant.name}: ${fmt(rate)} events/s\n`);
        await db.dropDatabase();
        continue;
      }
      rates.get(variant.name)!.push(rate);
      cpus.get(variant.name)!.push(cpuPerEvent);
      if (checkpointWrites !== undefined) {
        writes.set(variant.name, [
          ...(writes.get(variant.name) ?? []),
          (checkpointWrites / variant.events) * 1000,
        ]);
      }
      process.stderr.write(
        `  run ${repeat}/${REPEATS} ${variant.name}: ${fmt(rate)} events/s, this process ${cpuPerEvent.toFixed(1)} µs${backend} CPU per event (the drain, after the backlog was written)\n`,
      );
      await db.dropDatabase();
    }
  }
  const medians = new Map([...rates].map(([name, values]) => [name, median(values)]));
  const raw = medians.get('raw');
  console.log(
    `\n| consumer | events/s (median of ${REPEATS}) | ÷ raw | ÷ plain HTTP | CPU µs / event, this process | checkpoint writes / 1,000 events |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const variant of variants) {
    const rate = medians.get(variant.name)!;
    const baseline = variant.baseline ? medians.get(variant.baseline) : undefined;
    const perThousand = writes.get(variant.name);
    console.log(
      `| ${variant.label} | ${fmt(rate)} | ${raw ? (rate / raw).toFixed(2) : '–'} | ${
        baseline ? (rate / baseline).toFixed(2) : variant.name === 'http' ? '1.00' : ''
      } | ${median(cpus.get(variant.name)!).toFixed(1)} | ${perThousand ? median(perThousand).toFixed(2) : ''} |`,
    );
  }
}

/** Writes at a steady rate (batches every 10 ms) and reports end-to-end latency percentiles. */
async function latency(ctx: Context): Promise<void> {
  const db = ctx.client.db(`${ctx.dbPrefix}_latency`);
  const total = RATE * LATENCY_SECONDS;
  const name = 'e2e-latency';
  const start = await clusterTimeNow(ctx.client);
  const done = tally.expect(name, total, { latencies: true });
  await ctx.relay.subscribe(name, db.databaseName, start, {
    delivery: { ordering: 'key', concurrency: CONCURRENCY },
  });
  // Give the worker time to open its stream before the clock starts.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const writesBefore = ctx.relay.writesOfCheckpoints;
  const docs = db.collection<{ _id: number; sentAt: number }>('items');
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
  const began = performance.now();
  for (let sent = 0; sent < total;) {
    const due = began + (sent / RATE) * 1000;
    const wait = due - performance.now();
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const batch = Array.from({ length: Math.min(perTick, total - sent) }, (_, i) => ({
      _id: sent + i,
      sentAt: Date.now(),
    }));
    await docs.insertMany(batch, { ordered: false });
    sent += batch.length;
  }
  const { latencies } = await done;
  const checkpointWrites = ctx.relay.writesOfCheckpoints - writesBefore;
  await ctx.relay.unsubscribe(name);
  await db.dropDatabase();
  const sorted = latencies.sort((a, b) => a - b);
  console.log(
    `\nlatency at ${fmt(RATE)} events/s for ${LATENCY_SECONDS} s (ordering key, insert to handler): ` +
      `p50 ${percentile(sorted, 50)} ms, p90 ${percentile(sorted, 90)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted[sorted.length - 1]} ms; ` +
      `checkpoint writes ${((checkpointWrites / total) * 1000).toFixed(2)} per 1,000 events`,
  );
}

/**
 * The drain runs in a fresh process of its own (this file with --drain-child): its RSS is the
 * relay's alone, not what the other variants left in this process's heap. That process runs
 * this file compiled to JavaScript (tsc, without type checking, into a scratch directory), as
 * a deployment runs `node dist/...`: under ts-node, the TypeScript compiler and the source maps
 * it keeps would add ~60–80 MiB that no production relay carries.
 */
async function drainInOwnProcess(uri: string): Promise<void> {
  const compiled = compileThisBench();
  try {
    const child = spawn(
      process.execPath,
      ['-r', 'tsconfig-paths/register', compiled.entry, '--drain-child', uri],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, TS_NODE_PROJECT: compiled.tsconfig },
      },
    );
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) {
      throw new Error(`the drain process exited with ${code}`);
    }
  } finally {
    rmSync(compiled.dir, { recursive: true, force: true });
  }
}

/** This file and what it imports, compiled into a scratch directory; path aliases kept. */
function compileThisBench(): { dir: string; entry: string; tsconfig: string } {
  const root = resolve(__dirname, '..', '..', '..');
  // Under the repository, so the compiled files resolve its node_modules.
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'change-relay-bench-'));
  const base = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  const build = join(dir, 'tsconfig.build.json');
  writeFileSync(
    build,
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: {
        outDir: dir,
        rootDir: root,
        noCheck: true,
        types: [],
        sourceMap: false,
        incremental: false,
      },
      files: [__filename],
      include: [],
    }),
  );
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', build], {
    cwd: root,
    stdio: 'inherit',
  });
  // What tsconfig-paths reads in the drain process: the same aliases, under the output.
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({ compilerOptions: { baseUrl: dir, paths: base.compilerOptions.paths } }),
  );
  return { dir, entry: join(dir, relative(root, __filename)).replace(/\.ts$/, '.js'), tsconfig };
}

async function drainChild(uri: string): Promise<void> {
  const stamp = Date.now().toString(36);
  const client = await new MongoClient(uri).connect();
  const relay = await RelayHarness.start(uri, `bench_e2e_drain_meta_${stamp}`);
  try {
    await drainMemory({ client, relay, dbPrefix: `bench_e2e_drain_${stamp}` });
  } finally {
    await relay.close();
    await client
      .db(`bench_e2e_drain_meta_${stamp}`)
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
  }
}

/** Peak RSS of this process (the relay) while one subscription drains a large backlog. */
async function drainMemory(ctx: Pick<Context, 'client' | 'relay' | 'dbPrefix'>): Promise<void> {
  const db = ctx.client.db(`${ctx.dbPrefix}_drain`);
  const start = await clusterTimeNow(ctx.client);
  await insertBacklog(db, DRAIN_EVENTS);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const samples: number[] = [];
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    samples.push(rss);
  }, 50);
  const name = 'e2e-drain';
  const began = performance.now();
  const done = tally.expect(name, DRAIN_EVENTS);
  await ctx.relay.subscribe(name, db.databaseName, start, {
    delivery: { ordering: 'key', concurrency: CONCURRENCY },
  });
  await done;
  const seconds = (performance.now() - began) / 1000;
  clearInterval(sampler);
  await ctx.relay.unsubscribe(name);
  await db.dropDatabase();
  const quarter = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor((samples.length * q) / 4))] ?? rssBefore;
  console.log(
    `\ndrain of ${fmt(DRAIN_EVENTS)} backlogged events (ordering key): ${fmt(DRAIN_EVENTS / seconds)} events/s; ` +
      `relay process rss ${Math.round(rssBefore / MB)} MiB before, ${[1, 2, 3].map((q) => Math.round(quarter(q) / MB)).join(' / ')} MiB at 25/50/75%, peak ${Math.round(peak / MB)} MiB`,
  );
}

async function benchBackend(label: string, uri: string, backendPid?: number): Promise<void> {
  const stamp = Date.now().toString(36);
  const client = await new MongoClient(uri).connect();
  const relay = await RelayHarness.start(uri, `bench_e2e_meta_${stamp}`);
  const receiver = await startReceiverProcess();
  const ctx: Context = {
    client,
    backendPid,
    relay,
    receiver,
    dbPrefix: `bench_e2e_${stamp}`,
    run: 0,
  };
  console.log(
    `\n## ${label}: ${fmt(EVENTS)} events per run, ${REPEATS} interleaved runs, concurrency ${CONCURRENCY} (node ${process.version})`,
  );
  try {
    await throughput(ctx);
    if (!ONLY && LATENCY_SECONDS > 0) {
      await latency(ctx);
    }
    if (!ONLY && DRAIN_EVENTS > 0) {
      await drainInOwnProcess(uri);
    }
  } finally {
    await relay.close();
    await receiver.stop();
    await client
      .db(`bench_e2e_meta_${stamp}`)
      .dropDatabase()
      .catch(() => undefined);
    await client
      .db(`${ctx.dbPrefix}_tokens`)
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
  }
}

async function main(): Promise<void> {
  const drainFor = process.argv.indexOf('--drain-child');
  if (drainFor > 0) {
    await drainChild(process.argv[drainFor + 1]);
    return;
  }
  if (process.env.BENCH_EMBEDDED !== '0') {
    let emulator: RunningEmulator | undefined;
    try {
      emulator = await startEmulatorProcess({
        oplogSize: Math.max(300_000, Math.round(DRAIN_EVENTS * 1.5)),
      });
      await benchBackend(
        'embedded backend (emulator, its own process)',
        emulator.uri,
        emulator.pid,
      );
    } finally {
      await emulator?.stop();
    }
  }
  if (process.env.MONGODB_URI) {
    await benchBackend('MONGODB_URI', process.env.MONGODB_URI);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
