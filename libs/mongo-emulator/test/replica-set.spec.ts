// The server presents itself as the primary of a replica set (one member on the emulator):
// hello/isMaster fields, cluster time gossip, and both connection-string styles.
import {
  Binary,
  Long,
  MongoServerSelectionError,
  ObjectId,
  Timestamp,
  type Document,
  type MongoClient,
  type TopologyDescription,
} from 'mongodb';
import { useConformanceBackend } from './support/conformance-backend';
import { rejectionOf } from './support/wait';

const backend = useConformanceBackend('rs');

/** Orders two BSON timestamps (seconds, then increment). */
function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return a.t !== b.t ? a.t - b.t : a.i - b.i;
}

describe('replica set primary', () => {
  it('describes itself in hello as the writable primary of its replica set', async () => {
    const hello = await backend.client.db('admin').command({ hello: 1 });
    expect(hello).toMatchObject({
      ok: 1,
      isWritablePrimary: true,
      secondary: false,
      setName: backend.isEmulator ? 'rs0' : backend.hello.setName,
      setVersion: expect.any(Number),
      me: expect.stringMatching(/^[^:]+:\d+$/),
      primary: hello.me,
      minWireVersion: 0,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      logicalSessionTimeoutMinutes: 30,
      connectionId: expect.any(Number),
      readOnly: false,
      localTime: expect.any(Date),
      electionId: expect.any(ObjectId),
      topologyVersion: { processId: expect.any(ObjectId), counter: expect.anything() },
    });
    expect(hello.hosts).toContain(hello.me);
    expect(hello).not.toHaveProperty('ismaster');
    // The emulator is a one-member set whose only host is the address it listens on, speaking
    // MongoDB 7.0's wire version; a real deployment is checked against its own reply.
    const port = /:(\d+)\//.exec(backend.uri)?.[1];
    const expected = backend.isEmulator
      ? { me: `127.0.0.1:${port}`, hosts: [`127.0.0.1:${port}`], maxWireVersion: 21 }
      : {
          me: backend.hello.me,
          hosts: backend.hello.hosts,
          maxWireVersion: backend.hello.maxWireVersion,
        };
    expect({ me: hello.me, hosts: hello.hosts, maxWireVersion: hello.maxWireVersion }).toEqual(
      expected,
    );
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(17);
  });

  it('answers the legacy isMaster command with ismaster instead of isWritablePrimary', async () => {
    const reply = await backend.client.db('admin').command({ isMaster: 1 });
    expect(reply).toMatchObject({
      ok: 1,
      ismaster: true,
      secondary: false,
      setName: backend.hello.setName,
      me: backend.hello.me,
      primary: backend.hello.me,
      maxWireVersion: backend.hello.maxWireVersion,
    });
    expect(reply).not.toHaveProperty('isWritablePrimary');
  });

  it('gossips $clusterTime and operationTime on every reply, and operationTime advances with writes', async () => {
    const before: Document = await backend.db.command({ ping: 1 });
    expect(before.operationTime).toBeInstanceOf(Timestamp);
    expect(before.$clusterTime).toEqual({
      clusterTime: expect.any(Timestamp),
      signature: { hash: expect.any(Binary), keyId: expect.anything() },
    });

    const write: Document = await backend.db.command({
      insert: 'cluster_time',
      documents: [{ _id: 1 }],
    });
    expect(write.operationTime).toBeInstanceOf(Timestamp);
    expect(compareTimestamps(write.operationTime, before.operationTime)).toBeGreaterThan(0);
    expect(
      compareTimestamps(write.$clusterTime.clusterTime, write.operationTime),
    ).toBeGreaterThanOrEqual(0);
  });

  /** Connects `uri`, returning the last topology description the driver built. */
  async function connectAndDescribe(uri: string): Promise<{
    client: MongoClient;
    description: () => TopologyDescription | undefined;
  }> {
    const client = backend.createClient({}, uri);
    let last: TopologyDescription | undefined;
    client.on('topologyDescriptionChanged', (event) => {
      last = event.newDescription;
    });
    await client.connect();
    return { client, description: () => last };
  }

  it('is discovered as ReplicaSetWithPrimary through a replicaSet connection string', async () => {
    const setName = String(backend.hello.setName);
    const { client, description } = await connectAndDescribe(
      backend.uriWith({ params: { replicaSet: setName, directConnection: undefined } }),
    );
    const collection = client.db(backend.dbName).collection('rs_style');
    await collection.insertOne({ _id: 'rs' } as never);
    await expect(collection.findOne({ _id: 'rs' } as never)).resolves.toEqual({ _id: 'rs' });

    expect(description()?.type).toBe('ReplicaSetWithPrimary');
    expect(description()?.setName).toBe(setName);
    expect(description()?.servers.get(backend.primaryHost)?.type).toBe('RSPrimary');
  });

  it('serves a directConnection=true client as a single server', async () => {
    const { client, description } = await connectAndDescribe(backend.directUri());
    const collection = client.db(backend.dbName).collection('direct_style');
    await collection.insertOne({ _id: 'direct' } as never);
    await expect(collection.findOne({ _id: 'direct' } as never)).resolves.toEqual({
      _id: 'direct',
    });

    expect(description()?.type).toBe('Single');
    expect(description()?.servers.get(backend.primaryHost)?.type).toBe('RSPrimary');
  });

  it('is not selectable under a different replica set name', async () => {
    const client = backend.createClient(
      { serverSelectionTimeoutMS: 1_000 },
      backend.uriWith({ hosts: [backend.primaryHost], params: { replicaSet: 'not-this-set' } }),
    );
    const error = await rejectionOf(
      client.connect().then(() => client.db('admin').command({ ping: 1 })),
      10_000,
      'a ping under a mismatched replica set name',
    );
    expect(error).toBeInstanceOf(MongoServerSelectionError);
  });

  it('reports the topology version counter as a 64-bit integer', async () => {
    const hello = await backend.client.db('admin').command({ hello: 1 }, { promoteLongs: false });
    expect(hello.topologyVersion.counter).toBeInstanceOf(Long);
  });
});
