import { Long } from 'bson';
import { MongoCommandError } from '../errors';
import { canonicalKey } from './bson-values';
import { CollectionState } from './collection-state';

function insert(coll: CollectionState, doc: Record<string, unknown>): void {
  const idKey = canonicalKey(doc._id);
  if (coll.docs.has(idKey)) throw coll.duplicateIdError(doc._id);
  coll.assertUnique(doc, idKey);
  coll.put(idKey, doc);
}

function duplicate(run: () => void): MongoCommandError | undefined {
  try {
    run();
  } catch (error) {
    return error as MongoCommandError;
  }
  return undefined;
}

describe(CollectionState.name, () => {
  it('treats numbers of different BSON widths as the same _id', () => {
    const coll = new CollectionState('db', 'c');
    insert(coll, { _id: 5 });
    expect(duplicate(() => insert(coll, { _id: Long.fromNumber(5) }))?.code).toBe(11000);
  });

  it('enforces a compound unique index with keyPattern and keyValue', () => {
    const coll = new CollectionState('db', 'c');
    coll.addIndex({ v: 2, key: { a: 1, b: 1 }, name: 'a_1_b_1', unique: true });
    insert(coll, { _id: 1, a: 1, b: 1 });
    insert(coll, { _id: 2, a: 1, b: 2 });
    const error = duplicate(() => insert(coll, { _id: 3, a: 1, b: 2 }));
    expect(error).toMatchObject({
      code: 11000,
      extra: { keyPattern: { a: 1, b: 1 }, keyValue: { a: 1, b: 2 } },
    });
    expect(error?.message).toMatch(
      /^E11000 duplicate key error collection: db\.c index: a_1_b_1 dup key: \{ a: 1, b: 2 \}/,
    );
  });

  it('does not confuse compound keys whose strings contain separators', () => {
    const coll = new CollectionState('db', 'c');
    coll.addIndex({ v: 2, key: { a: 1, b: 1 }, name: 'ab', unique: true });
    insert(coll, { _id: 1, a: 'x|sy', b: 'z' });
    expect(duplicate(() => insert(coll, { _id: 2, a: 'x', b: 'y|sz' }))).toBeUndefined();
  });

  it('indexes missing fields as null unless the index is sparse or partial', () => {
    const plain = new CollectionState('db', 'plain');
    plain.addIndex({ v: 2, key: { email: 1 }, name: 'email_1', unique: true });
    insert(plain, { _id: 1 });
    expect(duplicate(() => insert(plain, { _id: 2 }))?.code).toBe(11000);

    const sparse = new CollectionState('db', 'sparse');
    sparse.addIndex({ v: 2, key: { email: 1 }, name: 'email_1', unique: true, sparse: true });
    insert(sparse, { _id: 1 });
    insert(sparse, { _id: 2 });

    const partial = new CollectionState('db', 'partial');
    partial.addIndex({
      v: 2,
      key: { email: 1 },
      name: 'email_1',
      unique: true,
      partialFilterExpression: { active: true },
    });
    insert(partial, { _id: 1, email: 'a', active: false });
    insert(partial, { _id: 2, email: 'a', active: true });
    expect(duplicate(() => insert(partial, { _id: 3, email: 'a', active: true }))?.code).toBe(
      11000,
    );
  });

  it('indexes each element of an array (multikey)', () => {
    const coll = new CollectionState('db', 'c');
    coll.addIndex({ v: 2, key: { tags: 1 }, name: 'tags_1', unique: true });
    insert(coll, { _id: 1, tags: ['a', 'b'] });
    expect(duplicate(() => insert(coll, { _id: 2, tags: ['c', 'b'] }))?.code).toBe(11000);
  });

  it('frees a key when its document is updated or deleted', () => {
    const coll = new CollectionState('db', 'c');
    coll.addIndex({ v: 2, key: { k: 1 }, name: 'k_1', unique: true });
    const first = { _id: 1, k: 'x' };
    insert(coll, first);
    coll.put(canonicalKey(1), { _id: 1, k: 'y' }, first);
    insert(coll, { _id: 2, k: 'x' });
    coll.delete(canonicalKey(2));
    insert(coll, { _id: 3, k: 'x' });
  });

  it('refuses to build a unique index over existing duplicates', () => {
    const coll = new CollectionState('db', 'c');
    insert(coll, { _id: 1, k: 1 });
    insert(coll, { _id: 2, k: 1 });
    expect(
      duplicate(() => coll.addIndex({ v: 2, key: { k: 1 }, name: 'k_1', unique: true }))?.code,
    ).toBe(11000);
    expect(coll.indexes.map((index) => index.name)).toEqual(['_id_']);
  });
});
