// Hostile bytes on the wire: the emulator runs as its own process (through its CLI), so a
// decoder that loops or a buffer that grows without bound fails these tests by a timeout or a
// dead process instead of hanging the test runner itself.
import { BSON } from 'mongodb';
import fc from 'fast-check';
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { withTimeout } from './support/wait';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(__dirname, '..', 'src', 'cli.ts');
const MAX_CONNECTIONS = 6;
const CLOSE_TIMEOUT_MS = 5_000;

const POISON = Buffer.from('1a0000000100000000000000dd0700000000000001ffffffff00', 'hex');

function opMsg(body: Record<string, unknown>, requestId = 1): Buffer {
  const doc = Buffer.from(BSON.serialize(body));
  const head = Buffer.alloc(21);
  head.writeInt32LE(21 + doc.length, 0);
  head.writeInt32LE(requestId, 4);
  head.writeInt32LE(2013, 12);
  return Buffer.concat([head, doc]);
}

interface Emulator {
  process: ChildProcess;
  port: number;
}

async function startEmulator(): Promise<Emulator> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      CLI,
      '--port',
      '0',
      '--max-connections',
      String(MAX_CONNECTIONS),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const uri = await withTimeout(
    new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /mongodb:\/\/\S+/.exec(out);
        if (match) resolve(match[0]);
      });
      child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
    }),
    60_000,
    'the emulator CLI to print its URI',
  );
  return { process: child, port: Number(/:(\d+)\//.exec(uri)?.[1]) };
}

/** A raw client socket that collects what the server sends until it closes. */
class RawClient {
  readonly socket = new Socket();
  private received = Buffer.alloc(0);
  readonly closed: Promise<void>;

  private constructor() {
    this.socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  static async connect(port: number): Promise<RawClient> {
    const client = new RawClient();
    await withTimeout(
      new Promise<void>((resolve) => client.socket.connect(port, '127.0.0.1', resolve)),
      CLOSE_TIMEOUT_MS,
      'a TCP connection to the emulator',
    );
    return client;
  }

  /** The reply documents received so far (OP_MSG body sections). */
  replies(): BSON.Document[] {
    const replies: BSON.Document[] = [];
    let offset = 0;
    while (offset + 4 <= this.received.length) {
      const length = this.received.readInt32LE(offset);
      if (offset + length > this.received.length) break;
      replies.push(BSON.deserialize(this.received.subarray(offset + 21, offset + length)));
      offset += length;
    }
    return replies;
  }

  /** Resolves once `count` replies arrived; rejects if the server closes the connection first. */
  async waitForReplies(count: number): Promise<BSON.Document[]> {
    const arrived = new Promise<void>((resolve) => {
      const check = () => {
        if (this.replies().length >= count) {
          this.socket.off('data', check);
          resolve();
        }
      };
      this.socket.on('data', check);
      check();
    });
    const closedFirst = this.closed.then(() => {
      if (this.replies().length < count) throw new Error('the server closed the connection');
    });
    await withTimeout(
      Promise.race([arrived, closedFirst]),
      CLOSE_TIMEOUT_MS * 4,
      `${count} replies`,
    );
    return this.replies();
  }
}

async function ping(port: number): Promise<BSON.Document> {
  const client = await RawClient.connect(port);
  client.socket.write(opMsg({ ping: 1, $db: 'admin' }));
  const [reply] = await client.waitForReplies(1);
  client.socket.destroy();
  return reply;
}

describe('emulator wire hardening', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator();
  }, 90_000);

  afterAll(async () => {
    const exited = new Promise((resolve) => emulator.process.once('exit', resolve));
    emulator.process.kill('SIGTERM');
    // A process stuck in a loop never runs its SIGTERM handler: make sure it goes anyway.
    const stuck = setTimeout(() => emulator.process.kill('SIGKILL'), 5_000);
    await withTimeout(exited, 10_000, 'the emulator to exit');
    clearTimeout(stuck);
  });

  it('closes a connection that sends the 26-byte negative-section packet, and keeps serving', async () => {
    const client = await RawClient.connect(emulator.port);
    client.socket.write(POISON);
    await withTimeout(client.closed, CLOSE_TIMEOUT_MS, 'the server to close the connection');
    expect(client.replies()).toEqual([]);
    await expect(ping(emulator.port)).resolves.toMatchObject({ ok: 1 });
  });

  it('closes a connection whose message declares more than maxMessageSizeBytes', async () => {
    const client = await RawClient.connect(emulator.port);
    const head = Buffer.alloc(16);
    head.writeInt32LE(48_000_001, 0);
    head.writeInt32LE(2013, 12);
    client.socket.write(head);
    await withTimeout(client.closed, CLOSE_TIMEOUT_MS, 'the server to close the connection');
  });

  it('answers many pipelined requests in order without losing any', async () => {
    const client = await RawClient.connect(emulator.port);
    const count = 300;
    const requests = Array.from({ length: count }, (_, i) =>
      opMsg({ ping: 1, comment: i, $db: 'admin' }, i + 1),
    );
    client.socket.write(Buffer.concat(requests));
    const replies = await client.waitForReplies(count);
    expect(replies).toHaveLength(count);
    expect(replies.every((reply) => reply.ok === 1)).toBe(true);
    client.socket.destroy();
  });

  it(`refuses connections beyond the cap of ${MAX_CONNECTIONS} and accepts again once one closes`, async () => {
    const open: RawClient[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i += 1) {
        const client = await RawClient.connect(emulator.port);
        client.socket.write(opMsg({ ping: 1, $db: 'admin' }));
        await client.waitForReplies(1);
        open.push(client);
      }
      const extra = await RawClient.connect(emulator.port);
      await withTimeout(extra.closed, CLOSE_TIMEOUT_MS, 'the connection over the cap to close');
      expect(extra.replies()).toEqual([]);
      const first = open.shift();
      first?.socket.destroy();
      await first?.closed;
      // The server notices the close asynchronously: retry until a connection is accepted.
      let reply: BSON.Document | undefined;
      const deadline = Date.now() + CLOSE_TIMEOUT_MS * 2;
      while (!reply && Date.now() < deadline) {
        reply = await ping(emulator.port).catch(() => undefined);
      }
      expect(reply).toMatchObject({ ok: 1 });
    } finally {
      for (const client of open) client.socket.destroy();
      await Promise.all(open.map((client) => client.closed));
    }
  });

  it('survives fuzzed and corrupted messages and keeps serving', async () => {
    const seeds = [
      opMsg({ ping: 1, $db: 'admin' }),
      opMsg({ insert: 'fuzz', documents: [{ _id: 1, a: 'x' }], $db: 'fuzz' }),
      POISON,
    ];
    const corrupted = fc
      .record({
        seed: fc.constantFrom(...seeds),
        writes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          maxLength: 8,
        }),
        int32: fc.option(fc.tuple(fc.nat(), fc.integer()), { nil: undefined }),
        keepLength: fc.boolean(),
      })
      .map(({ seed, writes, int32, keepLength }) => {
        const message = Buffer.from(seed);
        for (const [at, byte] of writes) message[at % message.length] = byte;
        if (int32) message.writeInt32LE(int32[1], int32[0] % (message.length - 3));
        if (keepLength) message.writeInt32LE(message.length, 0);
        return message;
      });
    const randomBytes = fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes));
    await fc.assert(
      fc.asyncProperty(fc.oneof(corrupted, randomBytes), async (bytes) => {
        const client = await RawClient.connect(emulator.port);
        client.socket.end(bytes);
        // Whatever the bytes, the server answers or drops the connection; it never hangs.
        await withTimeout(client.closed, CLOSE_TIMEOUT_MS, 'the server to end the connection');
      }),
      { numRuns: 150 },
    );
    expect(emulator.process.exitCode).toBeNull();
    await expect(ping(emulator.port)).resolves.toMatchObject({ ok: 1 });
  }, 120_000);
});
