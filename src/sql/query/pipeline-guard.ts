import { SqlErrors } from '../sql.errors';
import { VIRTUAL_TABLES } from './virtual-tables';

/** Collections a SQL query may read: the tables' own and those their rows are joined from. */
export const READABLE_COLLECTIONS: ReadonlySet<string> = new Set([
  ...VIRTUAL_TABLES.map((table) => table.collection),
  'subscriptions',
  'leases',
  'checkpoints',
  'metrics_minutely',
]);

/** Server-side JavaScript, writes, and reads of anything but the collections above. */
const FORBIDDEN = new Set([
  '$where',
  '$function',
  '$accumulator',
  '$out',
  '$merge',
  '$graphLookup',
  '$currentOp',
  '$listSessions',
  '$collStats',
  '$indexStats',
  '$planCacheStats',
  '$changeStream',
  '$documents',
]);

/**
 * The last check before a translated query runs, whatever produced it: no forbidden operator
 * anywhere, and every `$lookup` / `$unionWith` reads a readable collection of this database
 * (the `from` of MongoDB's `$lookup` cannot name another database, and `db` forms are refused).
 * `$literal` values are data, never evaluated, so they are not walked.
 */
export function assertSafePipeline(collection: string, pipeline: readonly unknown[]): void {
  assertReadable(collection);
  for (const stage of pipeline) {
    walk(stage, 0);
  }
}

function assertReadable(collection: unknown): void {
  if (typeof collection !== 'string' || !READABLE_COLLECTIONS.has(collection)) {
    throw SqlErrors.invalid(`a query may not read ${JSON.stringify(collection)}`);
  }
}

function walk(value: unknown, depth: number): void {
  if (depth > 200) {
    throw SqlErrors.invalid('the query is nested too deeply');
  }
  if (Array.isArray(value)) {
    value.forEach((item) => walk(item, depth + 1));
    return;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date) {
    return;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (FORBIDDEN.has(key)) {
      throw SqlErrors.invalid(`the operator ${key} is refused in SQL queries`);
    }
    if (key === '$literal') {
      continue;
    }
    if (key === '$lookup' || key === '$unionWith') {
      const spec = item as Record<string, unknown> | string;
      const from = typeof spec === 'string' ? spec : (spec.from ?? spec.coll);
      assertReadable(from);
      if (typeof spec === 'object' && spec !== null && 'db' in spec) {
        throw SqlErrors.invalid(`${key} across databases is refused`);
      }
    }
    walk(item, depth + 1);
  }
}
