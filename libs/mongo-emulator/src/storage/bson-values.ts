import { ObjectId, type Binary, type BSONRegExp, type Timestamp } from 'bson';

export type Document = Record<string, unknown>;

interface BsonTyped {
  _bsontype?: string;
}

function bsonType(value: object): string | undefined {
  return (value as BsonTyped)._bsontype;
}

export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A string that is equal for two values exactly when MongoDB considers them equal as index keys:
 * numbers of any BSON width compare by value, objects by ordered fields. Used for `_id` lookups
 * and unique index entries.
 */
export function canonicalKey(value: unknown): string {
  if (value === null || value === undefined) return 'z';
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? 'n0' : `n${value}`;
    case 'bigint':
      return `n${value}`;
    case 'string':
      // Quoted, so compound keys joined with separators cannot collide.
      return `s${JSON.stringify(value)}`;
    case 'boolean':
      return value ? 'bT' : 'bF';
    case 'object':
      break;
    case 'symbol':
      return `?${value.toString()}`;
    case 'function':
    case 'undefined':
      return '?';
  }
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof RegExp) return `r${value.source}/${value.flags}`;
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`;
  const type = bsonType(value);
  if (type !== undefined) return canonicalBsonKey(type, value);
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    parts.push(`${JSON.stringify(key)}:${canonicalKey((value as Document)[key])}`);
  }
  return `{${parts.join(',')}}`;
}

function canonicalBsonKey(type: string, value: object): string {
  switch (type) {
    case 'ObjectId':
      return `o${(value as ObjectId).toHexString()}`;
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return `n${(value as { toString(): string }).toString()}`;
    case 'Timestamp': {
      const { t, i } = value as Timestamp;
      return `t${t}:${i}`;
    }
    case 'Binary': {
      const binary = value as Binary;
      return `B${binary.sub_type}:${Buffer.from(binary.buffer).toString('base64')}`;
    }
    case 'MinKey':
      return '<';
    case 'MaxKey':
      return '>';
    case 'BSONRegExp': {
      const regex = value as BSONRegExp;
      return `r${regex.pattern}/${regex.options}`;
    }
    default:
      return `${type}:${(value as { toString(): string }).toString()}`;
  }
}

/**
 * Deep copy of a document. BSON value classes other than Date are treated as immutable and shared;
 * stored documents are never mutated in place, so copies are only needed before an update runs.
 */
export function deepClone<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as unknown[]).map((item) => deepClone(item)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (!isPlainObject(value)) return value;
  const copy: Document = {};
  for (const key of Object.keys(value)) copy[key] = deepClone((value as Document)[key]);
  return copy as T;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return canonicalKey(a) === canonicalKey(b);
}

/**
 * Values at a dotted path, descending into arrays the way MongoDB index keys do:
 * `{a: [{b: 1}, {b: 2}]}` at `a.b` yields 1 and 2. A missing path yields `undefined` once.
 */
export function valuesAtPath(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  collect(doc, path.split('.'), 0, out);
  if (out.length === 0) out.push(undefined);
  return out;
}

function collect(value: unknown, parts: string[], index: number, out: unknown[]): void {
  if (index === parts.length) {
    if (Array.isArray(value)) {
      if (value.length === 0) out.push(undefined);
      else out.push(...(value as unknown[]));
    } else out.push(value);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const part = parts[index];
  if (Array.isArray(value)) {
    if (/^\d+$/.test(part)) {
      collect(value[Number(part)], parts, index + 1, out);
      return;
    }
    for (const item of value) collect(item, parts, index, out);
    return;
  }
  if (!isPlainObject(value)) return;
  collect(value[part], parts, index + 1, out);
}

/** The single value at a dotted path (no array fan-out); `undefined` when absent. */
export function valueAtPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Document)[part];
  }
  return current;
}

/** Puts `_id` first, generating an ObjectId when the document has none, as mongod does. */
export function withIdFirst(doc: Document): Document {
  // The first key without listing them all (this runs for every inserted document).
  for (const key in doc) {
    if (key === '_id' && doc._id !== undefined) return doc;
    break;
  }
  const keys = Object.keys(doc);
  const result: Document = { _id: doc._id === undefined ? new ObjectId() : doc._id };
  for (const key of keys) if (key !== '_id') result[key] = doc[key];
  return result;
}

export function toNumber(value: unknown, fallback = 0): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object') {
    const type = bsonType(value);
    if (type === 'Long' || type === 'Int32' || type === 'Double' || type === 'Decimal128') {
      return Number((value as { toString(): string }).toString());
    }
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return fallback;
}

export function isTruthyFlag(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  return toNumber(value, 1) !== 0;
}
