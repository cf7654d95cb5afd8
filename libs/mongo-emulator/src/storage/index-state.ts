import type { Query } from 'mingo';
import { ErrorCode, MongoCommandError } from '../errors';
import { compileFilter } from '../query/mingo-options';
import { canonicalKey, Document, isTruthyFlag, toNumber, valuesAtPath } from './bson-values';

export interface IndexSpec extends Document {
  v: number;
  key: Document;
  name: string;
}

interface IndexKey {
  key: string;
  values: unknown[];
}

/**
 * One index of a collection. Only unique indexes keep entries (to enforce uniqueness); the
 * emulator answers queries by scanning, so other indexes are catalog metadata and TTL rules.
 */
export class IndexState {
  readonly fields: string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  private readonly partialFilter: Query | undefined;
  private readonly entries = new Map<string, string>();
  /**
   * A TTL index: the earliest date (ms) among its documents, once the TTL monitor has scanned
   * them; every later write lowers it (`noteTtlDate`). Undefined: unknown, the monitor scans.
   */
  nextExpiryMs: number | undefined;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    this.unique = isTruthyFlag(spec.unique) || spec.name === '_id_';
    this.sparse = isTruthyFlag(spec.sparse);
    this.partialFilter = spec.partialFilterExpression
      ? compileFilter(spec.partialFilterExpression)
      : undefined;
  }

  get name(): string {
    return this.spec.name;
  }

  get isIdIndex(): boolean {
    return this.spec.name === '_id_';
  }

  get expireAfterSeconds(): number | undefined {
    const value = this.spec.expireAfterSeconds;
    return value === undefined ? undefined : toNumber(value);
  }

  /** A document was written: a TTL index the monitor scanned learns its date. */
  noteTtlDate(doc: Document): void {
    if (this.nextExpiryMs === undefined) return;
    const date = earliestDateMs(doc, this.fields[0]);
    if (date < this.nextExpiryMs) this.nextExpiryMs = date;
  }

  /** Key entries of a document, or none when a sparse/partial index skips it. */
  keysOf(doc: Document): IndexKey[] {
    if (this.partialFilter && !this.partialFilter.test(doc)) return [];
    const perField = this.fields.map((field) => valuesAtPath(doc, field));
    if (this.sparse && perField.every((values) => values.length === 1 && values[0] === undefined)) {
      return [];
    }
    const keys = new Map<string, IndexKey>();
    const combine = (index: number, chosen: unknown[]) => {
      if (index === perField.length) {
        const key = chosen.map(canonicalKey).join('|');
        if (!keys.has(key)) keys.set(key, { key, values: [...chosen] });
        return;
      }
      for (const value of perField[index]) combine(index + 1, [...chosen, value]);
    };
    combine(0, []);
    return [...keys.values()];
  }

  /** Throws DuplicateKey when `doc` collides with another document's key in this index. */
  assertUnique(
    doc: Document,
    ownIdKey: string,
    ns: string,
    owner?: (idKey: string) => boolean,
  ): void {
    if (!this.unique || this.isIdIndex) return;
    for (const entry of this.keysOf(doc)) {
      const holder = this.entries.get(entry.key);
      if (holder !== undefined && holder !== ownIdKey && (owner === undefined || owner(holder))) {
        throw this.duplicateKeyError(ns, entry.values);
      }
    }
  }

  add(doc: Document, idKey: string): void {
    if (!this.unique || this.isIdIndex) return;
    for (const entry of this.keysOf(doc)) this.entries.set(entry.key, idKey);
  }

  remove(doc: Document, idKey: string): void {
    if (!this.unique || this.isIdIndex) return;
    for (const entry of this.keysOf(doc)) {
      if (this.entries.get(entry.key) === idKey) this.entries.delete(entry.key);
    }
  }

  duplicateKeyError(ns: string, values: unknown[]): MongoCommandError {
    const keyValue: Document = {};
    this.fields.forEach((field, index) => {
      keyValue[field] = values[index] === undefined ? null : values[index];
    });
    const shown = this.fields
      .map((field, index) => `${field}: ${formatKeyValue(values[index])}`)
      .join(', ');
    return new MongoCommandError(
      ErrorCode.DuplicateKey,
      `E11000 duplicate key error collection: ${ns} index: ${this.name} dup key: { ${shown} }`,
      { keyPattern: { ...this.spec.key }, keyValue },
    );
  }
}

function formatKeyValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (typeof value === 'object') {
    const type = (value as { _bsontype?: string })._bsontype;
    if (type === 'ObjectId')
      return `ObjectId('${(value as { toHexString(): string }).toHexString()}')`;
    return JSON.stringify(value);
  }
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
    ? String(value)
    : '?';
}

/** The default name mongod gives an index: `a_1_b_-1`. */
export function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(direction as string | number)}`)
    .join('_');
}

export function validateIndexSpec(raw: unknown): IndexSpec {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new MongoCommandError(ErrorCode.TypeMismatch, 'index specification must be an object');
  }
  const spec = raw as Document;
  const key = spec.key as Document | undefined;
  if (key === undefined || typeof key !== 'object' || Object.keys(key).length === 0) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "The 'key' field is a required property of an index specification",
    );
  }
  if (typeof spec.name !== 'string' || spec.name.length === 0) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "The 'name' field is a required property of an index specification",
    );
  }
  const { v: _v, ...rest } = spec;
  return { v: 2, ...rest, key, name: spec.name };
}

/** The earliest date at a TTL index's field (arrays: their earliest), Infinity without one. */
export function earliestDateMs(doc: Document, field: string): number {
  let earliest = Infinity;
  for (const value of valuesAtPath(doc, field)) {
    if (value instanceof Date && value.getTime() < earliest) earliest = value.getTime();
  }
  return earliest;
}
