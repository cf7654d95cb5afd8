// Matching of expected against actual values, as the unified test format's "Evaluating Matches"
// defines it: extra fields only in root-level documents, flexible numerics, special operators.
import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from 'mongodb';
import type { EntityMap } from './entities';

export class MatchError extends Error {}

type Value = unknown;
type Doc = Record<string, unknown>;

export function isDocument(value: Value): value is Doc {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function numeric(value: Value): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Int32 || value instanceof Double) return value.valueOf();
  return undefined;
}

function describe(value: Value): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  } catch {
    return String(value);
  }
}

function fail(path: string, message: string): never {
  throw new MatchError(`${path || '(root)'}: ${message}`);
}

/** The single `$$operator` key of a document, if it is one. */
function operatorOf(value: Value): string | undefined {
  if (!isDocument(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0].startsWith('$$') ? keys[0] : undefined;
}

const TYPE_CHECKS: Record<string, (v: Value) => boolean> = {
  double: (v) => typeof v === 'number' || v instanceof Double,
  string: (v) => typeof v === 'string',
  object: (v) => isDocument(v),
  array: (v) => Array.isArray(v),
  binData: (v) => v instanceof Binary || Buffer.isBuffer(v),
  undefined: (v) => v === undefined,
  objectId: (v) => v instanceof ObjectId,
  bool: (v) => typeof v === 'boolean',
  date: (v) => v instanceof Date,
  null: (v) => v === null,
  regex: (v) => v instanceof RegExp,
  // Replies are read with the driver's default promotion, so int32/int64 arrive as numbers.
  int: (v) =>
    v instanceof Int32 || (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31),
  long: (v) => v instanceof Long || (typeof v === 'number' && Number.isInteger(v)),
  timestamp: (v) => v instanceof Timestamp,
  decimal: (v) => v instanceof Decimal128,
};

function hasType(value: Value, types: Value): boolean {
  const names = Array.isArray(types) ? types : [types];
  return names.some((name) => {
    if (name === 'number') return numeric(value) !== undefined || value instanceof Decimal128;
    const check = TYPE_CHECKS[String(name)];
    if (!check) throw new MatchError(`unsupported $$type '${String(name)}'`);
    return check(value);
  });
}

function bytesOf(value: Value): Buffer | undefined {
  if (value instanceof Binary) return Buffer.from(value.buffer);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return undefined;
}

function scalarEquals(expected: Value, actual: Value): boolean {
  const e = numeric(expected);
  if (e !== undefined) return numeric(actual) === e;
  if (expected instanceof ObjectId) return actual instanceof ObjectId && actual.equals(expected);
  if (expected instanceof Date) return actual instanceof Date && +actual === +expected;
  if (expected instanceof Timestamp) {
    return actual instanceof Timestamp && actual.equals(expected);
  }
  if (expected instanceof Decimal128) {
    return actual instanceof Decimal128 && actual.toString() === expected.toString();
  }
  if (expected instanceof Binary) {
    const bytes = bytesOf(actual);
    const subtype = actual instanceof Binary ? actual.sub_type : 0;
    return (
      bytes !== undefined &&
      subtype === expected.sub_type &&
      bytes.equals(Buffer.from(expected.buffer))
    );
  }
  if (expected instanceof RegExp) {
    return actual instanceof RegExp && actual.source === expected.source;
  }
  if (expected !== null && typeof expected === 'object') {
    return describe(expected) === describe(actual);
  }
  return expected === actual;
}

export class Matcher {
  constructor(private readonly entities: EntityMap) {}

  /** Throws MatchError when `actual` does not match `expected`. */
  match(expected: Value, actual: Value, root: boolean, path = ''): void {
    const operator = operatorOf(expected);
    if (operator) {
      this.operator(operator, (expected as Doc)[operator], actual, root, path);
      return;
    }
    if (isDocument(expected)) {
      if (!isDocument(actual)) fail(path, `expected a document, got ${describe(actual)}`);
      for (const [key, value] of Object.entries(expected)) {
        const keyPath = path ? `${path}.${key}` : key;
        const keyOperator = operatorOf(value);
        if (keyOperator === '$$exists') {
          const wanted = (value as Doc).$$exists;
          const present =
            Object.prototype.hasOwnProperty.call(actual, key) && actual[key] !== undefined;
          if (present !== wanted) fail(keyPath, present ? 'should not exist' : 'should exist');
          continue;
        }
        if (keyOperator === '$$unsetOrMatches') {
          if (actual[key] === undefined) continue;
          this.match((value as Doc).$$unsetOrMatches, actual[key], false, keyPath);
          continue;
        }
        if (!Object.prototype.hasOwnProperty.call(actual, key) || actual[key] === undefined) {
          fail(keyPath, `missing (expected ${describe(value)})`);
        }
        this.match(value, actual[key], false, keyPath);
      }
      if (!root) {
        const extra = Object.keys(actual).filter(
          (key) =>
            actual[key] !== undefined && !Object.prototype.hasOwnProperty.call(expected, key),
        );
        if (extra.length > 0) fail(path, `unexpected fields ${extra.join(', ')}`);
      }
      return;
    }
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual)) fail(path, `expected an array, got ${describe(actual)}`);
      if (actual.length !== expected.length) {
        fail(
          path,
          `expected ${expected.length} elements, got ${actual.length}: ${describe(actual)}`,
        );
      }
      expected.forEach((item, index) =>
        this.match(item, actual[index], false, `${path}[${index}]`),
      );
      return;
    }
    if (!scalarEquals(expected, actual)) {
      fail(path, `expected ${describe(expected)}, got ${describe(actual)}`);
    }
  }

  private operator(
    name: string,
    argument: Value,
    actual: Value,
    root: boolean,
    path: string,
  ): void {
    switch (name) {
      case '$$exists':
        // At a value position (not a key), "exists" means "is not undefined".
        if ((actual !== undefined) !== argument) fail(path, `$$exists ${String(argument)}`);
        return;
      case '$$type':
        if (!hasType(actual, argument)) {
          fail(path, `expected type ${describe(argument)}, got ${describe(actual)}`);
        }
        return;
      case '$$unsetOrMatches':
        // Does not change whether the value is a root-level document.
        if (actual === undefined) return;
        this.match(argument, actual, root, path);
        return;
      case '$$matchesEntity':
        this.match(this.entities.get(String(argument)), actual, false, path);
        return;
      case '$$matchesHexBytes': {
        const bytes = bytesOf(actual);
        if (!bytes || bytes.toString('hex') !== String(argument).toLowerCase()) {
          fail(path, `expected bytes ${String(argument)}`);
        }
        return;
      }
      case '$$sessionLsid': {
        const lsid = this.entities.sessionLsid(String(argument));
        this.match(lsid, actual, false, path);
        return;
      }
      case '$$lte': {
        const limit = numeric(argument);
        const value = numeric(actual);
        if (limit === undefined || value === undefined || value > limit) {
          fail(path, `expected a number <= ${describe(argument)}, got ${describe(actual)}`);
        }
        return;
      }
      case '$$matchAsDocument':
        if (typeof actual !== 'string') fail(path, 'expected a JSON string');
        this.match(argument, JSON.parse(actual) as unknown, false, path);
        return;
      case '$$matchAsRoot':
        this.match(argument, actual, true, path);
        return;
      default:
        fail(path, `unsupported special operator ${name}`);
    }
  }
}
