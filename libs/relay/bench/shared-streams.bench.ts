/**
 * `npm run bench:shared-streams`: many subscriptions on one database, each with a stream of its
 * own versus shared streams (SHARED_STREAMS). BENCH_SUBSCRIPTIONS (200) subscriptions, one per
 * collection, each receiving BENCH_RATE (10) events/s, measured for BENCH_SECONDS (20) after all
 * workers run; the two modes alternate BENCH_REPEATS (2) times. Reports the server cursors the
 * run opened (serverStatus metrics.cursor.open.total, after minus before), the CPU of the relay process and of the backend
 * process (the emulator, its own process; or MONGODB_URI's server when local, by its pid), and
 * events delivered (all of them must be).
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { startEmulatorProcess } from '../../mongo-emulator/bench/emulator-process';
import { WorkerSourceFactory } from '../src/source/worker-source.factory';
import { clusterTimeNow } from './e2e/plain-consumers';
import { RelayHarness, tally } from './e2e/relay-harness';

const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);

/** CPU seconds (user + system) a local process used so far, from /proc. */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat; here counted from the state field (3).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface ServerStatus {
  metrics?: { cursor?: { open?: { total?: number } } };
  pid?: number;
}

async function serverStatus(client: MongoClient): Promise<ServerStatus> {
  return client.db('admin').command({ serverStatus: 1 });
}

interface Sample {
  cursors: number;
  relayCpu: number;
  backendCpu: number;
  delivered: number;
  expected: number;
  streams: string;
}

async function run(
  uri: string,
  backendPid: number,
  shared: boolean,
  round: number,
): Promise<Sample> {
  const client = await new MongoClient(uri).connect();
  const stamp = `${shared ? 'shared' : 'own'}_${round}_${Date.now().toString(36)}`;
  const database = `bench_shared_${stamp}`;
  const relay = await RelayHarness.start(uri, `bench_shared_meta_${stamp}`, {
    sharedStreams: shared,
    reconcileIntervalMs: 1_000,
  });
  try {
    // Cursors another run left (until the server times them out) are not this run's.
    const cursorsBefore = Number((await serverStatus(client)).metrics?.cursor?.open?.total ?? 0);
    const start = await clusterTimeNow(client);
    const names = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `s${i}`);
    for (const name of names) {
      await relay.subscribe(`${stamp}-${name}`, database, start, {
        collections: [name],
      });
    }
    const sources = relay.get(WorkerSourceFactory);
    // Every worker runs (and, shared, has joined) before the measurement starts.
    const deadline = Date.now() + 300_000;
    while (
      relay.runningWorkers() < SUBSCRIPTIONS ||
      (shared && sources.sharedStreamStats().members < SUBSCRIPTIONS)
    ) {
      if (Date.now() > deadline) {
        throw new Error('workers did not all start');
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const db = client.db(database);
    const counts = names.map((name) => tally.counter(`${stamp}-${name}`));
    const before = {
      relay: process.cpuUsage(),
      backend: processCpuSeconds(backendPid),
    };
    const began = performance.now();
    let written = 0;
    for (let second = 0; second < SECONDS; second += 1) {
      const due = began + second * 1000;
      const wait = due - performance.now();
      if (wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      await Promise.all(
        names.map((name) =>
          db
            .collection<{ _id: string; at: number }>(name)
            .insertMany(
              Array.from({ length: RATE }, (_, i) => ({ _id: `${second}-${i}`, at: Date.now() })),
            ),
        ),
      );
      written += RATE * SUBSCRIPTIONS;
    }
    const cursors =
      Number((await serverStatus(client)).metrics?.cursor?.open?.total ?? NaN) - cursorsBefore;
    const stats = sources.sharedStreamStats();
    // Let the last events arrive.
    const settleBy = Date.now() + 30_000;
    while (counts.reduce((sum, count) => sum + count(), 0) < written && Date.now() < settleBy) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const relayCpu = process.cpuUsage(before.relay);
    return {
      cursors,
      relayCpu: (relayCpu.user + relayCpu.system) / 1e6,
      backendCpu: processCpuSeconds(backendPid) - before.backend,
      delivered: counts.reduce((sum, count) => sum + count(), 0),
      expected: written,
      streams: shared
        ? `${stats.streams} shared (${stats.members} members)`
        : `${SUBSCRIPTIONS} own`,
    };
  } finally {
    await relay.close();
    await client
      .db(database)
      .dropDatabase()
      .catch(() => undefined);
    await client
      .db(`bench_shared_meta_${stamp}`)
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const emulator = process.env.MONGODB_URI
    ? undefined
    : await startEmulatorProcess({ oplogSize: 500_000 });
  const uri = process.env.MONGODB_URI ?? emulator!.uri;
  const probe = await new MongoClient(uri).connect();
  const backendPid = emulator?.pid ?? Number((await serverStatus(probe)).pid);
  await probe.close();
  console.log(
    `Shared streams bench: ${SUBSCRIPTIONS} subscriptions on one database, ${RATE} events/s each, ${SECONDS} s measured, ${REPEATS} alternating rounds (node ${process.version})`,
  );
  const results = { own: [] as Sample[], shared: [] as Sample[] };
  try {
    for (let round = 1; round <= REPEATS; round += 1) {
      for (const shared of [false, true]) {
        const sample = await run(uri, backendPid, shared, round);
        (shared ? results.shared : results.own).push(sample);
        process.stderr.write(
          `  round ${round} ${shared ? 'shared' : 'own'}: ${sample.streams}, cursors ${sample.cursors}, relay ${sample.relayCpu.toFixed(1)} s CPU, backend ${sample.backendCpu.toFixed(1)} s CPU, delivered ${sample.delivered}/${sample.expected}\n`,
        );
        if (sample.delivered < sample.expected) {
          throw new Error(`${sample.expected - sample.delivered} events were not delivered`);
        }
      }
    }
  } finally {
    await emulator?.stop();
  }
  const row = (label: string, samples: Sample[]) =>
    `| ${label} | ${samples[0].streams} | ${median(samples.map((s) => s.cursors))} | ${median(samples.map((s) => s.relayCpu)).toFixed(1)} | ${median(samples.map((s) => s.backendCpu)).toFixed(1)} |`;
  console.log('\n| streams | opened | server cursors opened | relay CPU s | backend CPU s |');
  console.log('|---|---|---:|---:|---:|');
  console.log(row('one per subscription', results.own));
  console.log(row('shared (SHARED_STREAMS=true)', results.shared));
  const ratio =
    median(results.own.map((s) => s.backendCpu)) / median(results.shared.map((s) => s.backendCpu));
  const relayRatio =
    median(results.own.map((s) => s.relayCpu)) / median(results.shared.map((s) => s.relayCpu));
  console.log(
    `\nbackend CPU ÷ ${ratio.toFixed(1)}, relay CPU ÷ ${relayRatio.toFixed(1)} with shared streams`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
