import { calculateObjectSize } from 'bson';

/**
 * Roughly the BSON size of a change event, for the buffer budget: the same walk as
 * `calculateObjectSize` for the types change events are made of, without its per-object
 * allocations (it lists every object's keys), which showed up as GC time at tens of thousands of
 * events per second. Within a few bytes per field of the exact size (names are counted as their
 * UTF-16 length, numbers as doubles); unusual BSON types fall back to the exact computation.
 */
export function eventWeight(event: object): number {
  return documentSize(event, 0);
}

const MAX_DEPTH = 100;

function documentSize(document: object, depth: number): number {
  if (depth > MAX_DEPTH) {
    return calculateObjectSize(document);
  }
  let size = 5;
  for (const key in document) {
    if (!Object.prototype.hasOwnProperty.call(document, key)) {
      continue;
    }
    const value = (document as Record<string, unknown>)[key];
    if (value === undefined || typeof value === 'function') {
      continue;
    }
    size += key.length + 2 + valueSize(value, depth);
  }
  return size;
}

function valueSize(value: unknown, depth: number): number {
  if (typeof value === 'string') {
    return Buffer.byteLength(value, 'utf8') + 5;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return 8;
  }
  if (typeof value === 'boolean') {
    return 1;
  }
  if (typeof value !== 'object' || value === null) {
    return 0;
  }
  if (value instanceof Date) {
    return 8;
  }
  if (ArrayBuffer.isView(value)) {
    return value.byteLength + 5;
  }
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (bsonType === undefined) {
    return documentSize(value, depth + 1);
  }
  const fixed = typeof bsonType === 'string' ? FIXED_SIZES[bsonType] : undefined;
  // Binary, Code, RegExp, DBRef...: rare in change events; measured exactly.
  return fixed ?? calculateObjectSize({ v: value }) - 8;
}

const FIXED_SIZES: Record<string, number | undefined> = {
  ObjectId: 12,
  Long: 8,
  Timestamp: 8,
  Double: 8,
  Int32: 4,
  Decimal128: 16,
};
