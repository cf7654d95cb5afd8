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

describe('the 16 MiB document limit', () => {
  const MAX = 16 * 1024 * 1024;
  /** `{_id, pad}` whose BSON size is exactly `bytes`. */
  const docOfSize = (id: number, bytes: number): Document => ({
    _id: id,
    // 4 (length) + 1 (end) + _id as int32 (1 + 4 + 4) + pad's type, name, length and NUL (10).
    pad: 'x'.repeat(bytes - 24),
  });

  it('stores a document of exactly 16 MiB and refuses one byte more', async () => {
    await expect(
      run({ insert: 'limit_ins', documents: [docOfSize(1, MAX)] }),
    ).resolves.toMatchObject({ ok: 1, n: 1 });
    const reply = await run({ insert: 'limit_ins', documents: [docOfSize(2, MAX + 1)] });
    expect(reply).toMatchObject({ ok: 1, n: 0 });
    expect(reply.writeErrors).toEqual([
      expect.objectContaining({
        index: 0,
        code: 2,
        errmsg: expect.stringContaining('object to insert too large') as unknown,
      }),
    ]);
    const ids = await backend.db
      .collection('limit_ins')
      .find({}, { projection: { _id: 1 } })
      .toArray();
    expect(ids).toEqual([{ _id: 1 }]);
  });

  it('refuses an update whose result would pass 16 MiB and leaves the document as it was', async () => {
    const collection = backend.db.collection<{ _id: number; a: string; b?: string }>('limit_upd');
    await collection.insertOne({ _id: 1, a: 'a'.repeat(10 * 1024 * 1024) });
    const error = (await collection
      .updateOne({ _id: 1 }, { $set: { b: 'b'.repeat(7 * 1024 * 1024) } })
      .catch((caught: unknown) => caught)) as { code?: unknown; message?: string };
    // 10334 BSONObjectTooLarge (17419 before MongoDB 5.0).
    expect([10334, 17419]).toContain(error.code);
    expect(error.message).toContain('Resulting document after update is larger than 16777216');
    const stored = await collection.findOne({ _id: 1 });
    expect(stored?.b).toBeUndefined();
    expect(stored?.a.length).toBe(10 * 1024 * 1024);
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
