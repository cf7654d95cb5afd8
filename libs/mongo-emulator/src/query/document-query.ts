import { Query } from 'mingo';
import { ErrorCode, MongoCommandError } from '../errors';
import type { Document } from '../storage/bson-values';
import { isPlainObject } from '../storage/bson-values';
import type { CollectionView } from '../storage/collection-view';
import { asBadValue, compileFilter, mingoOptions } from './mingo-options';

export interface FindOptions {
  sort?: Document;
  skip?: number;
  limit?: number;
  projection?: Document;
  /** The command's `let` variables. */
  variables?: Document;
}

/** An `_id` the filter pins to one value, so a lookup replaces the scan. */
function pinnedId(filter: Document): { value: unknown } | undefined {
  if (!('_id' in filter)) return undefined;
  const id = filter._id;
  if (isPlainObject(id)) {
    const keys = Object.keys(id);
    if (keys.length === 1 && keys[0] === '$eq') return { value: id.$eq };
    if (keys.some((key) => key.startsWith('$'))) return undefined;
  }
  if (id instanceof RegExp) return undefined;
  return { value: id };
}

/** Documents matching a filter, in storage order. */
export function matchingDocuments(
  view: CollectionView,
  filter: Document | undefined,
  limit = 0,
  variables?: Document,
): Document[] {
  const criteria = filter ?? {};
  const query = compileFilter(criteria, variables);
  const pinned = pinnedId(criteria);
  if (pinned) {
    const doc = view.get(pinned.value);
    return doc && test(query, doc) ? [doc] : [];
  }
  const out: Document[] = [];
  for (const doc of view.documents()) {
    if (test(query, doc)) {
      out.push(doc);
      if (limit > 0 && out.length >= limit) break;
    }
  }
  return out;
}

function test(query: Query, doc: Document): boolean {
  try {
    return query.test(doc);
  } catch (error) {
    throw asBadValue(error);
  }
}

/** find semantics: filter, sort, skip, limit, then projection. */
export function findDocuments(
  view: CollectionView,
  filter: Document | undefined,
  options: FindOptions,
): Document[] {
  const hasSort = options.sort !== undefined && Object.keys(options.sort).length > 0;
  const earlyLimit = !hasSort && options.limit ? options.limit + (options.skip ?? 0) : 0;
  const matched = matchingDocuments(view, filter, earlyLimit, options.variables);
  return shapeResults(matched, options);
}

export function shapeResults(docs: Document[], options: FindOptions): Document[] {
  const projection =
    options.projection && Object.keys(options.projection).length > 0
      ? options.projection
      : undefined;
  let hasSort = options.sort !== undefined && Object.keys(options.sort).length > 0;
  if (hasSort && '$natural' in (options.sort as Document)) {
    // {$natural: 1} is storage (insertion) order, {$natural: -1} the reverse.
    if (Object.keys(options.sort as Document).length > 1) {
      throw new MongoCommandError(
        ErrorCode.NotImplemented,
        '$natural combined with other sort keys is not supported by the MongoDB emulator',
      );
    }
    if (validateSort(options.sort as Document).$natural === -1) docs = [...docs].reverse();
    hasSort = false;
  }
  if (!projection && !hasSort && !options.skip && !options.limit) return docs;
  try {
    let cursor = new Query({}, mingoOptions(undefined, false, options.variables)).find(
      docs,
      projection,
    );
    if (hasSort) cursor = cursor.sort(validateSort(options.sort as Document));
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    const results = cursor.all() as Document[];
    return projection ? results.map((doc) => idFirst(doc)) : results;
  } catch (error) {
    throw asBadValue(error);
  }
}

function validateSort(sort: Document): Record<string, 1 | -1> {
  const out: Record<string, 1 | -1> = {};
  for (const [key, direction] of Object.entries(sort)) {
    const value = typeof direction === 'number' ? direction : Number(direction);
    if (value !== 1 && value !== -1) {
      throw new MongoCommandError(
        ErrorCode.BadValue,
        `$sort key ordering must be 1 (for ascending) or -1 (for descending)`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** mongod keeps `_id` first in projected documents; mingo appends it. */
function idFirst(doc: Document): Document {
  if (!('_id' in doc) || Object.keys(doc)[0] === '_id') return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}
