// Collection lifecycle commands: create, listCollections, collMod, drop, dropDatabase and
// renameCollection, with the reply shapes MongoDB documents.
import { Binary, type Document } from 'mongodb';
import { useConformanceBackend } from './support/conformance-backend';
import { expectErrorReply, serverError } from './support/server-errors';

const backend = useConformanceBackend('colls');

async function collectionInfo(name: string): Promise<Document | undefined> {
  const [info] = await backend.db.listCollections({ name }).toArray();
  return info;
}

describe('collection commands', () => {
  it('creates a collection with changeStreamPreAndPostImages and lists it with its options', async () => {
    await expect(
      backend.db.command({
        create: 'with_images',
        changeStreamPreAndPostImages: { enabled: true },
      }),
    ).resolves.toMatchObject({ ok: 1 });

    const info = await collectionInfo('with_images');
    expect(info).toEqual({
      name: 'with_images',
      type: 'collection',
      options: { changeStreamPreAndPostImages: { enabled: true } },
      info: { readOnly: false, uuid: expect.any(Binary) },
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    });
    expect((info?.info.uuid as Binary).sub_type).toBe(Binary.SUBTYPE_UUID);
  });

  it('lists collections through a cursor reply, with filter and nameOnly', async () => {
    await backend.db.createCollection('listed_a');
    await backend.db.createCollection('listed_b');

    const reply = await backend.db.command({
      listCollections: 1,
      filter: { name: { $in: ['listed_a', 'listed_b'] } },
      nameOnly: true,
    });
    expect(reply).toMatchObject({
      ok: 1,
      cursor: { id: 0, ns: `${backend.dbName}.$cmd.listCollections` },
    });
    const entries = reply.cursor.firstBatch as Document[];
    expect(entries).toHaveLength(2);
    expect(entries).toEqual(
      expect.arrayContaining([
        { name: 'listed_a', type: 'collection' },
        { name: 'listed_b', type: 'collection' },
      ]),
    );
  });

  it('creates a collection implicitly on first insert', async () => {
    await backend.db.collection('implicit').insertOne({ _id: 1 } as never);
    await expect(collectionInfo('implicit')).resolves.toMatchObject({
      name: 'implicit',
      type: 'collection',
      options: {},
    });
  });

  it('enables pre- and post-images on an existing collection with collMod', async () => {
    await backend.db.createCollection('modded');
    await expect(
      backend.db.command({ collMod: 'modded', changeStreamPreAndPostImages: { enabled: true } }),
    ).resolves.toMatchObject({ ok: 1 });
    await expect(collectionInfo('modded')).resolves.toMatchObject({
      options: { changeStreamPreAndPostImages: { enabled: true } },
    });
  });

  it('changes a TTL index expiry with collMod and reports old and new values', async () => {
    const collection = backend.db.collection('ttl_mod');
    await collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 3600 });
    const reply = await backend.db.command({
      collMod: 'ttl_mod',
      index: { keyPattern: { expiresAt: 1 }, expireAfterSeconds: 60 },
    });
    expect(reply).toMatchObject({
      ok: 1,
      expireAfterSeconds_old: 3600,
      expireAfterSeconds_new: 60,
    });
    const indexes = await collection.listIndexes().toArray();
    expect(indexes.find((index) => index.name === 'expiresAt_1')).toMatchObject({
      expireAfterSeconds: 60,
    });
  });

  it('drops a collection and reports how many indexes it had', async () => {
    const collection = backend.db.collection('dropped');
    await collection.insertOne({ _id: 1, sku: 'a' } as never);
    await collection.createIndex({ sku: 1 });

    const reply = await backend.db.command({ drop: 'dropped' });
    expect(reply).toMatchObject({ ok: 1, nIndexesWas: 2, ns: `${backend.dbName}.dropped` });
    await expect(collectionInfo('dropped')).resolves.toBeUndefined();
    await expect(collection.countDocuments()).resolves.toBe(0);
  });

  it('drops a whole database', async () => {
    const otherName = `${backend.dbName}_x`;
    const other = backend.client.db(otherName);
    await other.collection('a').insertOne({ _id: 1 } as never);
    await other.collection('b').insertOne({ _id: 1 } as never);

    await expect(other.command({ dropDatabase: 1 })).resolves.toMatchObject({
      ok: 1,
      dropped: otherName,
    });
    const { databases } = await backend.client
      .db('admin')
      .command({ listDatabases: 1, nameOnly: true });
    expect(databases).not.toContainEqual({ name: otherName });
    await expect(other.listCollections().toArray()).resolves.toEqual([]);
  });

  it('renames a collection, keeping its documents and indexes', async () => {
    const source = backend.db.collection('rename_src');
    await source.insertMany([{ _id: 1 }, { _id: 2 }] as never[]);
    await source.createIndex({ sku: 1 }, { name: 'by_sku' });

    await expect(
      backend.client.db('admin').command({
        renameCollection: `${backend.dbName}.rename_src`,
        to: `${backend.dbName}.rename_dst`,
      }),
    ).resolves.toMatchObject({ ok: 1 });

    await expect(collectionInfo('rename_src')).resolves.toBeUndefined();
    const target = backend.db.collection('rename_dst');
    await expect(target.find().sort({ _id: 1 }).toArray()).resolves.toEqual([
      { _id: 1 },
      { _id: 2 },
    ]);
    const indexNames = (await target.listIndexes().toArray()).map((index) => index.name);
    expect(indexNames.sort()).toEqual(['_id_', 'by_sku']);
  });

  it('refuses to rename onto an existing collection unless dropTarget is set', async () => {
    await backend.db.collection('rn_a').insertOne({ _id: 'a' } as never);
    await backend.db.collection('rn_b').insertOne({ _id: 'b' } as never);
    const admin = backend.client.db('admin');

    const error = await serverError(
      admin.command({ renameCollection: `${backend.dbName}.rn_a`, to: `${backend.dbName}.rn_b` }),
    );
    expectErrorReply(error, { code: 48, codeName: 'NamespaceExists' });

    await admin.command({
      renameCollection: `${backend.dbName}.rn_a`,
      to: `${backend.dbName}.rn_b`,
      dropTarget: true,
    });
    await expect(backend.db.collection('rn_b').find().toArray()).resolves.toEqual([{ _id: 'a' }]);
  });

  it('fails to rename a missing collection with NamespaceNotFound (26)', async () => {
    const error = await serverError(
      backend.client.db('admin').command({
        renameCollection: `${backend.dbName}.never_created`,
        to: `${backend.dbName}.anything`,
      }),
    );
    expectErrorReply(error, { code: 26, codeName: 'NamespaceNotFound' });
  });
});
