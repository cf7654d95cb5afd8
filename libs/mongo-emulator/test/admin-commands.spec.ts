// Administrative commands the driver, mongoose and operators rely on.
import { Binary, UUID } from 'mongodb';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('admin');

/** Server release (major.minor) for each wire version MongoDB 6.0+ reports. */
const RELEASE_BY_WIRE_VERSION: Record<number, string> = {
  17: '6.0',
  21: '7.0',
  25: '8.0',
};

describe('administrative commands', () => {
  it('answers ping with ok: 1', async () => {
    await expect(backend.client.db('admin').command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
  });

  it('reports buildInfo consistent with the wire version it speaks', async () => {
    const info = await backend.client.db('admin').command({ buildInfo: 1 });
    expect(info).toMatchObject({
      ok: 1,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      versionArray: expect.any(Array),
      maxBsonObjectSize: 16 * 1024 * 1024,
    });
    const [major, minor] = String(info.version).split('.').map(Number);
    expect(info.versionArray.slice(0, 2)).toEqual([major, minor]);
    // The emulator is MongoDB 7.0 (wire version 21); a real server must match its own wire version.
    const release = backend.isEmulator
      ? '7.0'
      : (RELEASE_BY_WIRE_VERSION[Number(backend.hello.maxWireVersion)] ?? `${major}.${minor}`);
    expect(`${major}.${minor}`).toBe(release);
  });

  it('returns the featureCompatibilityVersion through getParameter', async () => {
    const info = await backend.client.db('admin').command({ buildInfo: 1 });
    const reply = await backend.client
      .db('admin')
      .command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(reply).toMatchObject({
      ok: 1,
      featureCompatibilityVersion: { version: expect.stringMatching(/^\d+\.\d+$/) },
    });
    const [major, minor] = String(info.version).split('.');
    expect(reply.featureCompatibilityVersion.version).toBe(`${major}.${minor}`);
  });

  it('reports serverStatus with host, version, uptime, connections and replication state', async () => {
    const info = await backend.client.db('admin').command({ buildInfo: 1 });
    const status = await backend.client.db('admin').command({ serverStatus: 1 });
    expect(status).toMatchObject({
      ok: 1,
      host: expect.any(String),
      version: info.version,
      process: expect.stringMatching(/^mongod/),
      pid: expect.anything(),
      uptime: expect.any(Number),
      uptimeMillis: expect.anything(),
      localTime: expect.any(Date),
      connections: {
        current: expect.any(Number),
        available: expect.any(Number),
        totalCreated: expect.any(Number),
      },
      repl: {
        setName: backend.hello.setName,
        isWritablePrimary: true,
        primary: backend.hello.primary,
        me: backend.hello.me,
      },
    });
    expect(status.connections.current).toBeGreaterThanOrEqual(1);
  });

  it('lists databases with their size, including one just written to', async () => {
    await backend.db.collection('listed').insertOne({ _id: 1 } as never);
    const reply = await backend.client.db('admin').command({ listDatabases: 1 });
    expect(reply).toMatchObject({ ok: 1, totalSize: expect.any(Number) });
    const mine = reply.databases.find(
      (database: { name: string }) => database.name === backend.dbName,
    );
    expect(mine).toEqual({
      name: backend.dbName,
      sizeOnDisk: expect.any(Number),
      empty: false,
    });

    const namesOnly = await backend.client
      .db('admin')
      .command({ listDatabases: 1, nameOnly: true });
    expect(namesOnly.databases).toContainEqual({ name: backend.dbName });
  });

  it('accepts endSessions for driver-generated session ids', async () => {
    const session = backend.client.startSession();
    await backend.db.collection('sessions').insertOne({ _id: 1 } as never, { session });
    const sessionId = session.id;
    await session.endSession();
    expect(sessionId?.id).toBeInstanceOf(Binary);
    expect((sessionId?.id as Binary).sub_type).toBe(Binary.SUBTYPE_UUID);

    const reply = await backend.client
      .db('admin')
      .command({ endSessions: [sessionId, { id: new UUID() }] });
    expect(reply).toMatchObject({ ok: 1 });
  });
});
