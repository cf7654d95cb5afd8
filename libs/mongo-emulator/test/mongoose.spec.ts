// Mongoose 9 against the server, unchanged: a schema with a unique index, the everyday model
// operations, syncIndexes, and a duplicate key surfacing as MongoServerError 11000.
import { MongoServerError } from 'mongodb';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('mongoose');

interface Product {
  sku: string;
  name: string;
  qty: number;
  tags: string[];
  createdAt?: Date;
  updatedAt?: Date;
}

const productSchema = new Schema<Product>(
  {
    sku: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    qty: { type: Number, default: 0 },
    tags: { type: [String], default: [] },
  },
  { autoIndex: false, timestamps: true },
);
productSchema.index({ name: 1, qty: -1 });

describe('mongoose', () => {
  let connection: Connection;
  let Products: Model<Product>;

  beforeAll(async () => {
    connection = await mongoose
      .createConnection(backend.uri, { dbName: backend.dbName, serverSelectionTimeoutMS: 10_000 })
      .asPromise();
    Products = connection.model<Product>('Product', productSchema, 'products');
  });

  afterAll(async () => {
    await connection.close(true);
  });

  it('creates the schema indexes with syncIndexes and drops indexes the schema no longer has', async () => {
    await connection.db!.collection('products').createIndex({ legacy: 1 }, { name: 'legacy_1' });
    const dropped = await Products.syncIndexes();
    expect(dropped).toEqual(['legacy_1']);

    const indexes = await Products.listIndexes();
    const byName = new Map(indexes.map((index) => [index.name as string, index]));
    expect([...byName.keys()].sort()).toEqual(['_id_', 'name_1_qty_-1', 'sku_1']);
    expect(byName.get('sku_1')).toMatchObject({ key: { sku: 1 }, unique: true });
    expect(byName.get('name_1_qty_-1')).toMatchObject({ key: { name: 1, qty: -1 } });

    await expect(Products.syncIndexes()).resolves.toEqual([]);
  });

  it('creates, finds, updates and deletes documents', async () => {
    const created = await Products.create({ sku: 'A-1', name: 'Anvil', qty: 3 });
    expect(created._id).toBeInstanceOf(mongoose.Types.ObjectId);
    expect(created.get('createdAt')).toBeInstanceOf(Date);

    const found = await Products.findOne({ sku: 'A-1' }).lean();
    expect(found).toMatchObject({ sku: 'A-1', name: 'Anvil', qty: 3, tags: [] });

    const updated = await Products.updateOne(
      { sku: 'A-1' },
      { $inc: { qty: 2 }, $push: { tags: 'heavy' } },
    );
    expect(updated).toMatchObject({ acknowledged: true, matchedCount: 1, modifiedCount: 1 });

    const after = await Products.findOneAndUpdate(
      { sku: 'A-1' },
      { $set: { name: 'Big Anvil' } },
      { returnDocument: 'after' },
    ).lean();
    expect(after).toMatchObject({ sku: 'A-1', name: 'Big Anvil', qty: 5, tags: ['heavy'] });

    const listed = await Products.find({ qty: { $gte: 5 } })
      .sort({ sku: 1 })
      .lean();
    expect(listed.map((product) => product.sku)).toEqual(['A-1']);

    await expect(Products.deleteOne({ sku: 'A-1' })).resolves.toMatchObject({ deletedCount: 1 });
    await expect(Products.countDocuments({ sku: 'A-1' })).resolves.toBe(0);
  });

  it('surfaces a duplicate key as MongoServerError 11000 with keyValue', async () => {
    await Products.syncIndexes();
    await Products.create({ sku: 'DUP', name: 'First' });

    const error: unknown = await Products.create({ sku: 'DUP', name: 'Second' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({
      code: 11000,
      keyPattern: { sku: 1 },
      keyValue: { sku: 'DUP' },
    });
    await expect(Products.countDocuments({ sku: 'DUP' })).resolves.toBe(1);
  });

  it('upserts through findOneAndUpdate', async () => {
    const made = await Products.findOneAndUpdate(
      { sku: 'UP-1' },
      { $setOnInsert: { name: 'Upserted' }, $set: { qty: 9 } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(made).toMatchObject({ sku: 'UP-1', name: 'Upserted', qty: 9 });
  });

  it('upserts through updateOne, reporting upsertedId and upsertedCount', async () => {
    const result = await Products.updateOne(
      { sku: 'UP-2' },
      { $set: { name: 'Via updateOne' } },
      { upsert: true },
    );
    expect(result).toMatchObject({
      acknowledged: true,
      matchedCount: 0,
      modifiedCount: 0,
      upsertedCount: 1,
      upsertedId: expect.any(mongoose.Types.ObjectId),
    });
    const stored = await Products.findById(result.upsertedId).lean();
    // Schema defaults and createdAt arrive through $setOnInsert, updatedAt through $set.
    expect(stored).toMatchObject({ sku: 'UP-2', name: 'Via updateOne', qty: 0, tags: [] });
    expect(stored?.createdAt).toBeInstanceOf(Date);
    expect(stored?.updatedAt).toBeInstanceOf(Date);
  });

  it('returns the inserted document from findOneAndUpdate with upsert and new: true', async () => {
    const made = await Products.findOneAndUpdate(
      { sku: 'UP-3', name: 'Filter name' },
      { $inc: { qty: 2 } },
      { upsert: true, new: true },
    );
    expect(made).not.toBeNull();
    expect(made._id).toBeInstanceOf(mongoose.Types.ObjectId);
    expect(made.toObject()).toMatchObject({ sku: 'UP-3', name: 'Filter name', qty: 2, tags: [] });
    await expect(Products.countDocuments({ sku: 'UP-3' })).resolves.toBe(1);

    const again = await Products.findOneAndUpdate(
      { sku: 'UP-3' },
      { $inc: { qty: 2 } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(again).toMatchObject({ _id: made._id, qty: 4 });
  });
});
