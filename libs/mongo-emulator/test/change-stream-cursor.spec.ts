// The change-stream cursor as the server drives it: raw aggregate/getMore replies with
// postBatchResumeToken (advancing on empty batches), awaitData getMores bounded by maxTimeMS,
// user pipeline stages after $changeStream, the _id (resume token) invariant (280), and the token
// of a startAtOperationTime stream before its first event.
import { Long, type Collection, type Document, type MongoClient } from 'mongodb';
import {
  StreamTracker,
  expectNoMoreChanges,
  nextChanges,
  sortedKeys,
  streamError,
  tokenData,
} from './support/change-streams';
import { CommandLog } from './support/command-log';
import { useConformanceBackend } from './support/conformance-backend';
import { expectErrorReply } from './support/server-errors';
import { waitFor, withTimeout } from './support/wait';

const backend = useConformanceBackend('cursor');
const streams = new StreamTracker();
let counter = 0;

function freshCollection(): Collection {
  counter += 1;
  return backend.db.collection(`cur_${counter}`);
}

/** Raw cursor commands keep the 64-bit cursor id as a Long, as it travels on the wire. */
async function raw(command: Document, client: MongoClient = backend.client): Promise<Document> {
  return client.db(backend.dbName).command(command, { promoteLongs: false });
}

async function openRawChangeStream(
  collection: string,
  pipeline: Document[] = [],
): Promise<Document> {
  return raw({ aggregate: collection, pipeline: [{ $changeStream: {} }, ...pipeline], cursor: {} });
}

function getMore(cursorId: Long, collection: string, maxTimeMS: number): Document {
  return { getMore: cursorId, collection, maxTimeMS };
}

afterEach(async () => {
  await streams.closeAll();
});

describe('change stream cursor replies', () => {
  it('open with an empty first batch, a live cursor and a postBatchResumeToken', async () => {
    const collection = freshCollection();
    const reply = await openRawChangeStream(collection.collectionName);
    expect(reply).toMatchObject({
      ok: 1,
      cursor: {
        firstBatch: [],
        ns: `${backend.dbName}.${collection.collectionName}`,
        postBatchResumeToken: { _data: expect.any(String) },
      },
    });
    expect(reply.cursor.id).toBeInstanceOf(Long);
    expect((reply.cursor.id as Long).isZero()).toBe(false);
    tokenData(reply.cursor.postBatchResumeToken);
    await raw({ killCursors: collection.collectionName, cursors: [reply.cursor.id] });
  });

  it('carry a postBatchResumeToken on every getMore, advancing on empty batches', async () => {
    const collection = freshCollection();
    const other = freshCollection();
    const opened = await openRawChangeStream(collection.collectionName);
    const cursorId = opened.cursor.id as Long;
    let latest = tokenData(opened.cursor.postBatchResumeToken);
    const initial = latest;

    // Writes elsewhere move the oplog (and so the high-water mark) without matching events.
    await other.insertOne({ _id: 1 } as never);
    await other.insertOne({ _id: 2 } as never);
    await waitFor(
      async () => {
        const reply = await raw(getMore(cursorId, collection.collectionName, 100));
        expect(reply.cursor.nextBatch).toEqual([]);
        const token = tokenData(reply.cursor.postBatchResumeToken);
        expect(token >= latest).toBe(true);
        latest = token;
        return token > initial;
      },
      { timeoutMs: 10_000, description: 'postBatchResumeToken to advance on an empty batch' },
    );

    // After an event, the token covers that event.
    await collection.insertOne({ _id: 'e' } as never);
    const withEvent = await raw(getMore(cursorId, collection.collectionName, 2_000));
    expect(withEvent.cursor.nextBatch).toHaveLength(1);
    const eventToken = tokenData(withEvent.cursor.nextBatch[0]._id);
    expect(tokenData(withEvent.cursor.postBatchResumeToken) >= eventToken).toBe(true);
    expect(eventToken > latest).toBe(true);
    await raw({ killCursors: collection.collectionName, cursors: [cursorId] });
  });

  it('advance the driver resumeToken while no event arrives', async () => {
    const collection = freshCollection();
    const other = freshCollection();
    const stream = await streams.start(collection);
    const initial = tokenData(stream.resumeToken);
    await other.insertOne({ _id: 1 } as never);

    await waitFor(
      async () => {
        expect(await stream.tryNext()).toBeNull();
        return tokenData(stream.resumeToken) > initial;
      },
      { timeoutMs: 10_000, description: 'changeStream.resumeToken to advance without events' },
    );
  });

  it('wait in getMore up to maxTimeMS when there is nothing to return', async () => {
    const collection = freshCollection();
    const opened = await openRawChangeStream(collection.collectionName);
    const maxTimeMS = 400;
    const started = performance.now();
    const reply = await raw(
      getMore(opened.cursor.id as Long, collection.collectionName, maxTimeMS),
    );
    const elapsed = performance.now() - started;

    expect(reply.cursor.nextBatch).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(maxTimeMS * 0.9);
    expect(elapsed).toBeLessThan(maxTimeMS + 3_000);
    await raw({ killCursors: collection.collectionName, cursors: [opened.cursor.id] });
  });

  it('return an event written while a getMore waits from that same getMore', async () => {
    const collection = freshCollection();
    const client = await backend.connect({ monitorCommands: true });
    const log = new CommandLog(client);
    const opened = await openRawChangeStream(collection.collectionName);
    const cursorId = opened.cursor.id as Long;

    const maxTimeMS = 8_000;
    const started = performance.now();
    const waiting = raw(getMore(cursorId, collection.collectionName, maxTimeMS), client);
    await waitFor(() => log.startedNamed('getMore').length === 1, {
      timeoutMs: 5_000,
      description: 'the getMore to be sent',
    });
    await collection.insertOne({ _id: 'while-waiting' } as never);

    const reply = await withTimeout(waiting, maxTimeMS + 2_000, 'the waiting getMore');
    const elapsed = performance.now() - started;
    expect(reply.cursor.nextBatch).toHaveLength(1);
    expect(reply.cursor.nextBatch[0]).toMatchObject({
      operationType: 'insert',
      documentKey: { _id: 'while-waiting' },
    });
    expect(elapsed).toBeLessThan(maxTimeMS / 2);
    await raw({ killCursors: collection.collectionName, cursors: [cursorId] });
  });

  it('close the cursor (id 0) with the invalidate event', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 1 } as never);
    const opened = await openRawChangeStream(collection.collectionName);
    let cursorId = opened.cursor.id as Long;
    await collection.drop();

    const events: Document[] = [];
    await waitFor(
      async () => {
        const reply = await raw(getMore(cursorId, collection.collectionName, 200));
        events.push(...(reply.cursor.nextBatch as Document[]));
        cursorId = reply.cursor.id as Long;
        return cursorId.isZero();
      },
      { timeoutMs: 10_000, description: 'the change stream cursor to close after invalidate' },
    );
    expect(events.map((event) => event.operationType)).toEqual(['drop', 'invalidate']);
  });

  it('give a startAtOperationTime stream opened with batchSize 0 a token that resumes there', async () => {
    const collection = freshCollection();
    const written = await raw({ insert: collection.collectionName, documents: [{ _id: 'first' }] });
    await collection.insertOne({ _id: 'second' } as never);

    // The driver's first aggregate asks for batchSize 0: no event is read before the token.
    const opened = await raw({
      aggregate: collection.collectionName,
      pipeline: [{ $changeStream: { startAtOperationTime: written.operationTime } }],
      cursor: { batchSize: 0 },
    });
    await raw({ killCursors: collection.collectionName, cursors: [opened.cursor.id] });
    expect(opened.cursor.firstBatch).toEqual([]);
    tokenData(opened.cursor.postBatchResumeToken);

    const resumed = streams.watch(collection, [], {
      resumeAfter: opened.cursor.postBatchResumeToken as Document,
    });
    const events = await nextChanges(resumed, 2);
    expect(events.map((event) => (event.documentKey as Document)._id)).toEqual(['first', 'second']);
    await expectNoMoreChanges(resumed);
  });
});

describe('pipeline stages after $changeStream', () => {
  it('filter events with $match on operationType', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection, [
      { $match: { operationType: { $in: ['insert', 'delete'] } } },
    ]);
    await collection.insertOne({ _id: 1 } as never);
    await collection.updateOne({ _id: 1 } as never, { $set: { x: 1 } });
    await collection.deleteOne({ _id: 1 } as never);

    const events = await nextChanges(stream, 2);
    expect(events.map((event) => event.operationType)).toEqual(['insert', 'delete']);
    await expectNoMoreChanges(stream);
  });

  it('filter events with $match on fullDocument fields', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection, [{ $match: { 'fullDocument.status': 'paid' } }]);
    await collection.insertMany([
      { _id: 1, status: 'open' },
      { _id: 2, status: 'paid' },
      { _id: 3, status: 'paid' },
    ] as never[]);

    const events = await nextChanges(stream, 2);
    expect(events.map((event) => (event as Document).documentKey._id)).toEqual([2, 3]);
    await expectNoMoreChanges(stream);
  });

  it('reshape events with $project when _id is kept', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection, [
      { $project: { operationType: 1, 'fullDocument.sku': 1 } },
    ]);
    await collection.insertOne({ _id: 1, sku: 'A-1', price: 10 } as never);

    const [event] = await nextChanges(stream, 1);
    expect(sortedKeys(event)).toEqual(['_id', 'fullDocument', 'operationType']);
    expect((event as Document).fullDocument).toEqual({ sku: 'A-1' });
    tokenData(event._id);
  });

  it('apply $addFields and $match together', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection, [
      { $addFields: { big: { $gt: ['$fullDocument.qty', 10] } } },
      { $match: { big: true } },
    ]);
    await collection.insertMany([
      { _id: 1, qty: 5 },
      { _id: 2, qty: 50 },
    ] as never[]);

    const [event] = await nextChanges(stream, 1);
    expect(event).toMatchObject({ big: true, documentKey: { _id: 2 } });
    await expectNoMoreChanges(stream);
  });

  it('apply $match then reshaping stages, leaving the events of other streams whole', async () => {
    const collection = freshCollection();
    const reshaped = await streams.start(collection, [
      { $match: { 'fullDocument.kind': 'order' } },
      { $addFields: { 'fullDocument.total': { $multiply: ['$fullDocument.qty', 2] } } },
      { $project: { 'fullDocument.qty': 0 } },
    ]);
    const plain = await streams.start(collection);
    await collection.insertMany([
      { _id: 1, kind: 'audit', qty: 1 },
      { _id: 2, kind: 'order', qty: 3 },
    ] as never[]);

    const [event] = await nextChanges(reshaped, 1);
    expect((event as Document).fullDocument).toEqual({ _id: 2, kind: 'order', total: 6 });
    await expectNoMoreChanges(reshaped);
    const events = await nextChanges(plain, 2);
    expect(events.map((each) => (each as Document).fullDocument)).toEqual([
      { _id: 1, kind: 'audit', qty: 1 },
      { _id: 2, kind: 'order', qty: 3 },
    ]);
    expect(await collection.findOne({ _id: 2 } as never)).toEqual({
      _id: 2,
      kind: 'order',
      qty: 3,
    });
  });

  it('fail with ChangeStreamFatalError (280) when a stage removes _id from a returned event', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection, [{ $project: { _id: 0 } }]);
    await collection.insertOne({ _id: 1 } as never);

    const error = await streamError(stream);
    expectErrorReply(error, { code: 280, codeName: 'ChangeStreamFatalError' });
  });

  it('fail with ChangeStreamFatalError (280) when a stage rewrites _id', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection, [{ $set: { _id: 'not-a-token' } }]);
    await collection.insertOne({ _id: 1 } as never);

    const error = await streamError(stream);
    expectErrorReply(error, { code: 280, codeName: 'ChangeStreamFatalError' });
  });
});
