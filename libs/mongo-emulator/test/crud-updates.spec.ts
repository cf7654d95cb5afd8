// The update command: operators, positional and arrayFilters updates, replacement, multi,
// upsert and pipeline updates, with MongoDB's reply shape ({n, nModified, upserted}).
import type { Document } from 'mongodb';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('updates');

async function run(command: Document): Promise<Document> {
  return backend.db.command(command);
}

describe('update', () => {
  beforeEach(async () => {
    await backend.db.collection('upd').deleteMany({});
    await backend.db.collection('upd').insertMany([
      { _id: 1, qty: 5, tags: ['a'], note: 'x', grades: [{ score: 40 }, { score: 80 }] },
      { _id: 2, qty: 10, tags: ['b'] },
      { _id: 3, qty: 15, tags: [] },
    ] as never[]);
  });

  it('applies update operators and reports n and nModified', async () => {
    const reply = await run({
      update: 'upd',
      updates: [
        {
          q: { _id: 1 },
          u: {
            $set: { 'meta.by': 'test' },
            $inc: { qty: 2 },
            $unset: { note: '' },
            $push: { tags: 'c' },
            $addToSet: { labels: 'new' },
            $min: { low: 3 },
            $max: { high: 9 },
            $mul: { factor: 4 },
            $rename: { grades: 'scores' },
          },
        },
      ],
    });
    expect(reply).toMatchObject({ ok: 1, n: 1, nModified: 1 });
    await expect(backend.db.collection('upd').findOne({ _id: 1 } as never)).resolves.toEqual({
      _id: 1,
      qty: 7,
      tags: ['a', 'c'],
      meta: { by: 'test' },
      labels: ['new'],
      low: 3,
      high: 9,
      factor: 0,
      scores: [{ score: 40 }, { score: 80 }],
    });
  });

  it('counts a matched but unchanged document in n but not nModified', async () => {
    const reply = await run({
      update: 'upd',
      updates: [{ q: { _id: 2 }, u: { $set: { qty: 10 } } }],
    });
    expect(reply).toMatchObject({ ok: 1, n: 1, nModified: 0 });
  });

  it('pulls from arrays and updates the positional $ element', async () => {
    await run({
      update: 'upd',
      updates: [{ q: { _id: 1, 'grades.score': 80 }, u: { $set: { 'grades.$.score': 85 } } }],
    });
    await run({ update: 'upd', updates: [{ q: { _id: 1 }, u: { $pull: { tags: 'a' } } }] });
    await expect(backend.db.collection('upd').findOne({ _id: 1 } as never)).resolves.toMatchObject({
      tags: [],
      grades: [{ score: 40 }, { score: 85 }],
    });
  });

  it('updates only the array elements selected by arrayFilters', async () => {
    const reply = await run({
      update: 'upd',
      updates: [
        {
          q: { _id: 1 },
          u: { $set: { 'grades.$[g].passed': true } },
          arrayFilters: [{ 'g.score': { $gte: 60 } }],
        },
      ],
    });
    expect(reply).toMatchObject({ n: 1, nModified: 1 });
    await expect(backend.db.collection('upd').findOne({ _id: 1 } as never)).resolves.toMatchObject({
      grades: [{ score: 40 }, { score: 80, passed: true }],
    });
  });

  it('replaces a whole document, keeping its _id', async () => {
    const reply = await run({ update: 'upd', updates: [{ q: { _id: 2 }, u: { fresh: true } }] });
    expect(reply).toMatchObject({ ok: 1, n: 1, nModified: 1 });
    await expect(backend.db.collection('upd').findOne({ _id: 2 } as never)).resolves.toEqual({
      _id: 2,
      fresh: true,
    });
  });

  it('updates every match with multi: true and only the first without it', async () => {
    await expect(
      run({ update: 'upd', updates: [{ q: { qty: { $gte: 5 } }, u: { $inc: { qty: 1 } } }] }),
    ).resolves.toMatchObject({ n: 1, nModified: 1 });
    await expect(
      run({
        update: 'upd',
        updates: [{ q: { qty: { $gte: 5 } }, u: { $inc: { qty: 100 } }, multi: true }],
      }),
    ).resolves.toMatchObject({ n: 3, nModified: 3 });
  });

  it('upserts with $setOnInsert and the equality fields of the query, reporting upserted', async () => {
    const reply = await run({
      update: 'upd',
      updates: [
        { q: { _id: 2 }, u: { $set: { seen: true } }, upsert: true },
        {
          q: { _id: 9, kind: 'new' },
          u: { $set: { qty: 1 }, $setOnInsert: { created: 'now' } },
          upsert: true,
        },
      ],
    });
    expect(reply).toMatchObject({ ok: 1, n: 2, nModified: 1, upserted: [{ index: 1, _id: 9 }] });
    await expect(backend.db.collection('upd').findOne({ _id: 9 } as never)).resolves.toEqual({
      _id: 9,
      kind: 'new',
      qty: 1,
      created: 'now',
    });
  });

  it('applies a pipeline update', async () => {
    await run({
      update: 'upd',
      updates: [{ q: { _id: 3 }, u: [{ $set: { double: { $multiply: ['$qty', 2] } } }] }],
    });
    await expect(backend.db.collection('upd').findOne({ _id: 3 } as never)).resolves.toMatchObject({
      double: 30,
    });
  });
});
