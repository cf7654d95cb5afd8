import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startMongoBackend, storageOf } from './mongo-backend';

describe(startMongoBackend.name, () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'backend-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps using the emulator for a data directory that holds the emulator's data", async () => {
    mkdirSync(join(dataDir, 'emulator'));
    writeFileSync(join(dataDir, 'emulator', 'notes.txt'), 'kept');
    const lines: string[] = [];
    const backend = await startMongoBackend({
      mode: 'auto',
      dataDir,
      port: 0,
      log: (line) => lines.push(line),
    });
    try {
      expect(backend).toMatchObject({ kind: 'emulator', dataDir: join(dataDir, 'emulator') });
      expect(storageOf(backend)).toBe(`data in ${join(dataDir, 'emulator')}`);
      expect(lines[0]).toBe(`MongoDB backend: emulator (${dataDir} holds its data)`);
      const client = await new MongoClient(backend.uri).connect();
      await client
        .db('app')
        .collection('t')
        .insertOne({ _id: 'kept' as never });
      await client.close();
    } finally {
      await backend.stop();
    }
    const again = await startMongoBackend({ mode: 'auto', dataDir, port: 0, log: () => undefined });
    try {
      const client = await new MongoClient(again.uri).connect();
      expect(await client.db('app').collection('t').countDocuments()).toBe(1);
      await client.close();
    } finally {
      await again.stop();
    }
  });

  it('names the port and the way out when the embedded port is taken', async () => {
    const first = await startMongoBackend({ mode: 'emulator', port: 0, log: () => undefined });
    try {
      const port = Number(new URL(first.uri).port);
      await expect(
        startMongoBackend({ mode: 'emulator', port, log: () => undefined }),
      ).rejects.toThrow(`the embedded MongoDB port ${port} is in use`);
    } finally {
      await first.stop();
    }
  });
});
