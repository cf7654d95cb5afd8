// Upserts through the update command (updateOne/updateMany/replaceOne/bulkWrite), as MongoDB's
// manual describes them ("Upsert Behavior", $setOnInsert): the inserted document starts from the
// query's equality fields, gets the update applied, and an ObjectId _id unless the query or the
// update gives one; the reply reports it in `upserted: [{index, _id}]`.
// findAndModify, change events and transactions: upserts-find-and-modify.spec.ts.
import { ObjectId, type Collection, type Document } from 'mongodb';
import { useConformanceBackend } from './support/conformance-backend';
import { serverError } from './support/server-errors';

const backend = useConformanceBackend('upserts');
let counter = 0;

/** Test documents with _id and fields of any type (the driver's default assumes ObjectId). */
type AnyDocument = any;

function freshCollection(): Collection<AnyDocument> {
  counter += 1;
  return backend.db.collection(`ups_${counter}`);
}

/** The only document of `collection` (fails when there is not exactly one). */
async function onlyDocument(collection: Collection<AnyDocument>): Promise<Document> {
  const docs = await collection.find({}).toArray();
  expect(docs).toHaveLength(1);
  return docs[0];
}

describe('upsert through the update command', () => {
  it('generates an ObjectId _id when the filter has none and reports it', async () => {
    const collection = freshCollection();
    const result = await collection.updateOne(
      { sku: 'A-1' },
      { $set: { qty: 3 } },
      { upsert: true },
    );
    expect(result).toEqual({
      acknowledged: true,
      matchedCount: 0,
      modifiedCount: 0,
      upsertedCount: 1,
      upsertedId: expect.any(ObjectId),
    });
    await expect(onlyDocument(collection)).resolves.toEqual({
      _id: result.upsertedId,
      sku: 'A-1',
      qty: 3,
    });

    const again = await collection.updateOne(
      { sku: 'A-1' },
      { $set: { qty: 4 } },
      { upsert: true },
    );
    expect(again).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(again.upsertedId).toBeNull();
  });

  it('replies with n counting upserts and upserted: [{index, _id}] per inserting statement', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 'kept', k: 'old' });
    const reply = await backend.db.command({
      update: collection.collectionName,
      updates: [
        { q: { k: 'old' }, u: { $set: { seen: true } }, upsert: true },
        { q: { k: 'new' }, u: { $set: { seen: true } }, upsert: true },
        { q: { k: 'many' }, u: { $set: { seen: true } }, upsert: true, multi: true },
      ],
    });
    expect(reply).toMatchObject({ ok: 1, n: 3, nModified: 1 });
    expect(reply.upserted).toEqual([
      { index: 1, _id: expect.any(ObjectId) },
      { index: 2, _id: expect.any(ObjectId) },
    ]);
    // multi: true still inserts a single document.
    await expect(collection.countDocuments({ k: 'many' })).resolves.toBe(1);
  });

  it('copies equality fields (dotted, $eq, inside $and) but not other predicates', async () => {
    const collection = freshCollection();
    const { upsertedId } = await collection.updateOne(
      {
        'meta.kind': 'widget',
        status: { $eq: 'new' },
        $and: [{ region: 'eu' }, { tier: { $eq: 2 } }],
        qty: { $gt: 5 },
        name: /^wid/,
        tags: { $in: ['a', 'b'] },
        $or: [{ color: 'red' }, { color: 'blue' }],
        dims: { w: 1, h: 2 },
      },
      { $inc: { count: 1 } },
      { upsert: true },
    );
    await expect(onlyDocument(collection)).resolves.toEqual({
      _id: upsertedId,
      meta: { kind: 'widget' },
      status: 'new',
      region: 'eu',
      tier: 2,
      dims: { w: 1, h: 2 },
      count: 1,
    });
  });

  it('applies operators to the copied fields: $inc adds to a queried value, $push creates arrays', async () => {
    const collection = freshCollection();
    // Typed as a plain Document: the driver's PushOperator typing rejects fields of type any.
    const update: Document = {
      $inc: { hits: 2, misses: 1 },
      $push: { log: 'first' },
      $unset: { gone: '' },
    };
    await collection.updateOne({ _id: 'counter', hits: 5 }, update, { upsert: true });
    await expect(onlyDocument(collection)).resolves.toEqual({
      _id: 'counter',
      hits: 7,
      misses: 1,
      log: ['first'],
    });
  });

  it('applies $setOnInsert only when inserting', async () => {
    const collection = freshCollection();
    const update = { $set: { qty: 1 }, $setOnInsert: { createdBy: 'upsert' } };
    await collection.updateOne({ sku: 'S' }, update, { upsert: true });
    await collection.updateOne(
      { sku: 'S' },
      { ...update, $setOnInsert: { createdBy: 'again' } },
      {
        upsert: true,
      },
    );
    await expect(onlyDocument(collection)).resolves.toMatchObject({
      sku: 'S',
      qty: 1,
      createdBy: 'upsert',
    });
  });

  it('takes the _id from $setOnInsert or $set when the filter has none', async () => {
    const collection = freshCollection();
    const fromSetOnInsert = await collection.updateOne(
      { sku: 'X' },
      { $setOnInsert: { _id: 'custom-id' }, $set: { qty: 1 } },
      { upsert: true },
    );
    expect(fromSetOnInsert).toMatchObject({ upsertedCount: 1, upsertedId: 'custom-id' });
    const fromSet = await collection.updateOne(
      { sku: 'Y' },
      { $set: { _id: 'set-id', qty: 2 } },
      { upsert: true },
    );
    expect(fromSet).toMatchObject({ upsertedCount: 1, upsertedId: 'set-id' });
    await expect(collection.find({}).sort({ sku: 1 }).toArray()).resolves.toEqual([
      { _id: 'custom-id', sku: 'X', qty: 1 },
      { _id: 'set-id', sku: 'Y', qty: 2 },
    ]);

    // Matching the inserted document, $setOnInsert's _id is ignored.
    await expect(
      collection.updateOne(
        { sku: 'X' },
        { $setOnInsert: { _id: 'other' }, $set: { qty: 5 } },
        { upsert: true },
      ),
    ).resolves.toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
  });

  it('accepts $set of the same _id as a no-op and refuses a different one (66)', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 1, a: 1 });
    await expect(collection.updateOne({ _id: 1 }, { $set: { _id: 1 } })).resolves.toMatchObject({
      matchedCount: 1,
      modifiedCount: 0,
    });
    const upserted = await collection.updateOne(
      { _id: 2 },
      { $set: { _id: 2, a: 2 } },
      { upsert: true },
    );
    expect(upserted).toMatchObject({ upsertedCount: 1, upsertedId: 2 });

    const changed = await serverError(collection.updateOne({ _id: 1 }, { $set: { _id: 3 } }));
    expect(changed.code).toBe(66);
    // An upsert whose filter fixes _id cannot insert another one (SERVER-18076, by design).
    const conflicting = await serverError(
      collection.updateOne(
        { _id: 4 },
        { $setOnInsert: { _id: 5 }, $set: { a: 4 } },
        { upsert: true },
      ),
    );
    expect(conflicting.code).toBe(66);
    await expect(collection.countDocuments({})).resolves.toBe(2);
  });

  it('refuses $set and $setOnInsert of one path with ConflictingUpdateOperators (40), even on a match', async () => {
    const collection = freshCollection();
    const update = { $set: { a: 1 }, $setOnInsert: { a: 2 } };
    const onInsert = await serverError(collection.updateOne({ k: 1 }, update, { upsert: true }));
    expect(onInsert.code).toBe(40);
    await collection.insertOne({ k: 1 });
    const onMatch = await serverError(collection.updateOne({ k: 1 }, update, { upsert: true }));
    expect(onMatch.code).toBe(40);
  });

  it('inserts a replacement with the filter _id only, or a generated one', async () => {
    const collection = freshCollection();
    const withId = await collection.replaceOne(
      { _id: 7, kind: 'ignored' },
      { name: 'seven' },
      { upsert: true },
    );
    expect(withId).toMatchObject({ matchedCount: 0, upsertedCount: 1, upsertedId: 7 });
    const withoutId = await collection.replaceOne(
      { kind: 'ignored' },
      { name: 'generated' },
      { upsert: true },
    );
    expect(withoutId.upsertedId).toBeInstanceOf(ObjectId);
    const sameId = await collection.replaceOne(
      { _id: 8 },
      { _id: 8, name: 'eight' },
      { upsert: true },
    );
    expect(sameId).toMatchObject({ upsertedCount: 1, upsertedId: 8 });
    await expect(collection.find({}, { sort: { name: 1 } }).toArray()).resolves.toEqual([
      { _id: 8, name: 'eight' },
      { _id: withoutId.upsertedId, name: 'generated' },
      { _id: 7, name: 'seven' },
    ]);
  });

  it('refuses a replacement upsert whose _id differs from the filter _id (66)', async () => {
    const collection = freshCollection();
    const error = await serverError(
      collection.replaceOne(
        { _id: 1 },
        { _id: 2, a: 1 },
        {
          upsert: true,
        },
      ),
    );
    expect(error.code).toBe(66);
    await expect(collection.countDocuments({})).resolves.toBe(0);
  });

  it('runs a pipeline update on the copied equality fields', async () => {
    const collection = freshCollection();
    const { upsertedId } = await collection.updateOne(
      { sku: 'P', qty: 4 },
      [{ $set: { double: { $multiply: ['$qty', 2] } } }],
      { upsert: true },
    );
    await expect(onlyDocument(collection)).resolves.toEqual({
      _id: upsertedId,
      sku: 'P',
      qty: 4,
      double: 8,
    });
  });

  it('uses arrayFilters on an array copied from the filter and fails without one (2)', async () => {
    const collection = freshCollection();
    await collection.updateOne(
      { grades: [{ score: 40 }, { score: 80 }] },
      { $set: { 'grades.$[high].passed': true } },
      { upsert: true, arrayFilters: [{ 'high.score': { $gte: 60 } }] },
    );
    await expect(onlyDocument(collection)).resolves.toMatchObject({
      grades: [{ score: 40 }, { score: 80, passed: true }],
    });

    const missing = await serverError(
      collection.updateOne(
        { name: 'no-array' },
        { $set: { 'grades.$[high].passed': true } },
        { upsert: true, arrayFilters: [{ 'high.score': { $gte: 60 } }] },
      ),
    );
    expect(missing.code).toBe(2);
    await expect(collection.countDocuments({})).resolves.toBe(1);
  });
});
