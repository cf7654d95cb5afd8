// Features the emulator does not implement are refused with an error naming them (as mongod
// refuses an option it does not know), never ignored: a result can never silently differ from
// mongod's. On a real server these features work, so the refusals are emulator-only tests.
import type { Document } from 'mongodb';
import { useConformanceBackend } from './support/conformance-backend';
import { itOnEmulator } from './support/emulator-only';
import { expectErrorReply, serverError } from './support/server-errors';

const backend = useConformanceBackend('unsupported');
const SUPPORTED_ON_MONGOD = 'mongod implements this feature';

function expectNotImplemented(error: { errorResponse: Document }, feature: string): void {
  expectErrorReply(error as never, {
    code: 238,
    codeName: 'NotImplemented',
    errmsg: expect.stringContaining(feature),
  });
}

/** Asserts what `operation` resolves to (a helper, so emulator-only tests can use it). */
async function expectResult(operation: Promise<unknown>, expected: unknown): Promise<void> {
  await expect(operation).resolves.toEqual(expected);
}

describe('unsupported features', () => {
  beforeAll(async () => {
    await backend.db.collection<{ _id: number } & Document>('things').insertMany([
      { _id: 1, name: 'a' },
      { _id: 2, name: 'A' },
    ]);
  });

  itOnEmulator(
    'refuses a non-simple collation on reads and writes',
    SUPPORTED_ON_MONGOD,
    async () => {
      const things = backend.db.collection<{ _id: number } & Document>('things');
      const collation = { locale: 'en', strength: 2 };
      const operations: (() => Promise<unknown>)[] = [
        () => things.find({ name: 'a' }, { collation }).toArray(),
        () => things.aggregate([{ $match: { name: 'a' } }], { collation }).toArray(),
        () => things.countDocuments({ name: 'a' }, { collation }),
        () => things.distinct('name', {}, { collation }),
        () => things.updateOne({ name: 'a' }, { $set: { x: 1 } }, { collation }),
        () => things.deleteMany({ name: 'a' }, { collation }),
        () => things.findOneAndUpdate({ name: 'a' }, { $set: { x: 1 } }, { collation }),
        () => things.createIndex({ name: 1 }, { collation }),
        () => backend.db.createCollection('collated', { collation }),
      ];
      for (const operation of operations) {
        const error = await serverError(operation(), 'a command with a collation');
        expectNotImplemented(error, 'collation');
      }
      // The simple collation is what no collation means, so it is accepted.
      await expectResult(
        things.find({ name: 'a' }, { collation: { locale: 'simple' } }).toArray(),
        [{ _id: 1, name: 'a' }],
      );
      await expectResult(things.countDocuments({ x: 1 }), 0);
    },
  );

  itOnEmulator('refuses collection kinds it does not model', SUPPORTED_ON_MONGOD, async () => {
    const cases: [Document, string][] = [
      [{ capped: true, size: 4096 }, 'capped collections'],
      [{ timeseries: { timeField: 't' } }, 'time-series collections'],
      [{ clusteredIndex: { key: { _id: 1 }, unique: true } }, 'clustered collections'],
      [{ validator: { $jsonSchema: { required: ['a'] } } }, '$jsonSchema'],
    ];
    for (const [options, feature] of cases) {
      const error = await serverError(backend.db.createCollection('kind', options), feature);
      expectNotImplemented(error, feature);
    }
    await expectResult(backend.db.listCollections({ name: 'kind' }).toArray(), []);
  });

  itOnEmulator('refuses find options that change results', SUPPORTED_ON_MONGOD, async () => {
    for (const option of ['min', 'max', 'returnKey', 'showRecordId']) {
      const error = await serverError(
        backend.db.command({
          find: 'things',
          filter: {},
          [option]: option.startsWith('m') ? { _id: 1 } : true,
        }),
        option,
      );
      expectNotImplemented(error, option);
    }
  });

  itOnEmulator('refuses reads at a point in time', SUPPORTED_ON_MONGOD, async () => {
    const error = await serverError(
      backend.db.command({ find: 'things', filter: {}, readConcern: { level: 'snapshot' } }),
    );
    expectNotImplemented(error, 'snapshot');
  });

  it('fails a hint that names no index, as mongod does', async () => {
    const things = backend.db.collection('things');
    await expectResult(things.find({}, { hint: '_id_' }).toArray(), [
      { _id: 1, name: 'a' },
      { _id: 2, name: 'A' },
    ]);
    const error = await serverError(things.find({}, { hint: 'no_such_index' }).toArray());
    expectErrorReply(error, { code: 2, codeName: 'BadValue' });
  });

  itOnEmulator('refuses change stream options it does not model', SUPPORTED_ON_MONGOD, async () => {
    const things = backend.db.collection('things');
    for (const [pipeline, feature] of [
      [[{ $changeStream: { showSystemEvents: true } }], 'showSystemEvents'],
      [[{ $changeStream: { showRawUpdateDescription: true } }], 'showRawUpdateDescription'],
    ] as const) {
      const error = await serverError(
        backend.db.command({
          aggregate: things.collectionName,
          pipeline: [...pipeline],
          cursor: {},
        }),
        feature,
      );
      expectNotImplemented(error, feature);
    }
  });

  it('fails an unknown field of a CRUD command as mongod 7.0 does', async () => {
    for (const command of [
      { find: 'things', filter: {}, noSuchOption: 1 },
      { insert: 'things', documents: [{ _id: 9 }], noSuchOption: 1 },
      { aggregate: 'things', pipeline: [], cursor: {}, noSuchOption: 1 },
      { create: 'never', noSuchOption: 1 },
    ]) {
      const error = await serverError(backend.db.command(command));
      expectErrorReply(error, {
        code: 40415,
        codeName: 'Location40415',
        errmsg: expect.stringContaining('noSuchOption'),
      });
    }
    await expectResult(
      backend.db.collection<{ _id: number } & Document>('things').countDocuments({ _id: 9 }),
      0,
    );
  });

  it('fails an unknown $changeStream option as mongod does', async () => {
    const error = await serverError(
      backend.db.command({
        aggregate: 'things',
        pipeline: [{ $changeStream: { noSuchOption: true } }],
        cursor: {},
      }),
    );
    expectErrorReply(error, { code: 40415, codeName: 'Location40415' });
  });

  itOnEmulator('refuses $out and $merge', SUPPORTED_ON_MONGOD, async () => {
    const things = backend.db.collection('things');
    expectNotImplemented(await serverError(things.aggregate([{ $out: 'copy' }]).toArray()), '$out');
    expectNotImplemented(
      await serverError(things.aggregate([{ $merge: { into: 'copy' } }]).toArray()),
      '$merge',
    );
  });
});

describe('views and validators', () => {
  it('reads a view through its pipeline and refuses writes to it', async () => {
    await backend.db.collection<{ _id: number } & Document>('people').insertMany([
      { _id: 1, name: 'Ada', age: 36 },
      { _id: 2, name: 'Bo', age: 17 },
    ]);
    await backend.db.createCollection('adults', {
      viewOn: 'people',
      pipeline: [{ $match: { age: { $gte: 18 } } }, { $project: { age: 0 } }],
    });
    const adults = backend.db.collection('adults');
    await expect(adults.find().toArray()).resolves.toEqual([{ _id: 1, name: 'Ada' }]);
    await expect(adults.estimatedDocumentCount()).resolves.toBe(1);
    await expect(backend.db.listCollections({ name: 'adults' }).toArray()).resolves.toMatchObject([
      { type: 'view', options: { viewOn: 'people' } },
    ]);
    const error = await serverError(adults.insertOne({ name: 'Cy' }), 'an insert into a view');
    expectErrorReply(error, { code: 166, codeName: 'CommandNotSupportedOnView' });
  });

  it('enforces a query validator unless the write bypasses validation', async () => {
    await backend.db.createCollection('checked', { validator: { qty: { $type: 'number' } } });
    const checked = backend.db.collection<{ _id: number } & Document>('checked');
    await checked.insertOne({ _id: 1, qty: 5 });
    const error = await serverError(
      checked.insertOne({ _id: 2, qty: 'five' }),
      'an invalid insert',
    );
    expect(error.code).toBe(121);
    expect(error.errorResponse.writeErrors ?? error.errorResponse).toBeDefined();
    await checked.insertOne({ _id: 3, qty: 'three' }, { bypassDocumentValidation: true });
    await expect(checked.countDocuments()).resolves.toBe(2);
  });

  it('sorts by $natural in storage order and its reverse', async () => {
    const things = backend.db.collection('things');
    const ids = async (direction: 1 | -1) =>
      (await things.find({}).sort({ $natural: direction }).toArray()).map((doc) => doc._id);
    await expect(ids(1)).resolves.toEqual([1, 2]);
    await expect(ids(-1)).resolves.toEqual([2, 1]);
  });

  it('evaluates command-level let variables', async () => {
    const people = backend.db.collection<{ _id: number } & Document>('people');
    await expect(
      people.find({ $expr: { $eq: ['$name', '$$who'] } }, { let: { who: 'Bo' } }).toArray(),
    ).resolves.toEqual([{ _id: 2, name: 'Bo', age: 17 }]);
  });
});
