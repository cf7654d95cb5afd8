import { Aggregator, update as applyModifier } from 'mingo';
import { ErrorCode, MongoCommandError } from '../errors';
import type { UpdateDescription } from '../oplog/oplog';
import {
  canonicalKey,
  deepClone,
  Document,
  isPlainObject,
  valueAtPath,
} from '../storage/bson-values';
import { asBadValue, mingoOptions } from './mingo-options';
import {
  assertArrayUpdatePathsExist,
  assertNoConflictingPaths,
  extractIdAssignment,
} from './update-paths';

export type UpdateSpec = Document | Document[];

export interface UpdateOutcome {
  doc: Document;
  kind: 'update' | 'replace';
  changed: boolean;
  description?: UpdateDescription;
}

const SUPPORTED_OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$push',
  '$pull',
  '$pullAll',
  '$addToSet',
  '$pop',
  '$bit',
  '$currentDate',
  '$setOnInsert',
]);

export function isOperatorUpdate(update: UpdateSpec): update is Document {
  if (Array.isArray(update)) return false;
  const keys = Object.keys(update);
  return keys.length > 0 && keys[0].startsWith('$');
}

function validateOperators(update: Document): void {
  for (const key of Object.keys(update)) {
    if (!key.startsWith('$')) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (!SUPPORTED_OPERATORS.has(key)) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    const args = update[key];
    if (!isPlainObject(args)) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        `Modifiers operate on fields but we found type ${typeof args} instead.`,
      );
    }
    if (key === '$inc' || key === '$mul') {
      for (const [path, amount] of Object.entries(args)) {
        if (typeof amount !== 'number' && !isNumericBson(amount)) {
          throw new MongoCommandError(
            ErrorCode.TypeMismatch,
            `Cannot ${key === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${JSON.stringify(amount)}}`,
          );
        }
      }
    }
  }
}

function isNumericBson(value: unknown): boolean {
  const type = (value as { _bsontype?: string } | null)?._bsontype;
  return type === 'Long' || type === 'Int32' || type === 'Double' || type === 'Decimal128';
}

function assertNumericTargets(doc: Document, update: Document): void {
  for (const op of ['$inc', '$mul']) {
    const args = update[op] as Document | undefined;
    if (!args) continue;
    for (const path of Object.keys(args)) {
      if (path.includes('$')) continue;
      const current = valueAtPath(doc, path);
      if (
        current !== undefined &&
        current !== null &&
        typeof current !== 'number' &&
        !isNumericBson(current)
      ) {
        throw new MongoCommandError(
          ErrorCode.TypeMismatch,
          `Cannot apply ${op} to a value of non-numeric type. {_id: ${String(canonicalKey(doc._id)).slice(1)}} has the field '${path}' of non-numeric type ${typeof current}`,
        );
      }
    }
  }
}

/**
 * Applies an update (operators, replacement or pipeline) to a copy of `doc`.
 * `inserting` applies `$setOnInsert` (upserts); the result keeps `doc`'s `_id` first. A `doc`
 * without `_id` (an upsert whose query had none) may receive one from the update.
 */
export function applyUpdate(
  doc: Document,
  update: UpdateSpec,
  options: {
    arrayFilters?: Document[];
    query?: Document;
    inserting?: boolean;
    variables?: Document;
  } = {},
): UpdateOutcome {
  if (Array.isArray(update)) return applyPipelineUpdate(doc, update, options.variables);
  if (!isOperatorUpdate(update)) return applyReplacement(doc, update);
  validateOperators(update);
  assertNoConflictingPaths(update);
  assertNumericTargets(doc, update);
  const withoutInsertOnly: Document = { ...update };
  const setOnInsert = withoutInsertOnly.$setOnInsert as Document | undefined;
  delete withoutInsertOnly.$setOnInsert;
  if (setOnInsert && options.inserting) {
    // No path conflicts (checked above), so $setOnInsert is exactly an extra $set on insert.
    withoutInsertOnly.$set = { ...(withoutInsertOnly.$set ?? {}), ...setOnInsert };
  }
  const { modifier, assignedId } = extractIdAssignment(doc, withoutInsertOnly);
  assertArrayUpdatePathsExist(doc, modifier);
  const next = deepClone(doc);
  let paths: string[];
  try {
    paths =
      Object.keys(modifier).length === 0
        ? []
        : applyModifier(next, modifier as never, options.arrayFilters, options.query, {
            cloneMode: 'deep',
          });
  } catch (error) {
    throw asUpdateError(error);
  }
  if (assignedId !== undefined) {
    next._id = assignedId;
    paths.push('_id');
  }
  assertIdUnchanged(doc, next);
  const description: UpdateDescription = {
    updatedFields: {},
    removedFields: [],
    truncatedArrays: [],
  };
  for (const path of paths) {
    const value = valueAtPath(next, path);
    if (value === undefined && !hasPath(next, path)) description.removedFields.push(path);
    else description.updatedFields[path] = value;
  }
  return { doc: idFirst(next), kind: 'update', changed: paths.length > 0, description };
}

function hasPath(doc: Document, path: string): boolean {
  const parts = path.split('.');
  let current: unknown = doc;
  for (const part of parts) {
    if (current === null || typeof current !== 'object' || !(part in current)) return false;
    current = (current as Document)[part];
  }
  return true;
}

function applyReplacement(doc: Document, replacement: Document): UpdateOutcome {
  for (const key of Object.keys(replacement)) {
    if (key.startsWith('$')) {
      throw new MongoCommandError(
        ErrorCode.DollarPrefixedFieldName,
        `The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document.`,
      );
    }
  }
  const next: Document = { _id: doc._id, ...replacement };
  next._id = replacement._id === undefined ? doc._id : replacement._id;
  if (next._id === undefined) delete next._id;
  assertIdUnchanged(doc, next);
  const changed = canonicalKey(doc) !== canonicalKey(idFirst(next));
  return { doc: idFirst(next), kind: 'replace', changed };
}

function applyPipelineUpdate(
  doc: Document,
  pipeline: Document[],
  variables?: Document,
): UpdateOutcome {
  let next: Document;
  try {
    next = new Aggregator(pipeline, mingoOptions(undefined, true, variables)).run([doc])[0] ?? {};
  } catch (error) {
    throw asUpdateError(error);
  }
  if (next._id === undefined && doc._id !== undefined) next._id = doc._id;
  assertIdUnchanged(doc, next);
  const description = diffDocuments(doc, next);
  const changed =
    Object.keys(description.updatedFields).length > 0 ||
    description.removedFields.length > 0 ||
    description.truncatedArrays.length > 0;
  return { doc: idFirst(next), kind: 'update', changed, description };
}

/** `_id` may not change; a document without one (an upsert's new document) may gain one. */
function assertIdUnchanged(before: Document, after: Document): void {
  if (before._id === undefined) return;
  if (canonicalKey(before._id) !== canonicalKey(after._id)) {
    throw new MongoCommandError(
      ErrorCode.ImmutableField,
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
}

function idFirst(doc: Document): Document {
  if (Object.keys(doc)[0] === '_id' || doc._id === undefined) return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

function asUpdateError(error: unknown): MongoCommandError {
  if (error instanceof MongoCommandError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/conflict/i.test(message))
    return new MongoCommandError(ErrorCode.ConflictingUpdateOperators, message);
  if (/immutable field/i.test(message))
    return new MongoCommandError(ErrorCode.ImmutableField, message);
  return asBadValue(error);
}

/**
 * Structural diff used for pipeline-style updates, like mongod's document diff: sub-documents
 * are compared field by field, arrays element by element, shrunk arrays go to truncatedArrays.
 */
export function diffDocuments(before: Document, after: Document): UpdateDescription {
  const description: UpdateDescription = {
    updatedFields: {},
    removedFields: [],
    truncatedArrays: [],
  };
  diffObjects(before, after, '', description);
  return description;
}

function diffObjects(
  before: Document,
  after: Document,
  prefix: string,
  out: UpdateDescription,
): void {
  for (const key of Object.keys(after)) {
    const path = prefix + key;
    if (!(key in before)) out.updatedFields[path] = after[key];
    else diffValues(before[key], after[key], path, out);
  }
  for (const key of Object.keys(before)) if (!(key in after)) out.removedFields.push(prefix + key);
}

function diffValues(before: unknown, after: unknown, path: string, out: UpdateDescription): void {
  if (canonicalKey(before) === canonicalKey(after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    diffObjects(before, after, `${path}.`, out);
  } else if (Array.isArray(before) && Array.isArray(after)) {
    if (after.length < before.length)
      out.truncatedArrays.push({ field: path, newSize: after.length });
    after.forEach((item, index) => {
      if (index >= before.length) out.updatedFields[`${path}.${index}`] = item;
      else diffValues(before[index], item, `${path}.${index}`, out);
    });
  } else {
    out.updatedFields[path] = after;
  }
}
