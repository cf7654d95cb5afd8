// Change events over 16 MiB: BSONObjectTooLarge, or fragments with $changeStreamSplitLargeEvent
// (MongoDB 7.0 / 6.0.9), resumable from any fragment's token.
import { calculateObjectSize } from 'bson';
import type { Collection, Document } from 'mongodb';
import { StreamTracker, nextChanges, streamError } from './support/change-streams';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('large-events');
const streams = new StreamTracker();
const MiB = 1024 * 1024;
let counter = 0;

const BIG = 9 * MiB;

/** A collection with pre- and post-images holding one document of 9 MiB. */
async function largeDocument(): Promise<Collection> {
  counter += 1;
  const name = `large_${counter}`;
  await backend.db.createCollection(name, { changeStreamPreAndPostImages: { enabled: true } });
  const collection = backend.db.collection(name);
  await collection.insertOne({ _id: 0, largeField: 'a'.repeat(BIG) } as never);
  return collection;
}

/** Replaces the 9 MiB field with another: pre-image, post-image and update of 9 MiB each. */
async function rewrite(collection: Collection): Promise<void> {
  await collection.updateOne({ _id: 0 } as never, { $set: { largeField: 'b'.repeat(BIG) } });
}

const IMAGES = { fullDocument: 'required', fullDocumentBeforeChange: 'required' } as const;

/** Fields of the fragments of one event, merged (without their own `_id` and `splitEvent`). */
function merged(fragments: Document[]): Document {
  const event: Document = {};
  for (const { _id: _token, splitEvent: _split, ...fields } of fragments) {
    Object.assign(event, fields);
  }
  return event;
}

afterEach(async () => {
  await streams.closeAll();
});

describe('change events over 16 MiB', () => {
  it('fail the stream with BSONObjectTooLarge unless split', async () => {
    const collection = await largeDocument();
    const stream = await streams.start(collection, [], IMAGES);
    await rewrite(collection);
    const error = (await streamError(stream)) as { code?: unknown; codeName?: unknown };
    expect({ code: error.code, codeName: error.codeName }).toEqual({
      code: 10334,
      codeName: 'BSONObjectTooLarge',
    });
  });

  it('come as fragments with $changeStreamSplitLargeEvent, smallest fields first, each resumable', async () => {
    const collection = await largeDocument();
    const split = [{ $changeStreamSplitLargeEvent: {} }];
    const stream = await streams.start(collection, split, IMAGES);
    await rewrite(collection);
    await collection.insertOne({ _id: 1 } as never);
    const [first, second, third, next] = await nextChanges(stream, 4);

    expect([first, second, third].map((change) => change.splitEvent)).toEqual([
      { fragment: 1, of: 3 },
      { fragment: 2, of: 3 },
      { fragment: 3, of: 3 },
    ]);
    // The event's context comes first, with the smallest of the three large fields.
    expect(first).toMatchObject({ operationType: 'update', documentKey: { _id: 0 } });
    for (const fragment of [first, second, third]) {
      expect(calculateObjectSize(fragment)).toBeLessThanOrEqual(16 * MiB);
    }
    const event = merged([first, second, third]);
    expect(Object.keys(event).sort()).toEqual(
      Object.keys({ ...first, ...second, ...third })
        .filter((name) => name !== '_id' && name !== 'splitEvent')
        .sort(),
    );
    expect(event).toMatchObject({
      operationType: 'update',
      ns: { coll: collection.collectionName },
    });
    expect((event.fullDocument as Document).largeField).toBe('b'.repeat(BIG));
    expect((event.fullDocumentBeforeChange as Document).largeField).toBe('a'.repeat(BIG));
    expect((event.updateDescription as Document).updatedFields).toEqual({
      largeField: 'b'.repeat(BIG),
    });
    // Fragment tokens sort in stream order, before the next event's.
    const tokens = [first, second, third, next].map(
      (change) => (change._id as { _data: string })._data,
    );
    expect([...tokens].sort()).toEqual(tokens);
    expect(next).toMatchObject({ operationType: 'insert', documentKey: { _id: 1 } });
    expect(next.splitEvent).toBeUndefined();

    // Resuming after a fragment gives the ones after it, then the next event.
    const resumed = streams.watch(collection, split, { ...IMAGES, resumeAfter: first._id });
    const rest = await nextChanges(resumed, 3);
    expect(rest.map((change) => change._id)).toEqual([second._id, third._id, next._id]);
    expect(rest[1].splitEvent).toEqual({ fragment: 3, of: 3 });
    // Resuming after the last fragment gives the next event.
    const past = streams.watch(collection, split, { ...IMAGES, resumeAfter: third._id });
    const [following] = await nextChanges(past, 1);
    expect(following._id).toEqual(next._id);
  });

  it('leave events within 16 MiB whole, and refuse the stage anywhere but last', async () => {
    const collection = await largeDocument();
    const stream = await streams.start(collection, [{ $changeStreamSplitLargeEvent: {} }], {});
    await collection.updateOne({ _id: 0 } as never, { $set: { small: 1 } });
    const [update] = await nextChanges(stream, 1);
    expect(update.splitEvent).toBeUndefined();
    expect(update.updateDescription).toMatchObject({ updatedFields: { small: 1 } });

    const misplaced = streams.watch(collection, [
      { $changeStreamSplitLargeEvent: {} },
      { $match: { operationType: 'insert' } },
    ]);
    const error = await streamError(misplaced);
    expect(error.code).toEqual(expect.any(Number));
    expect(String(error.message)).toContain('$changeStreamSplitLargeEvent');
  });
});
