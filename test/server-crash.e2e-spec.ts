// Acceptance: `kill -9` of the server (src/main.ts, its embedded emulator keeping data in a
// directory) while clients write loses no acknowledged write; the subscription created before
// is still there after the restart.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { TEST_ADMIN_TOKEN, waitFor } from '@app/testing';

const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

interface ServerProcess {
  kill: (signal: NodeJS.Signals) => void;
  exited: Promise<number | null>;
  url: string;
  mongodbUri: string;
}

async function startServerProcess(dataDir: string): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'src/main.ts'],
    {
      cwd: join(__dirname, '..'),
      env: {
        PATH: process.env.PATH,
        TS_NODE_TRANSPILE_ONLY: 'true',
        PORT: '0',
        EMBEDDED_MONGO: 'emulator',
        EMBEDDED_MONGO_DATA: dataDir,
        EMBEDDED_MONGO_PORT: '0',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = await waitFor(
    () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map(
          (line) => JSON.parse(line) as { msg?: string; rest?: string; mongodb?: { uri: string } },
        )
        .find((line) => line.msg?.includes('is ready on')),
    { timeoutMs: 45_000, description: `the server to start (${stdout})` },
  );
  return {
    kill: (signal) => child.kill(signal),
    exited,
    url: (ready.rest as string).replace(/\/api\/v1$/, ''),
    mongodbUri: (ready.mongodb as { uri: string }).uri,
  };
}

describe('server killed with SIGKILL on its embedded backend', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-crash-'));
  const cleanup: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged write and keeps its subscriptions', async () => {
    const first = await startServerProcess(dataDir);
    cleanup.push(async () => first.kill('SIGKILL'));
    const created = await fetch(`${first.url}/api/v1/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH },
      body: JSON.stringify({
        name: 'crash-notes',
        source: { database: 'app', collections: ['notes'] },
        handler: { type: 'provider', name: 'log' },
      }),
    });
    expect(created.status).toBe(201);

    const client = await new MongoClient(first.mongodbUri, {
      serverSelectionTimeoutMS: 2_000,
      retryWrites: false,
    }).connect();
    cleanup.push(() => client.close(true));
    const notes = client.db('app').collection<{ _id: string }>('notes');
    const acked: string[] = [];
    let killed = false;
    const writer = async (writerId: number) => {
      for (let i = 0; ; i += 1) {
        try {
          await notes.insertOne({ _id: `w${writerId}-${i}` });
        } catch {
          return;
        }
        acked.push(`w${writerId}-${i}`);
        if (acked.length >= 200 && !killed) {
          killed = true;
          first.kill('SIGKILL');
        }
      }
    };
    await Promise.all([0, 1, 2].map(writer));
    await first.exited;

    const second = await startServerProcess(dataDir);
    cleanup.push(async () => {
      second.kill('SIGTERM');
      await second.exited;
    });
    const after = await new MongoClient(second.mongodbUri).connect();
    cleanup.push(() => after.close());
    const stored = new Set(
      (await after.db('app').collection<{ _id: string }>('notes').find().toArray()).map(
        (doc) => doc._id,
      ),
    );
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    const subscription = await fetch(`${second.url}/api/v1/subscriptions/crash-notes`, {
      headers: AUTH,
    });
    expect(subscription.status).toBe(200);
  });
});
