import { Decimal128, EJSON, Long, ObjectId, Timestamp, calculateObjectSize } from 'bson';
import fc from 'fast-check';
import { orderingKeyOf, type RawChangeEvent } from './change-event.mapper';
import { eventWeight } from './event-weight';

const eventWithKey = (documentKey: Record<string, unknown>): RawChangeEvent => ({
  _id: { _data: '82AA' },
  operationType: 'insert',
  ns: { db: 'app', coll: 'orders' },
  documentKey,
});

describe(orderingKeyOf.name, () => {
  const canonical = (documentKey: Record<string, unknown>) =>
    EJSON.stringify(documentKey, { relaxed: false });

  it('keys any single _id exactly as canonical Extended JSON does', () => {
    const ids = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double(),
      fc.constantFrom(0, -0, 2_147_483_647, -2_147_483_648, 2_147_483_648, 1.5, NaN),
      fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(bytes)),
      fc.boolean(),
      fc.constant(null),
      fc.date({ noInvalidDate: true }),
      fc.integer().map((n) => Long.fromNumber(n)),
      fc.dictionary(fc.string(), fc.integer(), { maxKeys: 3 }),
    );
    fc.assert(
      fc.property(ids, (id) => {
        expect(orderingKeyOf(eventWithKey({ _id: id }))).toBe(canonical({ _id: id }));
      }),
      { numRuns: 2_000 },
    );
  });

  it('keys compound document keys (sharded collections) as canonical Extended JSON', () => {
    const key = { region: 'eu', _id: 7 };
    expect(orderingKeyOf(eventWithKey(key))).toBe(canonical(key));
    expect(orderingKeyOf(eventWithKey({ _id: 1 }))).not.toBe(
      orderingKeyOf(eventWithKey({ _id: '1' })),
    );
  });
});

describe(eventWeight.name, () => {
  it('stays within a few bytes per field of the BSON size', () => {
    const documents = fc.object({
      maxDepth: 3,
      values: [
        fc.string({ unit: 'binary' }),
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.date({ noInvalidDate: true }),
        fc.constant(new ObjectId()),
        fc.constant(Decimal128.fromString('1.5')),
        fc.constant(Buffer.from('abc')),
      ],
    });
    fc.assert(
      fc.property(documents, (fullDocument) => {
        const event = {
          ...eventWithKey({ _id: 1 }),
          clusterTime: new Timestamp({ t: 1, i: 1 }),
          wallTime: new Date(),
          fullDocument,
        };
        const exact = calculateObjectSize(event);
        const fields = JSON.stringify(EJSON.serialize(event)).split(':').length;
        expect(Math.abs(eventWeight(event) - exact)).toBeLessThanOrEqual(4 * fields + 8);
        // Never far below: the budget must not let a large event pass as a small one.
        expect(eventWeight(event)).toBeGreaterThanOrEqual(exact * 0.9);
      }),
      { numRuns: 500 },
    );
  });

  it('counts large strings and binaries at their size', () => {
    const event = eventWithKey({ _id: 1 });
    const big = {
      ...event,
      fullDocument: { blob: 'é'.repeat(100_000), bin: Buffer.alloc(50_000) },
    };
    expect(eventWeight(big)).toBeGreaterThanOrEqual(calculateObjectSize(big));
  });
});
