// The aggregate command: $match/$group/$sort, $lookup across collections, $facet, $dateTrunc,
// and aggregate cursors with getMore.
import type { Document } from 'mongodb';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('agg');

const CUSTOMERS = [
  { _id: 'c1', name: 'Ada', tier: 'gold' },
  { _id: 'c2', name: 'Bo', tier: 'silver' },
  { _id: 'c3', name: 'Cy', tier: 'gold' },
];

const ORDERS = [
  { _id: 1, customerId: 'c1', total: 30, status: 'paid', at: new Date('2024-03-14T17:45:12.500Z') },
  { _id: 2, customerId: 'c1', total: 20, status: 'open', at: new Date('2024-03-14T18:05:00.000Z') },
  { _id: 3, customerId: 'c2', total: 50, status: 'paid', at: new Date('2024-03-16T09:00:00.000Z') },
  { _id: 4, customerId: 'c9', total: 5, status: 'paid', at: new Date('2024-04-02T00:00:00.000Z') },
];

async function aggregate(collection: string, pipeline: Document[]): Promise<Document[]> {
  return backend.db.collection(collection).aggregate(pipeline).toArray();
}

beforeAll(async () => {
  await backend.db.collection('customers').insertMany(CUSTOMERS as never[]);
  await backend.db.collection('orders').insertMany(ORDERS as never[]);
});

describe('aggregate', () => {
  it('groups with accumulators and sorts the groups', async () => {
    const result = await aggregate('orders', [
      { $match: { status: 'paid' } },
      {
        $group: {
          _id: '$customerId',
          revenue: { $sum: '$total' },
          orders: { $sum: 1 },
          average: { $avg: '$total' },
          ids: { $push: '$_id' },
          last: { $max: '$at' },
        },
      },
      { $sort: { revenue: -1 } },
    ]);
    expect(result).toEqual([
      { _id: 'c2', revenue: 50, orders: 1, average: 50, ids: [3], last: ORDERS[2].at },
      { _id: 'c1', revenue: 30, orders: 1, average: 30, ids: [1], last: ORDERS[0].at },
      { _id: 'c9', revenue: 5, orders: 1, average: 5, ids: [4], last: ORDERS[3].at },
    ]);
  });

  it('groups everything under _id null', async () => {
    const result = await aggregate('orders', [
      { $group: { _id: null, total: { $sum: '$total' }, count: { $sum: 1 } } },
    ]);
    expect(result).toEqual([{ _id: null, total: 105, count: 4 }]);
  });

  it('joins another collection with $lookup on local and foreign fields', async () => {
    const result = await aggregate('customers', [
      { $lookup: { from: 'orders', localField: '_id', foreignField: 'customerId', as: 'orders' } },
      { $project: { _id: 1, orderIds: '$orders._id' } },
      { $sort: { _id: 1 } },
    ]);
    expect(result).toEqual([
      { _id: 'c1', orderIds: [1, 2] },
      { _id: 'c2', orderIds: [3] },
      { _id: 'c3', orderIds: [] },
    ]);
  });

  it('joins with a $lookup sub-pipeline using let variables', async () => {
    const result = await aggregate('customers', [
      { $match: { _id: 'c1' } },
      {
        $lookup: {
          from: 'orders',
          let: { customer: '$_id' },
          pipeline: [
            {
              $match: {
                $expr: { $and: [{ $eq: ['$customerId', '$$customer'] }, { $gt: ['$total', 25] }] },
              },
            },
            { $project: { _id: 0, total: 1 } },
          ],
          as: 'bigOrders',
        },
      },
    ]);
    expect(result).toEqual([{ _id: 'c1', name: 'Ada', tier: 'gold', bigOrders: [{ total: 30 }] }]);
  });

  it('runs several sub-pipelines over the same input with $facet', async () => {
    const result = await aggregate('orders', [
      {
        $facet: {
          byStatus: [{ $group: { _id: '$status', n: { $sum: 1 } } }, { $sort: { _id: 1 } }],
          biggest: [{ $sort: { total: -1 } }, { $limit: 1 }, { $project: { _id: 1 } }],
          count: [{ $count: 'orders' }],
        },
      },
    ]);
    expect(result).toEqual([
      {
        byStatus: [
          { _id: 'open', n: 1 },
          { _id: 'paid', n: 3 },
        ],
        biggest: [{ _id: 3 }],
        count: [{ orders: 4 }],
      },
    ]);
  });

  it('truncates dates with $dateTrunc by unit, binSize and start of week', async () => {
    const result = await aggregate('orders', [
      { $match: { _id: 1 } },
      {
        $project: {
          _id: 0,
          day: { $dateTrunc: { date: '$at', unit: 'day' } },
          twoHours: { $dateTrunc: { date: '$at', unit: 'hour', binSize: 2 } },
          quarterHour: { $dateTrunc: { date: '$at', unit: 'minute', binSize: 15 } },
          week: { $dateTrunc: { date: '$at', unit: 'week' } },
          weekFromMonday: { $dateTrunc: { date: '$at', unit: 'week', startOfWeek: 'monday' } },
          month: { $dateTrunc: { date: '$at', unit: 'month' } },
        },
      },
    ]);
    // 2024-03-14 is a Thursday.
    expect(result).toEqual([
      {
        day: new Date('2024-03-14T00:00:00.000Z'),
        twoHours: new Date('2024-03-14T16:00:00.000Z'),
        quarterHour: new Date('2024-03-14T17:45:00.000Z'),
        week: new Date('2024-03-10T00:00:00.000Z'),
        weekFromMonday: new Date('2024-03-11T00:00:00.000Z'),
        month: new Date('2024-03-01T00:00:00.000Z'),
      },
    ]);
  });

  it('groups by a $dateTrunc bucket', async () => {
    const result = await aggregate('orders', [
      { $group: { _id: { $dateTrunc: { date: '$at', unit: 'day' } }, total: { $sum: '$total' } } },
      { $sort: { _id: 1 } },
    ]);
    expect(result).toEqual([
      { _id: new Date('2024-03-14T00:00:00.000Z'), total: 50 },
      { _id: new Date('2024-03-16T00:00:00.000Z'), total: 50 },
      { _id: new Date('2024-04-02T00:00:00.000Z'), total: 5 },
    ]);
  });

  it('returns an aggregate cursor reply and continues it with getMore', async () => {
    const first = await backend.db.command(
      { aggregate: 'orders', pipeline: [{ $sort: { _id: 1 } }], cursor: { batchSize: 3 } },
      { promoteLongs: false },
    );
    expect(first).toMatchObject({ ok: 1, cursor: { ns: `${backend.dbName}.orders` } });
    expect(first.cursor.firstBatch.map((doc: Document) => doc._id)).toEqual([1, 2, 3]);
    const more = await backend.db.command(
      { getMore: first.cursor.id, collection: 'orders' },
      { promoteLongs: false },
    );
    expect(more.cursor.nextBatch.map((doc: Document) => doc._id)).toEqual([4]);
    expect(more.cursor.id.isZero()).toBe(true);
  });

  it('adds fields, unwinds arrays and counts', async () => {
    const result = await aggregate('customers', [
      { $addFields: { labels: ['$tier', '$name'] } },
      { $unwind: '$labels' },
      { $match: { labels: 'gold' } },
      { $count: 'goldLabels' },
    ]);
    expect(result).toEqual([{ goldLabels: 2 }]);
  });

  it('evaluates the date, string and conditional operators SQL queries translate to', async () => {
    const now = new Date('2024-03-16T12:00:00.000Z');
    const result = await aggregate('orders', [
      { $replaceWith: { o: '$$ROOT' } },
      {
        $match: {
          $expr: {
            $gte: [
              '$o.at',
              { $dateSubtract: { startDate: { $literal: now }, unit: 'hour', amount: 48 } },
            ],
          },
        },
      },
      {
        $project: {
          _id: 0,
          hour: { $dateToString: { date: '$o.at', format: '%Y-%m-%d %H:00' } },
          minutes: {
            $trunc: [{ $divide: [{ $subtract: [{ $literal: now }, '$o.at'] }, 60_000] }, 0],
          },
          size: {
            $switch: {
              branches: [{ case: { $gte: ['$o.total', 40] }, then: 'large' }],
              default: 'small',
            },
          },
          paid: { $regexMatch: { input: '$o.status', regex: '^pa.*$', options: 's' } },
          third: { $round: [{ $divide: ['$o.total', 3] }, 2] },
        },
      },
      { $sort: { hour: 1 } },
    ]);
    expect(result).toEqual([
      { hour: '2024-03-14 17:00', minutes: 2534, size: 'small', paid: true, third: 10 },
      { hour: '2024-03-14 18:00', minutes: 2515, size: 'small', paid: false, third: 6.67 },
      { hour: '2024-03-16 09:00', minutes: 180, size: 'large', paid: true, third: 16.67 },
      { hour: '2024-04-02 00:00', minutes: -23760, size: 'small', paid: true, third: 1.67 },
    ]);
  });

  it('answers one row for a $group over no input through $facet (SQL: COUNT(*) = 0)', async () => {
    const result = await aggregate('orders', [
      { $match: { status: 'none' } },
      { $group: { _id: null, n: { $sum: 1 } } },
      { $facet: { rows: [] } },
      { $replaceWith: { $ifNull: [{ $first: '$rows' }, { $literal: { _id: null, n: 0 } }] } },
    ]);
    expect(result).toEqual([{ _id: null, n: 0 }]);
  });

  it('stops an aggregation that runs past maxTimeMS with MaxTimeMSExpired', async () => {
    const big = backend.db.collection('big');
    await big.insertMany(
      Array.from({ length: 3_000 }, (_, n) => ({ _id: n, k: n % 7 })) as never[],
    );
    const started = Date.now();
    const error = await big
      .aggregate(
        [
          {
            $lookup: {
              from: 'big',
              let: { k: '$k' },
              pipeline: [{ $match: { $expr: { $eq: ['$k', '$$k'] } } }],
              as: 'same',
            },
          },
          { $group: { _id: null, pairs: { $sum: { $size: '$same' } } } },
        ],
        { maxTimeMS: 50 },
      )
      .toArray()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 50, codeName: 'MaxTimeMSExpired' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
