import { ObjectId } from 'bson';
import { MongoCommandError } from '../errors';
import { applyUpdate } from './update-engine';
import { buildUpsertDocument } from './upsert-document';

function codeOf(run: () => unknown): number | undefined {
  try {
    run();
  } catch (error) {
    return (error as MongoCommandError).code;
  }
  return undefined;
}

describe('applyUpdate', () => {
  it('applies operators to a copy and describes the change', () => {
    const before = { _id: 1, a: 1, nested: { x: 1, y: 2 }, gone: true };
    const outcome = applyUpdate(before, { $set: { a: 2, 'nested.x': 5 }, $unset: { gone: '' } });
    expect(outcome).toMatchObject({
      kind: 'update',
      changed: true,
      doc: { _id: 1, a: 2, nested: { x: 5, y: 2 } },
      description: {
        updatedFields: { a: 2, 'nested.x': 5 },
        removedFields: ['gone'],
        truncatedArrays: [],
      },
    });
    expect(before).toEqual({ _id: 1, a: 1, nested: { x: 1, y: 2 }, gone: true });
  });

  it('reports no change when the values are already set (no event, nModified 0)', () => {
    expect(applyUpdate({ _id: 1, a: 1 }, { $set: { a: 1 } }).changed).toBe(false);
  });

  it('keeps _id and reports a replacement as replace', () => {
    const outcome = applyUpdate({ _id: 1, a: 1 }, { b: 2 });
    expect(outcome).toMatchObject({ kind: 'replace', changed: true, doc: { _id: 1, b: 2 } });
  });

  it('refuses to change _id with ImmutableField (66)', () => {
    expect(codeOf(() => applyUpdate({ _id: 1 }, { $set: { _id: 2 } }))).toBe(66);
    expect(codeOf(() => applyUpdate({ _id: 1 }, { _id: 2, a: 1 }))).toBe(66);
  });

  it('accepts $set of the unchanged _id as a no-op', () => {
    expect(applyUpdate({ _id: 1, a: 1 }, { $set: { _id: 1 } }).changed).toBe(false);
  });

  it('reports operators writing one path or a parent path as ConflictingUpdateOperators (40)', () => {
    expect(codeOf(() => applyUpdate({ _id: 1 }, { $set: { a: 1 }, $setOnInsert: { a: 2 } }))).toBe(
      40,
    );
    expect(codeOf(() => applyUpdate({ _id: 1 }, { $set: { 'a.b': 1 }, $unset: { a: '' } }))).toBe(
      40,
    );
    expect(codeOf(() => applyUpdate({ _id: 1 }, { $rename: { a: 'b' }, $set: { b: 1 } }))).toBe(40);
    expect(applyUpdate({ _id: 1 }, { $set: { 'a.b': 1, 'a.c': 2 } }).doc).toEqual({
      _id: 1,
      a: { b: 1, c: 2 },
    });
  });

  it('rejects unknown modifiers with FailedToParse (9)', () => {
    expect(codeOf(() => applyUpdate({ _id: 1 }, { $bogus: { a: 1 } }))).toBe(9);
  });

  it('rejects $inc on a non-number with TypeMismatch (14)', () => {
    expect(codeOf(() => applyUpdate({ _id: 1, a: 'text' }, { $inc: { a: 1 } }))).toBe(14);
  });

  it('diffs pipeline updates structurally, including truncated arrays', () => {
    const outcome = applyUpdate({ _id: 1, arr: [1, 2, 3], keep: 1 }, [
      { $set: { arr: { $slice: ['$arr', 2] }, added: 'x' } },
    ]);
    expect(outcome.description).toEqual({
      updatedFields: { added: 'x' },
      removedFields: [],
      truncatedArrays: [{ field: 'arr', newSize: 2 }],
    });
  });

  it('updates array elements chosen by arrayFilters', () => {
    const outcome = applyUpdate(
      { _id: 1, items: [{ v: 1 }, { v: 2 }] },
      { $set: { 'items.$[big].v': 9 } },
      { arrayFilters: [{ 'big.v': { $gt: 1 } }] },
    );
    expect(outcome.doc.items).toEqual([{ v: 1 }, { v: 9 }]);
  });
});

describe('buildUpsertDocument', () => {
  it('seeds the document from query equalities and applies $setOnInsert', () => {
    const { doc } = buildUpsertDocument(
      { name: 'a', n: { $gt: 1 }, $and: [{ team: 'x' }] },
      { $set: { v: 1 }, $setOnInsert: { created: true } },
    );
    expect(doc).toMatchObject({ name: 'a', team: 'x', v: 1, created: true });
    expect(doc).not.toHaveProperty('n');
  });

  it('generates an ObjectId _id when neither the query nor the update gives one', () => {
    const { doc } = buildUpsertDocument({ 'a.b': 1 }, { $inc: { n: 1 } });
    expect(Object.keys(doc)[0]).toBe('_id');
    expect(doc).toEqual({ _id: expect.any(ObjectId), a: { b: 1 }, n: 1 });
  });

  it('takes the _id from $setOnInsert and puts it first', () => {
    const { doc } = buildUpsertDocument({ k: 1 }, { $set: { v: 1 }, $setOnInsert: { _id: 'x' } });
    expect(Object.keys(doc)).toEqual(['_id', 'k', 'v']);
    expect(doc._id).toBe('x');
  });

  it('refuses a query that fixes a path and its parent or one path twice (54)', () => {
    expect(codeOf(() => buildUpsertDocument({ a: 1, 'a.b': 2 }, { $set: { c: 1 } }))).toBe(54);
    expect(codeOf(() => buildUpsertDocument({ a: 1, $and: [{ a: 1 }] }, { $set: { c: 1 } }))).toBe(
      54,
    );
  });

  it('takes the _id of the query for a replacement upsert', () => {
    const id = new ObjectId();
    expect(buildUpsertDocument({ _id: id }, { a: 1 }).doc).toEqual({ a: 1, _id: id });
  });
});
