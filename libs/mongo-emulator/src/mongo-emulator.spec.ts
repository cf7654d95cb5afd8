import { MongoClient, type ServerHeartbeatSucceededEvent } from 'mongodb';
import { Socket } from 'node:net';
import { MongoEmulator } from './mongo-emulator';

describe(MongoEmulator.name, () => {
  it('listens on an ephemeral port and advertises a replica-set URI', async () => {
    const emulator = await MongoEmulator.start({ replSetName: 'rsX' });
    try {
      expect(emulator.host).toBe('127.0.0.1');
      expect(emulator.port).toBeGreaterThan(0);
      expect(emulator.uri).toBe(`mongodb://127.0.0.1:${emulator.port}/?replicaSet=rsX`);
    } finally {
      await emulator.stop();
    }
  });

  it('closes client sockets and the listener on stop, and stop is idempotent', async () => {
    const emulator = await MongoEmulator.start();
    const socket = new Socket();
    await new Promise<void>((resolve) => socket.connect(emulator.port, emulator.host, resolve));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await Promise.all([emulator.stop(), emulator.stop()]);
    await closed;
    await expect(
      new Promise((resolve, reject) => {
        const probe = new Socket();
        probe.once('error', reject);
        probe.connect(emulator.port, emulator.host, () => resolve(probe.destroy()));
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('answers the driver monitor with awaited hellos instead of a busy loop', async () => {
    const maxAwaitTimeMs = 400;
    const heldReplies = 3;
    const emulator = await MongoEmulator.start();
    const client = new MongoClient(emulator.uri, { heartbeatFrequencyMS: maxAwaitTimeMs });
    const heartbeats: ServerHeartbeatSucceededEvent[] = [];
    let onEnough = (): void => {};
    const enough = new Promise<void>((resolve) => (onEnough = resolve));
    client.on('serverHeartbeatSucceeded', (event) => {
      // The first reply answers the connection handshake; each later one is a held hello.
      if (heartbeats.push(event) === 1 + heldReplies) {
        onEnough();
      }
    });
    // Waits for a number of replies rather than counting over a fixed window: the server holds
    // each awaited hello for maxAwaitTimeMS, one after another, so N held replies can never
    // arrive in less than N * maxAwaitTimeMS, however loaded the machine (load only slows them).
    // A server answering at once (a busy loop) would deliver them within milliseconds.
    const started = Date.now();
    try {
      await client.connect();
      let settled = false;
      const done = enough.then(() => (settled = true));
      const deadline = started + 20 * maxAwaitTimeMs * heldReplies;
      // Ordinary commands keep flowing while the monitor's hello is parked on the server.
      while (!settled && Date.now() < deadline) {
        await client.db('admin').command({ ping: 1 });
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 100))]);
      }
      const elapsed = Date.now() - started;
      expect(heartbeats.length).toBeGreaterThanOrEqual(1 + heldReplies);
      // The monitor moved to the streaming protocol (awaitable hellos).
      expect(heartbeats[heldReplies].awaited).toBe(true);
      // A few ms of slack: timers and Date.now() read different clocks.
      expect(elapsed).toBeGreaterThanOrEqual(heldReplies * maxAwaitTimeMs - 25);
    } finally {
      await client.close();
      await emulator.stop();
    }
  });
});
