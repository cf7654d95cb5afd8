import fc from 'fast-check';
import { MongoCommandError } from '../errors';
import {
  comparePositions,
  decodeResumeToken,
  encodeResumeToken,
  highWaterMark,
  positionBefore,
  TokenPosition,
} from './resume-token';

const position = fc.record({
  t: fc.integer({ min: 0, max: 0xffffffff }),
  i: fc.integer({ min: 0, max: 0xffffffff }),
  op: fc.integer({ min: 0, max: 0xfffffffe }),
  kind: fc.constantFrom<TokenPosition['kind']>('event', 'invalidate'),
});

describe('resume tokens', () => {
  it('round-trips every position through its _data string', () => {
    fc.assert(
      fc.property(position, (pos) => {
        expect(decodeResumeToken(encodeResumeToken(pos))).toEqual(pos);
      }),
    );
  });

  it('orders _data strings exactly as stream positions', () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        fc.pre(comparePositions(a, b) !== 0);
        const [left, right] = [encodeResumeToken(a)._data, encodeResumeToken(b)._data];
        expect(left < right).toBe(comparePositions(a, b) < 0);
      }),
    );
  });

  it('encodes the position just before a cluster time, between it and every earlier event', () => {
    fc.assert(
      fc.property(position, position, (event, earlier) => {
        fc.pre(event.t > 0 && comparePositions(earlier, { ...event, op: 0 }) < 0);
        const before = positionBefore(event);
        const data = encodeResumeToken(before)._data;
        expect(decodeResumeToken({ _data: data })).toEqual(before);
        expect(data < encodeResumeToken({ ...event, op: 0 })._data).toBe(true);
        expect(data >= encodeResumeToken(earlier)._data).toBe(true);
      }),
    );
  });

  it('puts a high-water mark after every event of its cluster time', () => {
    fc.assert(
      fc.property(position, (event) => {
        const mark = highWaterMark(event);
        expect(encodeResumeToken(mark)._data > encodeResumeToken(event)._data).toBe(true);
      }),
    );
  });

  it('rejects tokens it did not produce with InvalidResumeToken (260)', () => {
    const codeOf = (token: unknown) => {
      try {
        decodeResumeToken(token);
        return undefined;
      } catch (error) {
        return (error as MongoCommandError).code;
      }
    };
    for (const token of [{}, { _data: 'zz' }, { _data: '8200' }, 'string', null]) {
      expect(codeOf(token)).toBe(260);
    }
  });
});
