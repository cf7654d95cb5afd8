// The unified runner's matcher must be able to fail: these pin the rules of the format's
// "Evaluating Matches" (root-level extra fields, flexible numerics, special operators).
import { Binary, Long, ObjectId } from 'mongodb';
import { EntityMap } from './entities';
import { Matcher, MatchError } from './match';

function matcher(): Matcher {
  return new Matcher(new EntityMap());
}

describe(Matcher.name, () => {
  it('allows extra fields in root-level documents only', () => {
    expect(() => matcher().match({ x: 1 }, { x: 1, y: 2 }, true)).not.toThrow();
    expect(() => matcher().match({ a: { x: 1 } }, { a: { x: 1, y: 2 } }, true)).toThrow(MatchError);
    expect(() => matcher().match({ x: 1, y: 1 }, { x: 1 }, true)).toThrow(/y: missing/);
  });

  it('compares numbers by value across int, long and double, and nothing else loosely', () => {
    expect(() => matcher().match({ n: 1 }, { n: Long.fromNumber(1) }, true)).not.toThrow();
    expect(() => matcher().match({ n: 1 }, { n: 1.5 }, true)).toThrow(MatchError);
    expect(() => matcher().match({ n: 1 }, { n: '1' }, true)).toThrow(MatchError);
    const id = new ObjectId();
    expect(() =>
      matcher().match({ id }, { id: new ObjectId(id.toHexString()) }, true),
    ).not.toThrow();
    expect(() => matcher().match({ id }, { id: new ObjectId() }, true)).toThrow(MatchError);
  });

  it('matches arrays element by element with equal lengths', () => {
    expect(() => matcher().match([1, 2], [1, 2], false)).not.toThrow();
    expect(() => matcher().match([1, 2], [1, 2, 3], false)).toThrow(/expected 2 elements/);
    expect(() => matcher().match([{ a: 1 }], [{ a: 1, b: 2 }], false)).toThrow(MatchError);
  });

  it('evaluates $$exists, $$unsetOrMatches, $$type and $$lte', () => {
    expect(() => matcher().match({ a: { $$exists: false } }, { b: 1 }, true)).not.toThrow();
    expect(() => matcher().match({ a: { $$exists: false } }, { a: 1 }, true)).toThrow(
      /should not exist/,
    );
    expect(() => matcher().match({ a: { $$exists: true } }, {}, true)).toThrow(/should exist/);
    expect(() => matcher().match({ a: { $$unsetOrMatches: 1 } }, {}, true)).not.toThrow();
    expect(() => matcher().match({ a: { $$unsetOrMatches: 1 } }, { a: 2 }, true)).toThrow(
      MatchError,
    );
    expect(() =>
      matcher().match(
        { a: { $$type: ['int', 'long'] }, b: { $$type: 'binData' } },
        {
          a: 3,
          b: new Binary(Buffer.from('x')),
        },
        true,
      ),
    ).not.toThrow();
    expect(() => matcher().match({ a: { $$type: 'string' } }, { a: 3 }, true)).toThrow(
      /expected type/,
    );
    expect(() => matcher().match({ a: { $$lte: 5 } }, { a: 5 }, true)).not.toThrow();
    expect(() => matcher().match({ a: { $$lte: 5 } }, { a: 6 }, true)).toThrow(MatchError);
  });

  it('keeps a root-level $$unsetOrMatches document root-level', () => {
    const expected = { $$unsetOrMatches: { insertedId: { $$unsetOrMatches: 1 } } };
    expect(() =>
      matcher().match(expected, { acknowledged: true, insertedId: 1 }, true),
    ).not.toThrow();
    expect(() => matcher().match(expected, { insertedId: 2 }, true)).toThrow(MatchError);
  });
});
