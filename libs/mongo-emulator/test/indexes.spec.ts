// Index commands: createIndexes (unique, compound unique and TTL indexes enforced),
// listIndexes and dropIndexes.
import type { Document } from 'mongodb';
import { useConformanceBackend } from './support/conformance-backend';
import { expectErrorReply, serverError } from './support/server-errors';
import { waitFor } from './support/wait';

const backend = useConformanceBackend('idx');

/** MongoDB's TTL monitor runs every 60 s by default; the emulator is expected to be faster. */
const TTL_DEADLINE_MS = backend.isEmulator ? 15_000 : 75_000;

async function rawInsert(
  collection: string,
  documents: Document[],
  ordered = true,
): Promise<Document> {
  return backend.db.command({ insert: collection, documents, ordered });
}

describe('index commands', () => {
  it('creates indexes and reports the counts before and after', async () => {
    const created = await backend.db.command({
      createIndexes: 'idx_counts',
      indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }],
    });
    expect(created).toMatchObject({
      ok: 1,
      numIndexesBefore: 1,
      numIndexesAfter: 2,
      createdCollectionAutomatically: true,
    });

    const again = await backend.db.command({
      createIndexes: 'idx_counts',
      indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }],
    });
    expect(again).toMatchObject({ ok: 1, numIndexesBefore: 2, numIndexesAfter: 2 });
  });

  it('lists indexes with their key, name and options', async () => {
    const collection = backend.db.collection('idx_list');
    await collection.createIndex({ email: 1 }, { unique: true });
    await collection.createIndex({ tenant: 1, createdAt: -1 }, { name: 'tenant_recent' });
    await collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 30 });

    const reply = await backend.db.command({ listIndexes: 'idx_list' });
    expect(reply).toMatchObject({
      ok: 1,
      cursor: { id: 0, ns: `${backend.dbName}.$cmd.listIndexes.idx_list` },
    });
    const byName = (name: string) =>
      (reply.cursor.firstBatch as Document[]).find((index) => index.name === name);
    expect(reply.cursor.firstBatch).toHaveLength(4);
    expect(byName('_id_')).toEqual({ v: 2, key: { _id: 1 }, name: '_id_' });
    expect(byName('email_1')).toEqual({ v: 2, key: { email: 1 }, name: 'email_1', unique: true });
    expect(byName('tenant_recent')).toEqual({
      v: 2,
      key: { tenant: 1, createdAt: -1 },
      name: 'tenant_recent',
    });
    expect(byName('expiresAt_1')).toEqual({
      v: 2,
      key: { expiresAt: 1 },
      name: 'expiresAt_1',
      expireAfterSeconds: 30,
    });
  });

  it('enforces a unique index on insert, reporting keyPattern and keyValue', async () => {
    await backend.db.collection('idx_unique').createIndex({ email: 1 }, { unique: true });
    await rawInsert('idx_unique', [{ _id: 1, email: 'a@example.com' }]);

    const reply = await rawInsert('idx_unique', [{ _id: 2, email: 'a@example.com' }]);
    expect(reply).toMatchObject({ ok: 1, n: 0 });
    expect(reply.writeErrors).toEqual([
      {
        index: 0,
        code: 11000,
        errmsg: expect.stringMatching(
          new RegExp(
            `^E11000 duplicate key error collection: ${backend.dbName}\\.idx_unique index: email_1 dup key: `,
          ),
        ),
        keyPattern: { email: 1 },
        keyValue: { email: 'a@example.com' },
      },
    ]);
  });

  it('treats a missing field as null in a unique index', async () => {
    await backend.db.collection('idx_null').createIndex({ email: 1 }, { unique: true });
    await rawInsert('idx_null', [{ _id: 1 }]);
    const reply = await rawInsert('idx_null', [{ _id: 2 }]);
    expect(reply.writeErrors).toEqual([
      expect.objectContaining({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: null } }),
    ]);
  });

  it('enforces a compound unique index on the combination of fields only', async () => {
    await backend.db
      .collection('idx_compound')
      .createIndex({ tenant: 1, sku: 1 }, { unique: true });
    const first = await rawInsert('idx_compound', [
      { _id: 1, tenant: 't1', sku: 'x' },
      { _id: 2, tenant: 't2', sku: 'x' },
      { _id: 3, tenant: 't1', sku: 'y' },
    ]);
    expect(first).toMatchObject({ ok: 1, n: 3 });
    expect(first.writeErrors).toBeUndefined();

    const duplicate = await rawInsert('idx_compound', [{ _id: 4, tenant: 't1', sku: 'x' }]);
    expect(duplicate.writeErrors).toEqual([
      expect.objectContaining({
        index: 0,
        code: 11000,
        keyPattern: { tenant: 1, sku: 1 },
        keyValue: { tenant: 't1', sku: 'x' },
      }),
    ]);
  });

  it('enforces a unique index on updates too', async () => {
    const collection = backend.db.collection('idx_update');
    await collection.createIndex({ email: 1 }, { unique: true });
    await collection.insertMany([
      { _id: 1, email: 'a@example.com' },
      { _id: 2, email: 'b@example.com' },
    ] as never[]);
    const reply = await backend.db.command({
      update: 'idx_update',
      updates: [{ q: { _id: 2 }, u: { $set: { email: 'a@example.com' } } }],
    });
    expect(reply).toMatchObject({ ok: 1, n: 0, nModified: 0 });
    expect(reply.writeErrors).toEqual([
      expect.objectContaining({ index: 0, code: 11000, keyValue: { email: 'a@example.com' } }),
    ]);
    await expect(collection.findOne({ _id: 2 } as never)).resolves.toEqual({
      _id: 2,
      email: 'b@example.com',
    });
  });

  it('refuses to build a unique index over existing duplicates', async () => {
    await rawInsert('idx_build', [
      { _id: 1, email: 'same' },
      { _id: 2, email: 'same' },
    ]);
    const error = await serverError(
      backend.db.command({
        createIndexes: 'idx_build',
        indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }],
      }),
    );
    expectErrorReply(error, { code: 11000, codeName: 'DuplicateKey' });
    const names = (await backend.db.collection('idx_build').listIndexes().toArray()).map(
      (i) => i.name,
    );
    expect(names).toEqual(['_id_']);
  });

  it('drops an index by name, after which it no longer constrains writes', async () => {
    const collection = backend.db.collection('idx_drop');
    await collection.createIndex({ email: 1 }, { unique: true });
    await collection.createIndex({ sku: 1 });

    await expect(
      backend.db.command({ dropIndexes: 'idx_drop', index: 'email_1' }),
    ).resolves.toMatchObject({
      ok: 1,
      nIndexesWas: 3,
    });
    const reply = await rawInsert('idx_drop', [
      { _id: 1, email: 'same' },
      { _id: 2, email: 'same' },
    ]);
    expect(reply).toMatchObject({ ok: 1, n: 2 });

    await expect(
      backend.db.command({ dropIndexes: 'idx_drop', index: '*' }),
    ).resolves.toMatchObject({
      ok: 1,
      nIndexesWas: 2,
    });
    const names = (await collection.listIndexes().toArray()).map((index) => index.name);
    expect(names).toEqual(['_id_']);
  });

  it('fails to drop an unknown index with IndexNotFound (27) and on a missing collection with 26', async () => {
    await backend.db.collection('idx_missing').insertOne({ _id: 1 } as never);
    const unknownIndex = await serverError(
      backend.db.command({ dropIndexes: 'idx_missing', index: 'nope_1' }),
    );
    expectErrorReply(unknownIndex, { code: 27, codeName: 'IndexNotFound' });

    const missingCollection = await serverError(
      backend.db.command({ dropIndexes: 'never_created', index: '*' }),
    );
    expectErrorReply(missingCollection, { code: 26, codeName: 'NamespaceNotFound' });

    const listMissing = await serverError(backend.db.command({ listIndexes: 'never_created' }));
    expectErrorReply(listMissing, { code: 26, codeName: 'NamespaceNotFound' });
  });

  it(
    'expires documents through a TTL index',
    async () => {
      const collection = backend.db.collection('idx_ttl');
      await collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
      const now = Date.now();
      await collection.insertMany([
        { _id: 'expired', expiresAt: new Date(now - 60_000) },
        { _id: 'future', expiresAt: new Date(now + 3_600_000) },
        { _id: 'not-a-date', expiresAt: 'tomorrow' },
        { _id: 'no-field' },
      ] as never[]);

      await waitFor(
        async () => (await collection.countDocuments({ _id: 'expired' } as never)) === 0,
        {
          timeoutMs: TTL_DEADLINE_MS,
          description: 'the TTL monitor to delete the expired document',
          intervalMs: 100,
        },
      );
      const left = await collection
        .find({}, { sort: { _id: 1 }, projection: { _id: 1 } })
        .toArray();
      expect(left).toEqual([{ _id: 'future' }, { _id: 'no-field' }, { _id: 'not-a-date' }]);
    },
    TTL_DEADLINE_MS + 10_000,
  );

  it(
    'expires documents written after a TTL pass with dates earlier than any it had seen',
    async () => {
      const collection = backend.db.collection('idx_ttl_later');
      await collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
      const now = Date.now();
      await collection.insertMany([
        { _id: 'expired', expiresAt: new Date(now - 60_000) },
        { _id: 'future', expiresAt: new Date(now + 3_600_000) },
        { _id: 'updated', expiresAt: new Date(now + 3_600_000) },
      ] as never[]);
      // A pass has run (it removed 'expired'); 'future' is the earliest date it saw.
      await waitFor(
        async () => (await collection.countDocuments({ _id: 'expired' } as never)) === 0,
        { timeoutMs: TTL_DEADLINE_MS, description: 'the first TTL pass', intervalMs: 100 },
      );
      await collection.insertOne({ _id: 'late', expiresAt: new Date(now - 1_000) } as never);
      await collection.updateOne({ _id: 'updated' } as never, {
        $set: { expiresAt: [new Date(now + 7_200_000), new Date(now - 1_000)] },
      });

      await waitFor(async () => (await collection.countDocuments({})) === 1, {
        timeoutMs: TTL_DEADLINE_MS,
        description: 'the TTL monitor to delete the documents written after its pass',
        intervalMs: 100,
      });
      expect(await collection.find({}, { projection: { _id: 1 } }).toArray()).toEqual([
        { _id: 'future' },
      ]);
    },
    2 * TTL_DEADLINE_MS + 10_000,
  );
});
