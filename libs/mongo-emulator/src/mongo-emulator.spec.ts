import { MongoClient } from 'mongodb';
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
    const emulator = await MongoEmulator.start();
    const client = new MongoClient(emulator.uri, { heartbeatFrequencyMS: 400 });
    let heartbeats = 0;
    client.on('serverHeartbeatSucceeded', () => {
      heartbeats += 1;
    });
    try {
      await client.connect();
      const started = Date.now();
      while (Date.now() - started < 1_300) {
        await client.db('admin').command({ ping: 1 });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // One streamed reply per maxAwaitTimeMS (400 ms), plus the initial checks.
      expect(heartbeats).toBeGreaterThanOrEqual(2);
      expect(heartbeats).toBeLessThanOrEqual(8);
    } finally {
      await client.close();
      await emulator.stop();
    }
  });
});
