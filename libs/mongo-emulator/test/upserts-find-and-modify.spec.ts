// Upserts through findAndModify (the reply's lastErrorObject and value, and the driver's
// findOneAndUpdate/findOneAndReplace), the change event an upsert produces, and an upsert inside
// a transaction. Update-command upserts: upserts.spec.ts.
import { ObjectId, type Collection, type Document } from 'mongodb';
import { StreamTracker, nextChange, nextChanges } from './support/change-streams';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('upserts_fam');
const streams = new StreamTracker();
let counter = 0;

function freshCollection(): Collection<Document> {
  counter += 1;
  return backend.db.collection(`ups_fam_${counter}`);
}

afterEach(async () => {
  await streams.closeAll();
});

describe('upsert through findAndModify', () => {
  it('replies lastErrorObject {n: 1, updatedExisting: false, upserted: _id} and value null', async () => {
    const collection = freshCollection();
    const reply = await backend.db.command({
      findAndModify: collection.collectionName,
      query: { sku: 'F-1', qty: { $lt: 10 } },
      update: { $inc: { qty: 1 } },
      upsert: true,
    });
    expect(reply).toMatchObject({
      ok: 1,
      lastErrorObject: { n: 1, updatedExisting: false, upserted: expect.any(ObjectId) },
      value: null,
    });
    const upserted = (reply.lastErrorObject as Document).upserted as ObjectId;
    await expect(collection.find({}).toArray()).resolves.toEqual([
      { _id: upserted, sku: 'F-1', qty: 1 },
    ]);

    const matched = await backend.db.command({
      findAndModify: collection.collectionName,
      query: { sku: 'F-1' },
      update: { $inc: { qty: 1 } },
      upsert: true,
      new: true,
    });
    expect(matched).toMatchObject({
      lastErrorObject: { n: 1, updatedExisting: true },
      value: { _id: upserted, sku: 'F-1', qty: 2 },
    });
    expect(matched.lastErrorObject).not.toHaveProperty('upserted');
  });

  it("returns the new document from findOneAndUpdate with returnDocument: 'after'", async () => {
    const collection = freshCollection();
    const created = await collection.findOneAndUpdate(
      { sku: 'F-2', 'meta.source': 'import' },
      { $set: { qty: 5 }, $setOnInsert: { createdBy: 'upsert' } },
      { upsert: true, returnDocument: 'after', projection: { createdBy: 0 } },
    );
    expect(created).toEqual({
      _id: expect.any(ObjectId),
      sku: 'F-2',
      meta: { source: 'import' },
      qty: 5,
    });
    await expect(collection.findOne({ _id: created!._id })).resolves.toMatchObject({
      createdBy: 'upsert',
    });

    const before = await collection.findOneAndUpdate(
      { sku: 'F-3' },
      { $set: { qty: 1 } },
      { upsert: true, includeResultMetadata: true },
    );
    expect(before).toMatchObject({
      ok: 1,
      value: null,
      lastErrorObject: { n: 1, updatedExisting: false, upserted: expect.any(ObjectId) },
    });
  });

  it('takes the _id from $setOnInsert and upserts replacements with the filter _id', async () => {
    const collection = freshCollection();
    const withSetOnInsert = await collection.findOneAndUpdate(
      { sku: 'F-4' },
      { $setOnInsert: { _id: 'f4' }, $set: { qty: 4 } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(withSetOnInsert).toEqual({ _id: 'f4', sku: 'F-4', qty: 4 });

    const replaced = await collection.findOneAndReplace(
      { _id: 'f5', sku: 'not copied' } as Document,
      { name: 'five' },
      { upsert: true, returnDocument: 'after' },
    );
    expect(replaced).toEqual({ _id: 'f5', name: 'five' });
  });
});

describe('upsert side effects', () => {
  it('emits an insert event with the full document for an upsert, and update once it matches', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 'seed' } as Document); // the stream needs the collection
    const stream = await streams.start(collection);
    const { upsertedId } = await collection.updateOne(
      { sku: 'E-1' },
      { $set: { qty: 1 } },
      { upsert: true },
    );
    const inserted = await nextChange(stream);
    expect(inserted).toMatchObject({
      operationType: 'insert',
      documentKey: { _id: upsertedId },
      fullDocument: { _id: upsertedId, sku: 'E-1', qty: 1 },
    });
    expect(inserted.fullDocument).toEqual({ _id: upsertedId, sku: 'E-1', qty: 1 });

    await collection.findOneAndUpdate({ sku: 'E-1' }, { $inc: { qty: 1 } }, { upsert: true });
    await collection.findOneAndUpdate({ sku: 'E-2' }, { $inc: { qty: 1 } }, { upsert: true });
    const [updated, second] = await nextChanges(stream, 2);
    expect(updated).toMatchObject({
      operationType: 'update',
      documentKey: { _id: upsertedId },
      updateDescription: { updatedFields: { qty: 2 }, removedFields: [] },
    });
    expect(second).toMatchObject({
      operationType: 'insert',
      fullDocument: { _id: expect.any(ObjectId), sku: 'E-2', qty: 1 },
    });
  });

  it('generates the _id of an upsert inside a transaction, visible after commit', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 'seed' } as Document);
    const session = backend.client.startSession();
    try {
      let upsertedId: unknown;
      await session.withTransaction(async () => {
        const result = await collection.updateOne(
          { sku: 'T-1' },
          { $set: { qty: 1 } },
          { upsert: true, session },
        );
        upsertedId = result.upsertedId;
        await expect(collection.countDocuments({ sku: 'T-1' })).resolves.toBe(0);
      });
      expect(upsertedId).toBeInstanceOf(ObjectId);
      await expect(collection.findOne({ sku: 'T-1' })).resolves.toEqual({
        _id: upsertedId,
        sku: 'T-1',
        qty: 1,
      });
    } finally {
      await session.endSession();
    }
  });
});
