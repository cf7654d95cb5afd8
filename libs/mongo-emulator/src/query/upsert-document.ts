// The document an upsert inserts when its query matches nothing, built the way mongod's upsert
// stage builds it: the query's equality fields, then the update applied as an insert, then an
// ObjectId `_id` when neither the query nor the update supplied one.
import { ObjectId } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors';
import { Document, isPlainObject } from '../storage/bson-values';
import { applyUpdate, isOperatorUpdate, UpdateSpec } from './update-engine';

/**
 * Operator and pipeline upserts start from every equality of the query (`{a: 1}`,
 * `{'a.b': 1}`, `{a: {$eq: 1}}`, equalities inside `$and`); a replacement upsert takes only the
 * query's `_id`. Other predicates (`$gt`, `$in`, regexes, `$or`, ...) contribute nothing.
 */
export function buildUpsertDocument(
  query: Document,
  update: UpdateSpec,
  arrayFilters?: Document[],
  variables?: Document,
): { doc: Document } {
  const equalities = new Map<string, unknown>();
  collectEqualities(query, equalities);
  const replacement = !Array.isArray(update) && !isOperatorUpdate(update);
  const base: Document = {};
  for (const [path, value] of equalities) {
    if (replacement && path !== '_id') continue;
    setPath(base, path, value);
  }
  const { doc } = applyUpdate(base, update, { arrayFilters, inserting: true, variables });
  return { doc: doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc };
}

function isRegex(value: unknown): boolean {
  return (
    value instanceof RegExp || (value as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp'
  );
}

function collectEqualities(query: Document, out: Map<string, unknown>): void {
  for (const [key, value] of Object.entries(query)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) if (isPlainObject(clause)) collectEqualities(clause, out);
      continue;
    }
    if (key.startsWith('$')) continue;
    if (isPlainObject(value)) {
      const ops = Object.keys(value);
      if (ops.length > 0 && ops[0].startsWith('$')) {
        if ('$eq' in value) addEquality(out, key, value.$eq);
        continue;
      }
    }
    if (isRegex(value)) continue;
    addEquality(out, key, value);
  }
}

/** mongod cannot seed a field the query constrains twice, or a field and one of its parents. */
function addEquality(out: Map<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  for (const other of out.keys()) {
    if (other === path) {
      throw new MongoCommandError(
        ErrorCode.NotSingleValueField,
        `cannot infer query fields to set, path '${path}' is matched twice`,
      );
    }
    const otherParts = other.split('.');
    const [shorter, longer] =
      otherParts.length < parts.length ? [otherParts, parts] : [parts, otherParts];
    if (shorter.every((part, index) => longer[index] === part)) {
      throw new MongoCommandError(
        ErrorCode.NotSingleValueField,
        `cannot infer query fields to set, both paths '${other}' and '${path}' are matched`,
      );
    }
  }
  out.set(path, value);
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(current[part])) current[part] = {};
    current = current[part] as Document;
  }
  current[parts[parts.length - 1]] = value;
}
