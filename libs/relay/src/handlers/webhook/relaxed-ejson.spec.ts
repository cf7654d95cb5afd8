import { Decimal128, EJSON, Long, ObjectId, Timestamp } from 'bson';
import fc from 'fast-check';
import { relaxedEjsonText } from './relaxed-ejson';

const reference = (value: unknown) => JSON.stringify(EJSON.serialize(value, { relaxed: true }));

describe(relaxedEjsonText.name, () => {
  it('writes exactly what EJSON.serialize (relaxed) then JSON.stringify write', () => {
    const leaf = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date(),
      fc.date({ min: new Date(0), max: new Date(253_402_300_799_999), noInvalidDate: true }),
      fc.constantFrom(new Date(0), new Date(253_402_300_799_999), new Date(253_402_300_800_000)),
      fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(bytes)),
      fc.integer().map((n) => Long.fromNumber(n)),
      fc.constant(new Timestamp({ t: 5, i: 7 })),
      fc
        .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
        .map(([t, i]) => new Timestamp({ t, i })),
      fc.constant(Decimal128.fromString('12.50')),
      fc.constant(Buffer.from('bytes')),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { maxDepth: 3 },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: 'binary' }), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (input) => {
        expect(relaxedEjsonText(input)).toBe(reference(input));
      }),
      { numRuns: 3_000 },
    );
  });
});
