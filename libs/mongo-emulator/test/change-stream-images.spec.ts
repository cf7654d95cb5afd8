// Document images on change events: fullDocument (default, updateLookup, whenAvailable,
// required) and fullDocumentBeforeChange (off, whenAvailable, required), with and without
// the collection's changeStreamPreAndPostImages option.
import type { ChangeStreamOptions, Collection, Document } from 'mongodb';
import { StreamTracker, expectEventKeys, nextChanges, streamError } from './support/change-streams';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('images');
const streams = new StreamTracker();
let counter = 0;

async function freshCollection(withImages: boolean): Promise<Collection> {
  counter += 1;
  const name = `img_${counter}`;
  await backend.db.createCollection(name, {
    ...(withImages ? { changeStreamPreAndPostImages: { enabled: true } } : {}),
  });
  const collection = backend.db.collection(name);
  await collection.insertOne({ _id: 1, v: 0 } as never);
  return collection;
}

/** Opens a stream with `options`, then updates v to 1 and 2, replaces, and deletes doc 1. */
async function changesWith(
  collection: Collection,
  options: ChangeStreamOptions,
): Promise<Document[]> {
  const stream = await streams.start(collection, [], options);
  await collection.updateOne({ _id: 1 } as never, { $set: { v: 1 } });
  await collection.updateOne({ _id: 1 } as never, { $set: { v: 2 } });
  await collection.replaceOne({ _id: 1 } as never, { v: 3, replaced: true });
  await collection.deleteOne({ _id: 1 } as never);
  return nextChanges(stream, 4);
}

afterEach(async () => {
  await streams.closeAll();
});

describe('fullDocument', () => {
  it('leaves update events without fullDocument by default', async () => {
    const [update, , replace, remove] = await changesWith(await freshCollection(false), {});
    expect(update).not.toHaveProperty('fullDocument');
    expect(replace.fullDocument).toEqual({ _id: 1, v: 3, replaced: true });
    expect(remove).not.toHaveProperty('fullDocument');
  });

  it('looks up the current document with updateLookup (null once it is deleted)', async () => {
    const collection = await freshCollection(false);
    const stream = await streams.start(collection, [], { fullDocument: 'updateLookup' });
    await collection.updateOne({ _id: 1 } as never, { $set: { v: 1 } });
    await collection.updateOne({ _id: 1 } as never, { $set: { v: 2 } });
    const [first, second] = await nextChanges(stream, 2);
    // Looked up when the events are read, i.e. after both updates.
    expect(first.fullDocument).toEqual({ _id: 1, v: 2 });
    expect(second.fullDocument).toEqual({ _id: 1, v: 2 });
    expectEventKeys(first, backend.hello, [
      '_id',
      'clusterTime',
      'documentKey',
      'fullDocument',
      'ns',
      'operationType',
      'updateDescription',
      'wallTime',
    ]);

    await collection.updateOne({ _id: 1 } as never, { $set: { v: 3 } });
    await collection.deleteOne({ _id: 1 } as never);
    const [orphanUpdate, remove] = await nextChanges(stream, 2);
    expect(orphanUpdate).toMatchObject({ operationType: 'update', fullDocument: null });
    expect(remove.operationType).toBe('delete');
    expect(remove).not.toHaveProperty('fullDocument');
  });

  it('returns each update post-image with whenAvailable when the collection records images', async () => {
    const [first, second] = await changesWith(await freshCollection(true), {
      fullDocument: 'whenAvailable',
    });
    expect(first.fullDocument).toEqual({ _id: 1, v: 1 });
    expect(second.fullDocument).toEqual({ _id: 1, v: 2 });
  });

  it('returns fullDocument null with whenAvailable when no post-image is recorded', async () => {
    const [first, second, replace] = await changesWith(await freshCollection(false), {
      fullDocument: 'whenAvailable',
    });
    expect(first).toMatchObject({ operationType: 'update', fullDocument: null });
    expect(second).toMatchObject({ operationType: 'update', fullDocument: null });
    expect(replace.fullDocument).toEqual({ _id: 1, v: 3, replaced: true });
  });

  it('returns each update post-image with required when the collection records images', async () => {
    const [first, second] = await changesWith(await freshCollection(true), {
      fullDocument: 'required',
    });
    expect(first.fullDocument).toEqual({ _id: 1, v: 1 });
    expect(second.fullDocument).toEqual({ _id: 1, v: 2 });
  });

  it('fails with NoMatchingDocument (47) under required when no post-image is recorded', async () => {
    const collection = await freshCollection(false);
    const stream = await streams.start(collection, [], { fullDocument: 'required' });
    await collection.updateOne({ _id: 1 } as never, { $set: { v: 1 } });
    const error = await streamError(stream);
    expect(error).toMatchObject({ code: 47, codeName: 'NoMatchingDocument' });
  });
});

describe('fullDocumentBeforeChange', () => {
  it('omits pre-images when off (the default)', async () => {
    for (const options of [{}, { fullDocumentBeforeChange: 'off' as const }]) {
      const events = await changesWith(await freshCollection(true), options);
      for (const event of events) {
        expect(event).not.toHaveProperty('fullDocumentBeforeChange');
      }
    }
  });

  it('returns the pre-image of updates, replacements and deletes with whenAvailable', async () => {
    const collection = await freshCollection(true);
    const stream = await streams.start(collection, [], {
      fullDocumentBeforeChange: 'whenAvailable',
    });
    await collection.insertOne({ _id: 2, v: 'new' } as never);
    await collection.updateOne({ _id: 1 } as never, { $set: { v: 1 } });
    await collection.replaceOne({ _id: 1 } as never, { v: 3, replaced: true });
    await collection.deleteOne({ _id: 1 } as never);
    const [insert, update, replace, remove] = await nextChanges(stream, 4);

    expect(insert).not.toHaveProperty('fullDocumentBeforeChange');
    expect(update.fullDocumentBeforeChange).toEqual({ _id: 1, v: 0 });
    expect(replace.fullDocumentBeforeChange).toEqual({ _id: 1, v: 1 });
    expect(remove.fullDocumentBeforeChange).toEqual({ _id: 1, v: 3, replaced: true });
    expectEventKeys(update, backend.hello, [
      '_id',
      'clusterTime',
      'documentKey',
      'fullDocumentBeforeChange',
      'ns',
      'operationType',
      'updateDescription',
      'wallTime',
    ]);
    expectEventKeys(remove, backend.hello, [
      '_id',
      'clusterTime',
      'documentKey',
      'fullDocumentBeforeChange',
      'ns',
      'operationType',
      'wallTime',
    ]);
  });

  it('returns null pre-images with whenAvailable when the collection does not record them', async () => {
    const [update, , replace, remove] = await changesWith(await freshCollection(false), {
      fullDocumentBeforeChange: 'whenAvailable',
    });
    expect(update).toMatchObject({ operationType: 'update', fullDocumentBeforeChange: null });
    expect(replace).toMatchObject({ operationType: 'replace', fullDocumentBeforeChange: null });
    expect(remove).toMatchObject({ operationType: 'delete', fullDocumentBeforeChange: null });
  });

  it('returns pre-images with required when the collection records them', async () => {
    const [update, second, replace, remove] = await changesWith(await freshCollection(true), {
      fullDocumentBeforeChange: 'required',
    });
    expect(update.fullDocumentBeforeChange).toEqual({ _id: 1, v: 0 });
    expect(second.fullDocumentBeforeChange).toEqual({ _id: 1, v: 1 });
    expect(replace.fullDocumentBeforeChange).toEqual({ _id: 1, v: 2 });
    expect(remove.fullDocumentBeforeChange).toEqual({ _id: 1, v: 3, replaced: true });
  });

  it('fails with NoMatchingDocument (47) under required without changeStreamPreAndPostImages', async () => {
    const collection = await freshCollection(false);
    const stream = await streams.start(collection, [], { fullDocumentBeforeChange: 'required' });
    await collection.updateOne({ _id: 1 } as never, { $set: { v: 1 } });
    const error = await streamError(stream);
    expect(error).toMatchObject({ code: 47, codeName: 'NoMatchingDocument' });
  });

  it('records images only from the moment collMod enables them', async () => {
    const collection = await freshCollection(false);
    const stream = await streams.start(collection, [], {
      fullDocument: 'whenAvailable',
      fullDocumentBeforeChange: 'whenAvailable',
    });
    await collection.updateOne({ _id: 1 } as never, { $set: { v: 1 } });
    await backend.db.command({
      collMod: collection.collectionName,
      changeStreamPreAndPostImages: { enabled: true },
    });
    await collection.updateOne({ _id: 1 } as never, { $set: { v: 2 } });

    const [before, after] = await nextChanges(stream, 2);
    expect(before).toMatchObject({ fullDocument: null, fullDocumentBeforeChange: null });
    expect(after).toMatchObject({
      fullDocument: { _id: 1, v: 2 },
      fullDocumentBeforeChange: { _id: 1, v: 1 },
    });
  });
});
