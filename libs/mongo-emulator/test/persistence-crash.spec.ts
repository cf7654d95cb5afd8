// Fault test: an emulator process with a data directory is killed with SIGKILL while clients
// write; after a restart on the same directory every acknowledged write is there, and a change
// stream resumes from a token it saw before the kill.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MongoClient, type ResumeToken } from 'mongodb';
import { withTimeout } from './support/wait';

const WRITERS = 4;
const ACKED_BEFORE_KILL = 300;

interface EmulatorProcess {
  child: ChildProcess;
  uri: string;
  exited: Promise<unknown[]>;
}

async function startEmulatorProcess(dataDir: string): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      join(__dirname, '..', 'src', 'cli.ts'),
      '--port',
      '0',
      '--data',
      dataDir,
      // Small, so snapshots and log rotations happen while the writes run.
      '--snapshot-after-bytes',
      '16384',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [uri] = (await withTimeout(
    once(lines, 'line'),
    30_000,
    'the emulator process to print its URI',
  )) as [string];
  return { child, uri, exited };
}

function connect(uri: string): Promise<MongoClient> {
  return new MongoClient(uri, {
    serverSelectionTimeoutMS: 2_000,
    retryWrites: false,
    writeConcern: { w: 'majority', j: true },
  }).connect();
}

describe('emulator persistence under kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'emulator-crash-'));
  const children: ChildProcess[] = [];
  const clients: MongoClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close(true).catch(() => undefined)));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged write when the process is killed during writes', async () => {
    const first = await startEmulatorProcess(dataDir);
    children.push(first.child);
    const client = await connect(first.uri);
    clients.push(client);
    const docs = client.db('crash').collection<{ _id: string; writer: number; i: number }>('docs');
    const counter = client.db('crash').collection<{ _id: string; n: number }>('counter');
    await counter.insertOne({ _id: 'c', n: 0 });

    let killed = false;
    const stream = docs.watch();
    await stream.tryNext();
    let lastSeenToken: ResumeToken = undefined;
    const watching = (async () => {
      for (;;) {
        const event = await stream.tryNext().catch(() => null);
        if (event) lastSeenToken = event._id;
        if (killed) return;
      }
    })();

    const acked: string[] = [];
    let increments = 0;
    const kill = () => {
      if (!killed) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    };
    const writer = async (writer: number) => {
      // Keeps writing through the kill, so writes are in flight when the process dies.
      for (let i = 0; ; i += 1) {
        try {
          await docs.insertOne({ _id: `w${writer}-${i}`, writer, i });
          acked.push(`w${writer}-${i}`);
          await counter.updateOne({ _id: 'c' }, { $inc: { n: 1 } });
          increments += 1;
        } catch {
          return;
        }
        if (acked.length >= ACKED_BEFORE_KILL) kill();
      }
    };
    await withTimeout(
      Promise.all(Array.from({ length: WRITERS }, (_, k) => writer(k))),
      60_000,
      'the writers to stop at the kill',
    );
    await withTimeout(first.exited, 10_000, 'the killed process to exit');
    await stream.close().catch(() => undefined);
    await withTimeout(watching, 10_000, 'the watcher to stop');
    expect(killed).toBe(true);
    expect(lastSeenToken).toBeDefined();

    const second = await startEmulatorProcess(dataDir);
    children.push(second.child);
    const after = await connect(second.uri);
    clients.push(after);
    const stored = new Set(
      (
        await after
          .db('crash')
          .collection('docs')
          .find({}, { projection: { _id: 1 } })
          .toArray()
      ).map((doc) => doc._id as unknown as string),
    );
    const lost = acked.filter((id) => !stored.has(id));
    expect(lost).toEqual([]);
    const count = await after
      .db('crash')
      .collection('counter')
      .findOne({ _id: 'c' as never });
    expect(count?.n).toBeGreaterThanOrEqual(increments);

    // A change stream resumes from the last token it saw before the kill.
    const resumed = after.db('crash').collection('docs').watch([], { resumeAfter: lastSeenToken });
    await after
      .db('crash')
      .collection('docs')
      .insertOne({ _id: 'after-restart' as never });
    const next = await withTimeout(
      (async () => {
        for (;;) {
          const event = await resumed.next();
          if ((event as { documentKey?: { _id: unknown } }).documentKey?._id === 'after-restart')
            return event;
        }
      })(),
      10_000,
      'the resumed stream to reach a post-restart insert',
    );
    expect(next).toBeDefined();
    await resumed.close();
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
