import type { OplogEntry } from '../oplog/oplog';
import type { Document } from '../storage/bson-values';

/** A test on an oplog entry that every event passing a `$match` must pass. */
export type EntryPrefilter = (entry: OplogEntry) => boolean;

/** Operations whose event is built from the entry alone, with `ns` and `operationType` = op. */
const CRUD_OPERATIONS = new Set(['insert', 'update', 'replace', 'delete']);

/**
 * From a change stream's leading `$match`, the conditions on `ns.db`, `ns.coll` and
 * `operationType` that can be checked on an oplog entry before its event is built, as mongod
 * rewrites such predicates onto its oplog scan: a stream that wants a few collections of a busy
 * database (the relay's metadata stream next to the event journal) then skips the other
 * entries without building, and copying, an event for each. Undefined when the `$match`
 * constrains none of them in a form read here (equality, `$eq`, `$in` of strings; `$and`;
 * `$or` whose every branch does). Only a necessary condition: the `$match` itself still runs
 * on every event that passes. DDL entries (drop, rename, ...) always pass: their events differ
 * from the entry (an invalidate bypasses the pipeline).
 */
export function entryPrefilter(match: Document): EntryPrefilter | undefined {
  const test = conditionOf(match);
  if (!test) return undefined;
  return (entry) => !CRUD_OPERATIONS.has(entry.op) || test(entry);
}

type EntryTest = (entry: OplogEntry) => boolean;

const FIELDS = new Map<string, (entry: OplogEntry) => string | undefined>([
  ['ns.db', (entry) => entry.db],
  ['ns.coll', (entry) => entry.coll],
  ['operationType', (entry) => entry.op],
]);

function conditionOf(match: Document): EntryTest | undefined {
  const tests: EntryTest[] = [];
  for (const [key, value] of Object.entries(match)) {
    let test: EntryTest | undefined;
    if (key === '$and' && Array.isArray(value)) {
      test = allOf(value.map((clause) => (isObject(clause) ? conditionOf(clause) : undefined)));
    } else if (key === '$or' && Array.isArray(value) && value.length > 0) {
      const branches = value.map((clause) => (isObject(clause) ? conditionOf(clause) : undefined));
      // One branch that constrains nothing lets any entry through.
      if (branches.every((branch) => branch !== undefined)) {
        test = (entry) => branches.some((branch) => branch(entry));
      }
    } else {
      const read = FIELDS.get(key);
      if (read) test = fieldTest(read, value);
    }
    if (test) tests.push(test);
  }
  return allOf(tests);
}

function allOf(tests: (EntryTest | undefined)[]): EntryTest | undefined {
  const defined = tests.filter((test): test is EntryTest => test !== undefined);
  if (defined.length === 0) return undefined;
  if (defined.length === 1) return defined[0];
  return (entry) => defined.every((test) => test(entry));
}

/** `'value'`, `{$eq: 'value'}` or `{$in: ['a', 'b']}` (strings only); anything else: undefined. */
function fieldTest(
  read: (entry: OplogEntry) => string | undefined,
  value: unknown,
): EntryTest | undefined {
  if (typeof value === 'string') return (entry) => read(entry) === value;
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const operand = value[keys[0]];
  if (keys[0] === '$eq' && typeof operand === 'string') {
    return (entry) => read(entry) === operand;
  }
  if (
    keys[0] === '$in' &&
    Array.isArray(operand) &&
    operand.every((item) => typeof item === 'string')
  ) {
    const allowed = new Set(operand);
    return (entry) => {
      const actual = read(entry);
      return actual !== undefined && allowed.has(actual);
    };
  }
  return undefined;
}

function isObject(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
