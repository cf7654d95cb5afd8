// Wire protocol conformance: the official driver's two handshake styles and MongoDB's error
// reply shape. A transparent relay records the opcodes the driver and the server exchanged.
import { Timestamp, type MongoClient } from 'mongodb';
import { useConformanceBackend } from './support/conformance-backend';
import { expectErrorReply, serverError } from './support/server-errors';
import {
  OP_MSG,
  OP_QUERY,
  OP_REPLY,
  WireRecorder,
  type RecordedMessage,
} from './support/wire-recorder';

const backend = useConformanceBackend('wire');

describe('wire protocol', () => {
  let recorder: WireRecorder;

  beforeEach(async () => {
    recorder = await WireRecorder.start(backend.primaryHost);
  });

  afterEach(async () => {
    await recorder.stop();
  });

  async function connectThroughRecorder(serverApi?: { version: '1' }): Promise<MongoClient> {
    return backend.connect(serverApi ? { serverApi } : {}, backend.directUri(recorder.hostPort));
  }

  /**
   * Messages per client connection, for the connections whose handshake has completed (the
   * driver may still be opening a monitoring connection when the test looks).
   */
  function handshakenConnections(): RecordedMessage[][] {
    const byConnection = new Map<number, RecordedMessage[]>();
    for (const message of recorder.messages) {
      byConnection.set(message.connection, [
        ...(byConnection.get(message.connection) ?? []),
        message,
      ]);
    }
    return [...byConnection.values()].filter((messages) => {
      const first = messages.find((m) => m.direction === 'request');
      return messages.some((m) => m.direction === 'reply' && m.responseTo === first?.requestId);
    });
  }

  it('answers the driver default legacy OP_QUERY isMaster handshake with OP_REPLY, then speaks OP_MSG', async () => {
    const client = await connectThroughRecorder();
    await expect(client.db(backend.dbName).command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });

    const connections = handshakenConnections();
    expect(connections.length).toBeGreaterThan(0);
    for (const messages of connections) {
      const [handshake, ...laterRequests] = messages.filter((m) => m.direction === 'request');
      const [handshakeReply, ...laterReplies] = messages.filter((m) => m.direction === 'reply');
      // The legacy handshake is answered before anything else is sent on the connection.
      expect(handshake).toMatchObject({ opCode: OP_QUERY, fullCollectionName: 'admin.$cmd' });
      expect(Object.keys(handshake.document ?? {})[0]).toBe('ismaster');
      expect(handshake.document).toMatchObject({
        ismaster: 1,
        helloOk: true,
        client: { driver: { name: 'nodejs' } },
      });
      expect(handshakeReply).toMatchObject({
        opCode: OP_REPLY,
        responseTo: handshake.requestId,
        numberReturned: 1,
      });
      expect(handshakeReply.document).toMatchObject({
        ok: 1,
        ismaster: true,
        helloOk: true,
        maxWireVersion: backend.hello.maxWireVersion,
      });
      for (const later of [...laterRequests, ...laterReplies]) {
        expect(later.opCode).toBe(OP_MSG);
      }
    }
    const pings = recorder.messages.filter(
      (m) => m.direction === 'request' && m.document?.ping === 1,
    );
    expect(pings).toHaveLength(1);
    expect(pings[0].opCode).toBe(OP_MSG);
    const pingReply = recorder.messages.find(
      (m) => m.direction === 'reply' && m.responseTo === pings[0].requestId,
    );
    expect(pingReply).toMatchObject({ opCode: OP_MSG, document: { ok: 1 } });
  });

  it('uses an OP_MSG hello handshake when the client declares a serverApi version', async () => {
    const client = await connectThroughRecorder({ version: '1' });
    const collection = client.db(backend.dbName).collection('server_api');
    await collection.insertOne({ _id: 1, via: 'serverApi' } as never);
    await expect(collection.findOne({ _id: 1 } as never)).resolves.toEqual({
      _id: 1,
      via: 'serverApi',
    });

    const connections = handshakenConnections();
    expect(connections.length).toBeGreaterThan(0);
    for (const messages of connections) {
      const [handshake] = messages.filter((m) => m.direction === 'request');
      const handshakeReply = messages.find(
        (m) => m.direction === 'reply' && m.responseTo === handshake.requestId,
      );
      expect(handshake.opCode).toBe(OP_MSG);
      expect(Object.keys(handshake.document ?? {})[0]).toBe('hello');
      expect(handshake.document).toMatchObject({ hello: 1, apiVersion: '1', $db: 'admin' });
      expect(handshakeReply).toMatchObject({ opCode: OP_MSG });
      expect(handshakeReply?.document).toMatchObject({ ok: 1, isWritablePrimary: true });
      expect(messages.every((m) => m.opCode === OP_MSG)).toBe(true);
    }
  });
});

describe('error replies', () => {
  it('reports an unknown command as CommandNotFound (59)', async () => {
    const error = await serverError(backend.db.command({ noSuchCommand: 1 }));
    expectErrorReply(error, {
      code: 59,
      codeName: 'CommandNotFound',
      errmsg: expect.stringContaining("no such command: 'noSuchCommand'"),
    });
  });

  it('reports collMod of a missing collection as NamespaceNotFound (26)', async () => {
    const error = await serverError(backend.db.command({ collMod: 'does_not_exist' }));
    expectErrorReply(error, { code: 26, codeName: 'NamespaceNotFound' });
  });

  it('reports an unknown query operator as BadValue (2)', async () => {
    const error = await serverError(
      backend.db.command({ find: 'bad_value', filter: { $noSuchOperator: 1 } }),
    );
    expectErrorReply(error, {
      code: 2,
      codeName: 'BadValue',
      errmsg: expect.stringContaining('unknown top level operator: $noSuchOperator'),
    });
  });

  it('reports a duplicate key on findAndModify as DuplicateKey (11000) with keyPattern and keyValue', async () => {
    const collection = backend.db.collection('dup_fam');
    await collection.createIndex({ email: 1 }, { unique: true });
    await collection.insertOne({ _id: 1, email: 'a@example.com' } as never);

    const error = await serverError(
      backend.db.command({
        findAndModify: 'dup_fam',
        query: { _id: 2 },
        update: { $set: { email: 'a@example.com' } },
        upsert: true,
      }),
    );
    expectErrorReply(error, {
      code: 11000,
      codeName: 'DuplicateKey',
      errmsg: expect.stringMatching(
        new RegExp(
          `^E11000 duplicate key error collection: ${backend.dbName}\\.dup_fam index: email_1 dup key: `,
        ),
      ),
    });
    expect(error.errorResponse).toMatchObject({
      keyPattern: { email: 1 },
      keyValue: { email: 'a@example.com' },
    });
  });

  it('carries $clusterTime and operationTime on error replies too', async () => {
    const error = await serverError(backend.db.command({ noSuchCommand: 1 }));
    expect(error.errorResponse.operationTime).toBeInstanceOf(Timestamp);
    expect(error.errorResponse.$clusterTime).toMatchObject({ clusterTime: expect.any(Timestamp) });
  });
});
