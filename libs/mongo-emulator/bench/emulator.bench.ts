/**
 * `npm run bench:emulator`: insert throughput and how fast one change stream delivers events
 * to a plain driver loop. The emulator runs as its own process (its CLI), like a real server,
 * so driver and server each get a core. Target: at least 20 000 change events/s on 2 cores.
 * BENCH_IN_PROCESS=1 runs the emulator inside the bench process instead.
 */
import { MongoClient } from 'mongodb';
import { MongoEmulator } from '../src';
import { startEmulatorProcess, type RunningEmulator } from './emulator-process';

const BATCH = 1_000;
const BULK_DOCS = Number(process.env.BENCH_BULK_DOCS ?? 100_000);
const SINGLE_DOCS = Number(process.env.BENCH_SINGLE_DOCS ?? 5_000);
const STREAM_EVENTS = Number(process.env.BENCH_STREAM_EVENTS ?? 100_000);

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

function payload(seq: number) {
  return { seq, sku: `SKU-${seq % 1000}`, qty: seq % 17, tags: ['a', 'b'], at: new Date() };
}

async function insertBulk(client: MongoClient, coll: string, total: number): Promise<number> {
  const collection = client.db('bench').collection(coll);
  const started = performance.now();
  for (let offset = 0; offset < total; offset += BATCH) {
    const docs = Array.from({ length: Math.min(BATCH, total - offset) }, (_, i) =>
      payload(offset + i),
    );
    await collection.insertMany(docs, { ordered: false });
  }
  return performance.now() - started;
}

async function insertSingles(client: MongoClient, total: number): Promise<number> {
  const collection = client.db('bench').collection('singles');
  const started = performance.now();
  for (let seq = 0; seq < total; seq += 1) await collection.insertOne(payload(seq));
  return performance.now() - started;
}

async function streamDelivery(
  client: MongoClient,
  total: number,
): Promise<{ ms: number; lagMs: number }> {
  const collection = client.db('bench').collection('streamed');
  const stream = collection.watch([], { maxAwaitTimeMS: 500 });
  // Opening the stream: the first getMore proves the cursor is live before writes start.
  await stream.tryNext();
  const started = performance.now();
  let writesDone = 0;
  const writer = insertBulk(client, 'streamed', total).then(() => {
    writesDone = performance.now();
  });
  let received = 0;
  for await (const change of stream) {
    if (change.operationType === 'insert') received += 1;
    if (received >= total) break;
  }
  const ms = performance.now() - started;
  await writer;
  await stream.close();
  return { ms, lagMs: Math.max(0, started + ms - writesDone) };
}

/** Drain rate: events already in the oplog, read by a stream resumed from before them. */
async function streamDrain(client: MongoClient, total: number): Promise<number> {
  const collection = client.db('bench').collection('drained');
  const opened = collection.watch();
  await opened.tryNext();
  const token = opened.resumeToken;
  await opened.close();
  await insertBulk(client, 'drained', total);
  const stream = collection.watch([], { resumeAfter: token, maxAwaitTimeMS: 500 });
  const started = performance.now();
  let received = 0;
  for await (const change of stream) {
    if (change.operationType === 'insert') received += 1;
    if (received >= total) break;
  }
  const ms = performance.now() - started;
  await stream.close();
  return ms;
}

/** Extra node flags for the emulator process, e.g. BENCH_EMULATOR_NODE_ARGS='--cpu-prof'. */
function nodeArgsForEmulator(): string[] {
  return (process.env.BENCH_EMULATOR_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
}

async function startEmulator(oplogSize: number): Promise<RunningEmulator> {
  if (process.env.BENCH_IN_PROCESS !== '1') {
    return startEmulatorProcess({
      oplogSize,
      nodeArgs: nodeArgsForEmulator(),
      verbose: process.env.BENCH_VERBOSE === '1',
    });
  }
  const emulator = await MongoEmulator.start({ oplogSize });
  return { uri: emulator.uri, stop: () => emulator.stop() };
}

async function main(): Promise<void> {
  const emulator = await startEmulator(Math.max(200_000, STREAM_EVENTS * 3));
  const client = await new MongoClient(emulator.uri).connect();
  try {
    const where = process.env.BENCH_IN_PROCESS === '1' ? 'in process' : 'separate process';
    console.log(`MongoDB emulator bench (${where}, ${emulator.uri}), node ${process.version}`);
    const bulkMs = await insertBulk(client, 'bulk', BULK_DOCS);
    console.log(
      `insertMany x${BATCH}: ${BULK_DOCS} docs in ${bulkMs.toFixed(0)} ms = ${rate(BULK_DOCS, bulkMs)}`,
    );
    const singleMs = await insertSingles(client, SINGLE_DOCS);
    console.log(
      `insertOne:         ${SINGLE_DOCS} docs in ${singleMs.toFixed(0)} ms = ${rate(SINGLE_DOCS, singleMs)}`,
    );
    const { ms, lagMs } = await streamDelivery(client, STREAM_EVENTS);
    console.log(
      `change stream live:  ${STREAM_EVENTS} insert events to a for-await loop while writing, in ${ms.toFixed(0)} ms = ${rate(STREAM_EVENTS, ms)} (last event ${lagMs.toFixed(0)} ms after the last write)`,
    );
    const drainMs = await streamDrain(client, STREAM_EVENTS);
    console.log(
      `change stream drain: ${STREAM_EVENTS} backlogged insert events to a for-await loop in ${drainMs.toFixed(0)} ms = ${rate(STREAM_EVENTS, drainMs)}`,
    );
  } finally {
    await client.close();
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
