import type { Document } from 'mongodb';

const FULL_DOCUMENT = 'fullDocument.';

/**
 * The part of a subscription's pipeline that can filter the documents themselves: the
 * conditions on `fullDocument.<path>` of its leading `$match` stages (also inside `$and`), with
 * the prefix removed. A relaxation: everything it drops is still applied afterwards, when the
 * whole pipeline runs over the snapshot events.
 */
export function documentFilterOf(pipeline: readonly Document[]): Document {
  const clauses: Document[] = [];
  for (const stage of pipeline) {
    const match = stage.$match as Document | undefined;
    if (Object.keys(stage).length !== 1 || !isPlainObject(match)) {
      break;
    }
    clauses.push(...translate(match));
  }
  if (clauses.length === 0) {
    return {};
  }
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

function translate(match: Document): Document[] {
  const clauses: Document[] = [];
  for (const [key, condition] of Object.entries(match) as [string, unknown][]) {
    if (key.startsWith(FULL_DOCUMENT) && key.length > FULL_DOCUMENT.length) {
      clauses.push({ [key.slice(FULL_DOCUMENT.length)]: condition });
    } else if (key === '$and' && Array.isArray(condition)) {
      for (const part of condition as unknown[]) {
        if (isPlainObject(part)) {
          clauses.push(...translate(part));
        }
      }
    }
  }
  return clauses;
}

function isPlainObject(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** BSON types in MongoDB's comparison order (numbers are one class, strings and symbols another). */
const TYPE_ORDER: readonly string[][] = [
  ['minKey'],
  ['null'],
  ['double', 'int', 'long', 'decimal'],
  ['string', 'symbol'],
  ['object'],
  ['array'],
  ['binData'],
  ['objectId'],
  ['bool'],
  ['date'],
  ['timestamp'],
  ['regex'],
  ['maxKey'],
];

/**
 * Documents whose `_id` sorts after `lastId` in MongoDB's order, across types: `$gt` only
 * compares within a type, so the types that sort later are added by `$type`. Both clauses can
 * use the `_id` index.
 */
export function afterId(lastId: unknown): Document {
  const rank = TYPE_ORDER.findIndex((types) => types.includes(bsonTypeOf(lastId)));
  const later = TYPE_ORDER.slice(rank + 1).flat();
  if (rank < 0 || later.length === 0) {
    return { _id: { $gt: lastId } };
  }
  return { $or: [{ _id: { $gt: lastId } }, { _id: { $type: later } }] };
}

function bsonTypeOf(value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return 'double';
  }
  if (typeof value === 'string') {
    return 'string';
  }
  if (typeof value === 'boolean') {
    return 'bool';
  }
  if (value instanceof Date) {
    return 'date';
  }
  if (value instanceof RegExp) {
    return 'regex';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  const tag = (value as { _bsontype?: unknown })._bsontype;
  switch (tag) {
    case 'ObjectId':
      return 'objectId';
    case 'Binary':
    case 'UUID':
      return 'binData';
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return 'double';
    case 'Timestamp':
      return 'timestamp';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
    case 'BSONRegExp':
      return 'regex';
    case 'BSONSymbol':
      return 'string';
    default:
      return 'object';
  }
}
