import type { SqlLocation, SqlValue } from '../parser/sql-script.parser';
import { SqlErrors } from '../sql.errors';

/** A JSON value as written in SQL: strings, numbers, booleans, NULL, JSON_ARRAY, JSON_OBJECT. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type SqlParams = Readonly<Record<string, unknown>>;

/**
 * The value of an option. `:name` takes params[name]; a bare word is a string (so
 * `handler = log` reads as `handler = 'log'`).
 */
export function jsonValue(value: SqlValue, params: SqlParams, option: string): JsonValue {
  switch (value.type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return value.value;
    case 'identifier':
      return value.value;
    case 'array':
      return value.items.map((item) => jsonValue(item, params, option));
    case 'object':
      return jsonObject(value.items, value.loc, params, option);
    case 'param':
      if (!Object.prototype.hasOwnProperty.call(params, value.name)) {
        throw SqlErrors.badOption(
          option,
          `no value for the parameter :${value.name} in params`,
          value.loc.start,
        );
      }
      return params[value.name] as JsonValue;
  }
}

function jsonObject(
  items: SqlValue[],
  loc: SqlLocation,
  params: SqlParams,
  option: string,
): { [key: string]: JsonValue } {
  if (items.length % 2 !== 0) {
    throw SqlErrors.badOption(
      option,
      'JSON_OBJECT takes key, value pairs (an even number of arguments)',
      loc.start,
    );
  }
  const out: { [key: string]: JsonValue } = {};
  for (let i = 0; i < items.length; i += 2) {
    const key = items[i];
    if (key.type !== 'string') {
      throw SqlErrors.badOption(option, 'a JSON_OBJECT key must be a string', key.loc.start);
    }
    if (key.value === '__proto__') {
      throw SqlErrors.badOption(option, 'a JSON_OBJECT key cannot be __proto__', key.loc.start);
    }
    out[key.value] = jsonValue(items[i + 1], params, option);
  }
  return out;
}

/** SQL text for a JSON value, the inverse of `jsonValue`: what SHOW CREATE prints. */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) {
    return 'NULL';
  }
  if (typeof value === 'string') {
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value instanceof Date) {
    return sqlLiteral(value.toISOString());
  }
  if (Array.isArray(value)) {
    return `JSON_ARRAY(${value.map(sqlLiteral).join(', ')})`;
  }
  if (typeof value === 'object') {
    const pairs = Object.entries(value as Record<string, unknown>).map(
      ([key, item]) => `${sqlLiteral(key)}, ${sqlLiteral(item)}`,
    );
    return `JSON_OBJECT(${pairs.join(', ')})`;
  }
  return 'NULL';
}
