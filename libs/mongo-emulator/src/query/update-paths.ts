// Checks on the field paths of an operator update that mongod makes while it builds its update
// tree, before any document is touched; mingo either skips them or cannot see them (it never
// receives $setOnInsert on a matched document, and it refuses every `_id` assignment).
import { ErrorCode, MongoCommandError } from '../errors';
import { Document, isPlainObject, valuesEqual } from '../storage/bson-values';

/** Every field path an operator update writes, with the operator writing it. */
function targetPaths(update: Document): { op: string; path: string }[] {
  const paths: { op: string; path: string }[] = [];
  for (const [op, args] of Object.entries(update)) {
    if (!isPlainObject(args)) continue;
    for (const [path, value] of Object.entries(args)) {
      paths.push({ op, path });
      if (op === '$rename' && typeof value === 'string') paths.push({ op, path: value });
    }
  }
  return paths;
}

function isPrefixPath(shorter: string[], longer: string[]): boolean {
  return shorter.every((part, index) => longer[index] === part);
}

/**
 * Two operators may not write the same path or a path and one of its parents
 * (ConflictingUpdateOperators, 40). `$setOnInsert` counts even when the update matches an
 * existing document, as in mongod.
 */
export function assertNoConflictingPaths(update: Document): void {
  const seen: string[][] = [];
  for (const { path } of targetPaths(update)) {
    const parts = path.split('.');
    const clash = seen.find((other) =>
      other.length <= parts.length ? isPrefixPath(other, parts) : isPrefixPath(parts, other),
    );
    if (clash) {
      throw new MongoCommandError(
        ErrorCode.ConflictingUpdateOperators,
        `Updating the path '${path}' would create a conflict at '${(clash.length <= parts.length ? clash : parts).join('.')}'`,
      );
    }
    seen.push(parts);
  }
}

function pathExists(doc: Document, parts: string[]): boolean {
  let current: unknown = doc;
  for (const part of parts) {
    if (current === null || typeof current !== 'object' || !(part in current)) return false;
    current = (current as Document)[part];
  }
  return true;
}

/**
 * `$[]` and `$[<identifier>]` need the array they walk to exist; mongod fails with BadValue
 * rather than create it (so an upsert can only use them on an array copied from the query).
 */
export function assertArrayUpdatePathsExist(doc: Document, update: Document): void {
  for (const { path } of targetPaths(update)) {
    const parts = path.split('.');
    const firstArrayUpdate = parts.findIndex((part) => /^\$\[[^\]]*\]$/.test(part));
    if (firstArrayUpdate <= 0) continue;
    const arrayPath = parts.slice(0, firstArrayUpdate);
    if (!pathExists(doc, arrayPath)) {
      throw new MongoCommandError(
        ErrorCode.BadValue,
        `The path '${arrayPath.join('.')}' must exist in the document in order to apply array updates.`,
      );
    }
  }
}

/**
 * Takes plain `_id` assignments out of `$set`/`$setOnInsert` (mingo rejects them all). mongod
 * accepts one that keeps the current `_id` (a no-op) and, on an upsert without an `_id` from the
 * query, one that supplies it; anything else changes an immutable field (66).
 * Returns the modifier without those assignments and the `_id` to give a document that has none.
 */
export function extractIdAssignment(
  doc: Document,
  modifier: Document,
): { modifier: Document; assignedId?: unknown } {
  let assignedId: unknown;
  const rest: Document = { ...modifier };
  for (const op of ['$set', '$setOnInsert']) {
    const args = rest[op];
    if (!isPlainObject(args) || !('_id' in args)) continue;
    const { _id: value, ...others } = args;
    if (doc._id !== undefined && !valuesEqual(doc._id, value)) {
      throw new MongoCommandError(
        ErrorCode.ImmutableField,
        "Performing an update on the path '_id' would modify the immutable field '_id'",
      );
    }
    if (doc._id === undefined) assignedId = value;
    if (Object.keys(others).length > 0) rest[op] = others;
    else delete rest[op];
  }
  return { modifier: rest, assignedId };
}
