// Resume tokens and resuming: tokens are ordered hex strings; resumeAfter/startAfter continue
// with the next event (no gap, no duplicate); startAfter passes an invalidate where
// resumeAfter must refuse (InvalidResumeToken 260); startAtOperationTime is inclusive.
import { Timestamp, type Collection, type Document } from 'mongodb';
import {
  StreamTracker,
  expectNoMoreChanges,
  nextChange,
  nextChanges,
  streamError,
  tokenData,
  type ChangeEvent,
} from './support/change-streams';
import { useConformanceBackend } from './support/conformance-backend';
import { expectErrorReply } from './support/server-errors';

const backend = useConformanceBackend('resume');
const streams = new StreamTracker();
let counter = 0;

function freshCollection(): Collection {
  counter += 1;
  return backend.db.collection(`rs_${counter}`);
}

/**
 * Writes `n` changes, one event each, cycling insert, insert, update, delete:
 * insert 1, insert 2, update 2, delete 1, insert 5, insert 6, update 6, delete 5, ...
 */
async function writeSequence(collection: Collection, n: number): Promise<void> {
  for (let seq = 1; seq <= n; seq += 1) {
    switch (seq % 4) {
      case 1:
      case 2:
        await collection.insertOne({ _id: seq, seq } as never);
        break;
      case 3:
        await collection.updateOne({ _id: seq - 1 } as never, { $set: { seq } });
        break;
      default:
        await collection.deleteOne({ _id: seq - 3 } as never);
    }
  }
}

function describeEvent(event: ChangeEvent): string {
  return `${event.operationType}:${String((event as Document).documentKey?._id)}`;
}

afterEach(async () => {
  await streams.closeAll();
});

describe('resume tokens', () => {
  it('are {_data: <hex>} strings that strictly increase in stream order', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection);
    await writeSequence(collection, 10);
    const events = await nextChanges(stream, 10);

    const tokens = events.map((event) => tokenData(event._id));
    for (let index = 1; index < tokens.length; index += 1) {
      expect(tokens[index] > tokens[index - 1]).toBe(true);
    }
  });

  it('are the same for the same event whichever stream reports it', async () => {
    const collection = freshCollection();
    const collectionStream = await streams.start(collection);
    const secondStream = await streams.start(collection);
    const dbStream = await streams.start(backend.db, [
      { $match: { 'ns.coll': collection.collectionName } },
    ]);
    await collection.insertOne({ _id: 'same' } as never);

    const [a, b, c] = await Promise.all([
      nextChange(collectionStream),
      nextChange(secondStream),
      nextChange(dbStream),
    ]);
    expect(b._id).toEqual(a._id);
    expect(c._id).toEqual(a._id);
  });

  it('expose the position of the last event read through changeStream.resumeToken', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection);
    await collection.insertOne({ _id: 1 } as never);
    const event = await nextChange(stream);
    expect(tokenData(stream.resumeToken) >= tokenData(event._id)).toBe(true);
  });
});

describe('resumeAfter and startAfter', () => {
  it('continue right after the token, with no gap and no duplicate', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection);
    await writeSequence(collection, 8);
    const all = await nextChanges(stream, 8);
    const expected = all.map(describeEvent);

    for (const position of [0, 3, 6, 7]) {
      for (const option of ['resumeAfter', 'startAfter'] as const) {
        const resumed = streams.watch(collection, [], { [option]: all[position]._id });
        const rest = await nextChanges(resumed, all.length - position - 1);
        expect(rest.map(describeEvent)).toEqual(expected.slice(position + 1));
        expect(rest.map((event) => event._id)).toEqual(
          all.slice(position + 1).map((event) => event._id),
        );
        await expectNoMoreChanges(resumed);
        await resumed.close();
      }
    }
  });

  it('resume inside a transaction at the exact operation', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection);
    const session = backend.client.startSession();
    try {
      await session.withTransaction(async () => {
        await collection.insertMany([{ _id: 't1' }, { _id: 't2' }, { _id: 't3' }] as never[], {
          session,
        });
      });
    } finally {
      await session.endSession();
    }
    const events = await nextChanges(stream, 3);

    const resumed = streams.watch(collection, [], { resumeAfter: events[0]._id });
    const rest = await nextChanges(resumed, 2);
    expect(rest.map(describeEvent)).toEqual(['insert:t2', 'insert:t3']);
    await expectNoMoreChanges(resumed);
  });

  it('refuses resumeAfter an invalidate with InvalidResumeToken (260) but startAfter continues past it', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 'before' } as never);
    const stream = await streams.start(collection);
    await collection.drop();
    const [drop, invalidate] = await nextChanges(stream, 2);
    expect([drop.operationType, invalidate.operationType]).toEqual(['drop', 'invalidate']);

    const refused = streams.watch(collection, [], { resumeAfter: invalidate._id });
    const error = await streamError(refused);
    expectErrorReply(error, { code: 260, codeName: 'InvalidResumeToken' });

    const afterInvalidate = streams.watch(collection, [], { startAfter: invalidate._id });
    await collection.insertOne({ _id: 'recreated' } as never);
    const event = await nextChange(afterInvalidate);
    expect(event).toMatchObject({ operationType: 'insert', documentKey: { _id: 'recreated' } });
    expect(tokenData(event._id) > tokenData(invalidate._id)).toBe(true);
    await expectNoMoreChanges(afterInvalidate);
  });

  it('resumes after the drop event (before the invalidate) with resumeAfter', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 1 } as never);
    const stream = await streams.start(collection);
    await collection.drop();
    const [drop] = await nextChanges(stream, 2);

    const resumed = streams.watch(collection, [], { resumeAfter: drop._id });
    const invalidate = await nextChange(resumed);
    expect(invalidate.operationType).toBe('invalidate');
  });
});

describe('startAtOperationTime', () => {
  it('starts at (and includes) the event at that cluster time', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection);
    await writeSequence(collection, 4);
    const all = await nextChanges(stream, 4);

    const fromSecond = streams.watch(collection, [], { startAtOperationTime: all[1].clusterTime });
    const events = await nextChanges(fromSecond, 3);
    expect(events.map(describeEvent)).toEqual(all.slice(1).map(describeEvent));
    await expectNoMoreChanges(fromSecond);
  });

  it('matches the operationTime a write reports with the clusterTime of its event', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 'earlier' } as never);
    const reply = await backend.db.command({
      insert: collection.collectionName,
      documents: [{ _id: 'marked' }],
    });
    const operationTime = reply.operationTime as Timestamp;
    expect(operationTime).toBeInstanceOf(Timestamp);

    const stream = streams.watch(collection, [], { startAtOperationTime: operationTime });
    const event = await nextChange(stream);
    expect(event).toMatchObject({ operationType: 'insert', documentKey: { _id: 'marked' } });
    expect(event.clusterTime).toEqual(operationTime);
    await expectNoMoreChanges(stream);
  });
});
