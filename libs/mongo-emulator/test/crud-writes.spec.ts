// Write commands: insert (ordered/unordered with writeErrors), delete and findAndModify, with
// MongoDB's reply shapes. Updates: crud-updates.spec.ts.
import { MongoBulkWriteError, ObjectId, type Document } from 'mongodb';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('writes');

async function run(command: Document): Promise<Document> {
  return backend.db.command(command);
}

async function contents(collection: string): Promise<Document[]> {
  return backend.db.collection(collection).find().sort({ _id: 1 }).toArray();
}

describe('insert', () => {
  it('inserts documents and reports n', async () => {
    await expect(
      run({ insert: 'ins', documents: [{ _id: 1 }, { _id: 2 }] }),
    ).resolves.toMatchObject({
      ok: 1,
      n: 2,
    });
    await expect(contents('ins')).resolves.toEqual([{ _id: 1 }, { _id: 2 }]);
  });

  it('generates an ObjectId _id when the driver sends none', async () => {
    const collection = backend.db.collection('ins_oid');
    const result = await collection.insertOne({ name: 'x' });
    expect(result.insertedId).toBeInstanceOf(ObjectId);
    await expect(collection.findOne({ _id: result.insertedId })).resolves.toEqual({
      _id: result.insertedId,
      name: 'x',
    });
  });

  it('stops an ordered insert at the first error', async () => {
    const reply = await run({
      insert: 'ins_ordered',
      documents: [{ _id: 1 }, { _id: 1 }, { _id: 2 }],
      ordered: true,
    });
    expect(reply).toMatchObject({ ok: 1, n: 1 });
    expect(reply.writeErrors).toEqual([
      expect.objectContaining({
        index: 1,
        code: 11000,
        keyPattern: { _id: 1 },
        keyValue: { _id: 1 },
      }),
    ]);
    await expect(contents('ins_ordered')).resolves.toEqual([{ _id: 1 }]);
  });

  it('continues an unordered insert past errors and reports each one', async () => {
    const reply = await run({
      insert: 'ins_unordered',
      documents: [{ _id: 1 }, { _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }],
      ordered: false,
    });
    expect(reply).toMatchObject({ ok: 1, n: 3 });
    expect(reply.writeErrors).toEqual([
      expect.objectContaining({ index: 1, code: 11000, keyValue: { _id: 1 } }),
      expect.objectContaining({ index: 3, code: 11000, keyValue: { _id: 2 } }),
    ]);
    await expect(contents('ins_unordered')).resolves.toEqual([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
  });

  it('surfaces write errors through the driver as MongoBulkWriteError', async () => {
    const collection = backend.db.collection('ins_bulk');
    const error: unknown = await collection
      .insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }] as never[], { ordered: false })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulkError = error as MongoBulkWriteError;
    expect(bulkError.code).toBe(11000);
    expect(bulkError.insertedCount).toBe(2);
    expect(bulkError.writeErrors).toHaveLength(1);
  });
});

describe('delete', () => {
  it('deletes one match with limit 1 and all matches with limit 0', async () => {
    await backend.db.collection('del').insertMany([
      { _id: 1, k: 'a' },
      { _id: 2, k: 'a' },
      { _id: 3, k: 'b' },
      { _id: 4, k: 'b' },
    ] as never[]);
    const reply = await run({
      delete: 'del',
      deletes: [
        { q: { k: 'a' }, limit: 1 },
        { q: { k: 'b' }, limit: 0 },
      ],
    });
    expect(reply).toMatchObject({ ok: 1, n: 3 });
    await expect(contents('del')).resolves.toHaveLength(1);
  });
});

describe('findAndModify', () => {
  beforeEach(async () => {
    await backend.db.collection('fam').deleteMany({});
    await backend.db.collection('fam').insertMany([
      { _id: 1, qty: 1, state: 'new' },
      { _id: 2, qty: 2, state: 'new' },
    ] as never[]);
  });

  it('returns the document before the update by default, with lastErrorObject', async () => {
    const reply = await run({
      findAndModify: 'fam',
      query: { state: 'new' },
      sort: { qty: -1 },
      update: { $set: { state: 'taken' } },
    });
    expect(reply).toMatchObject({
      ok: 1,
      value: { _id: 2, qty: 2, state: 'new' },
      lastErrorObject: { n: 1, updatedExisting: true },
    });
  });

  it('returns the new document with new: true and applies fields projection', async () => {
    const reply = await run({
      findAndModify: 'fam',
      query: { _id: 1 },
      update: { $inc: { qty: 10 } },
      new: true,
      fields: { qty: 1 },
    });
    expect(reply.value).toEqual({ _id: 1, qty: 11 });
  });

  it('upserts and reports the upserted _id', async () => {
    const reply = await run({
      findAndModify: 'fam',
      query: { _id: 7 },
      update: { $set: { state: 'made' } },
      upsert: true,
      new: true,
    });
    expect(reply).toMatchObject({
      value: { _id: 7, state: 'made' },
      lastErrorObject: { n: 1, updatedExisting: false, upserted: 7 },
    });
  });

  it('removes and returns the removed document', async () => {
    const reply = await run({ findAndModify: 'fam', query: { _id: 1 }, remove: true });
    expect(reply).toMatchObject({
      value: { _id: 1, qty: 1, state: 'new' },
      lastErrorObject: { n: 1 },
    });
    await expect(contents('fam')).resolves.toEqual([{ _id: 2, qty: 2, state: 'new' }]);
  });

  it('returns value null when nothing matches', async () => {
    const reply = await run({
      findAndModify: 'fam',
      query: { _id: 99 },
      update: { $set: { x: 1 } },
    });
    expect(reply).toMatchObject({
      ok: 1,
      value: null,
      lastErrorObject: { n: 0, updatedExisting: false },
    });
  });

  it('is what the driver findOneAndUpdate uses', async () => {
    const updated = await backend.db
      .collection('fam')
      .findOneAndUpdate({ _id: 2 } as never, { $inc: { qty: 1 } }, { returnDocument: 'after' });
    expect(updated).toEqual({ _id: 2, qty: 3, state: 'new' });
  });
});
