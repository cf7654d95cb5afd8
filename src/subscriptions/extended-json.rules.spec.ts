import { extendedJsonProblem } from './extended-json.rules';

describe(extendedJsonProblem.name, () => {
  it.each([
    [{ a: { $oid: '0123456789abcdef01234567' } }],
    [{ a: { $date: '2025-01-31T12:00:00Z' } }],
    [{ a: { $date: '2025-01-31T12:00:00.123+01:00' } }],
    [{ a: { $date: { $numberLong: '1738324800000' } } }],
    [{ a: { $numberLong: '-9223372036854775808' } }],
    [{ a: { $numberInt: '2147483647' } }],
    [{ a: { $numberDouble: '-1.5e3' } }],
    [{ a: { $numberDecimal: '12.50' } }],
    [{ a: { $binary: { base64: 'AQID', subType: '00' } } }],
    [{ a: { $uuid: '3b241101-e2bb-4255-8caf-4136c566a962' } }],
    [{ a: { $regularExpression: { pattern: '^a', options: 'i' } } }],
    [{ a: { $timestamp: { t: 1, i: 2 } } }],
    [{ a: { $in: [{ $oid: '0123456789abcdef01234567' }, 1] } }],
    [{ 'fullDocument.status': 'paid', n: { $gte: 3 } }],
  ])('accepts well-formed Extended JSON %j', (value) => {
    expect(extendedJsonProblem(value)).toBeUndefined();
  });

  it.each([
    [{ a: { $date: 'not a date' } }, 'a.$date'],
    [{ a: { $date: '2025-13-45T00:00:00Z' } }, 'a.$date'],
    [{ a: { $date: '2025-01-31' } }, 'a.$date'],
    [{ a: { $date: { $numberLong: 'x' } } }, 'a.$date'],
    [{ a: { $oid: 'zz' } }, 'a.$oid'],
    [{ a: { $oid: 12 } }, 'a.$oid'],
    [{ a: { $numberLong: '99999999999999999999' } }, 'a.$numberLong'],
    [{ a: { $numberLong: 5 } }, 'a.$numberLong'],
    [{ a: { $numberInt: '2147483648' } }, 'a.$numberInt'],
    [{ a: { $numberDouble: 'one' } }, 'a.$numberDouble'],
    [{ a: { $numberDecimal: 'abc' } }, 'a.$numberDecimal'],
    [{ a: { $binary: { base64: '!!', subType: '00' } } }, 'a.$binary'],
    [{ a: { $binary: 'AQID' } }, 'a.$binary'],
    [{ a: { $uuid: 'nope' } }, 'a.$uuid'],
    [{ a: { $regularExpression: { pattern: 'a', options: 'q' } } }, 'a.$regularExpression'],
    [{ a: { $timestamp: { t: -1, i: 0 } } }, 'a.$timestamp'],
    [{ a: { $code: 'while(true){}' } }, 'a.$code'],
    [{ a: { $symbol: 'x' } }, 'a.$symbol'],
    [{ a: { $undefined: true } }, 'a.$undefined'],
    [{ a: { $date: '2025-01-31T12:00:00Z', extra: 1 } }, 'a.$date'],
    [{ b: [{ c: { $oid: 'bad' } }] }, 'b[0].c.$oid'],
    [JSON.parse('{"a": {"__proto__": {"x": 1}}}'), 'a.__proto__'],
    [{ a: { constructor: 1 } }, 'a.constructor'],
    [{ prototype: 1 }, 'prototype'],
  ])('refuses %j, naming %s', (value, path) => {
    expect(extendedJsonProblem(value)).toMatch(
      new RegExp(`^${path.replace(/[$[\].]/g, '\\$&')}: `),
    );
  });

  it('walks 10,000 levels without exhausting the stack', () => {
    let deep: unknown = { $oid: 'bad' };
    for (let i = 0; i < 10_000; i++) {
      deep = { a: deep };
    }
    expect(extendedJsonProblem(deep)).toMatch(/\$oid must be/);
  });
});
