import { Decimal128 } from 'bson';
import { PROTOTYPE_KEYS } from '../common/http/request-hardening';

/**
 * Strict Extended JSON v2 (canonical and relaxed) for values in pipelines: a type wrapper such
 * as `{"$date": …}` must be well formed, or the pipeline is refused naming where; the bson
 * parser itself would throw (a 500) on some and silently coerce others (`{"$date": "not a
 * date"}` became 1970-01-01). `$code`, `$symbol`, `$dbPointer` and `$undefined` are refused:
 * server-side JavaScript and deprecated types have no place in a change stream filter.
 */
const WRAPPERS: Record<
  string,
  (value: unknown, wrapper: Record<string, unknown>) => string | undefined
> = {
  $oid: (value) =>
    typeof value === 'string' && /^[0-9a-fA-F]{24}$/.test(value)
      ? undefined
      : '$oid must be 24 hexadecimal digits',
  $date: (value) => dateProblem(value),
  $numberInt: (value) =>
    typeof value === 'string' && /^-?\d{1,10}$/.test(value) && int32(Number(value))
      ? undefined
      : '$numberInt must be a string of a 32-bit integer',
  $numberLong: (value) =>
    int64String(value) ? undefined : '$numberLong must be a string of a 64-bit integer',
  $numberDouble: (value) =>
    typeof value === 'string' &&
    (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value) ||
      ['Infinity', '-Infinity', 'NaN'].includes(value))
      ? undefined
      : '$numberDouble must be a string of a number, "Infinity", "-Infinity" or "NaN"',
  $numberDecimal: (value) =>
    decimal(value) ? undefined : '$numberDecimal must be a string of a decimal number',
  $binary: (value) =>
    isObject(value) &&
    Object.keys(value).sort().join(',') === 'base64,subType' &&
    typeof value.base64 === 'string' &&
    /^[A-Za-z0-9+/]*={0,2}$/.test(value.base64) &&
    typeof value.subType === 'string' &&
    /^[0-9a-fA-F]{1,2}$/.test(value.subType)
      ? undefined
      : '$binary must be { "base64": "…", "subType": "<hex>" }',
  $uuid: (value) =>
    typeof value === 'string' &&
    /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(value)
      ? undefined
      : '$uuid must be a UUID string',
  $regularExpression: (value) =>
    isObject(value) &&
    Object.keys(value).sort().join(',') === 'options,pattern' &&
    typeof value.pattern === 'string' &&
    typeof value.options === 'string' &&
    /^[imxslu]*$/.test(value.options)
      ? undefined
      : '$regularExpression must be { "pattern": "…", "options": "<imxslu>" }',
  $timestamp: (value) =>
    isObject(value) &&
    Object.keys(value).sort().join(',') === 'i,t' &&
    uint32(value.t) &&
    uint32(value.i)
      ? undefined
      : '$timestamp must be { "t": <uint32>, "i": <uint32> }',
  $minKey: (value) => (value === 1 ? undefined : '$minKey must be 1'),
  $maxKey: (value) => (value === 1 ? undefined : '$maxKey must be 1'),
  $code: () => '$code (JavaScript) is not allowed',
  $scope: () => '$code (JavaScript) is not allowed',
  $symbol: () => '$symbol is deprecated and not allowed',
  $dbPointer: () => '$dbPointer is deprecated and not allowed',
  $undefined: () => '$undefined is deprecated and not allowed',
};

/** Keys that reach an object's prototype in JavaScript: refused wherever they appear. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/**
 * The first problem with the Extended JSON in `value`, with its path (e.g.
 * `$match.createdAt: $date must be …`); undefined when all is well. Iterative, so depth costs
 * no stack.
 */
export function extendedJsonProblem(value: unknown, root = ''): string | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (Array.isArray(current)) {
      current.forEach((item, index) => stack.push([item, `${path}[${index}]`]));
      continue;
    }
    if (!isObject(current)) {
      continue;
    }
    const keys = Object.keys(current);
    for (const key of keys) {
      if (PROTOTYPE_KEYS.has(key)) {
        return `${join(path, key)}: the key "${key}" is not allowed`;
      }
    }
    const wrapper = keys.find((key) => key in WRAPPERS && Object.hasOwn(WRAPPERS, key));
    if (wrapper) {
      const allowedKeys = wrapper === '$code' ? ['$code', '$scope'] : [wrapper];
      if (keys.some((key) => !allowedKeys.includes(key))) {
        return `${join(path, wrapper)}: ${wrapper} must be the only key of its object`;
      }
      const problem = WRAPPERS[wrapper](current[wrapper], current);
      if (problem) {
        return `${join(path, wrapper)}: ${problem}`;
      }
      continue;
    }
    for (const key of keys) {
      stack.push([current[key], join(path, key)]);
    }
  }
  return undefined;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function int32(value: number): boolean {
  return Number.isInteger(value) && value >= -2_147_483_648 && value <= 2_147_483_647;
}

function uint32(value: unknown): boolean {
  return (
    typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 4_294_967_295
  );
}

function int64String(value: unknown): boolean {
  if (typeof value !== 'string' || !/^-?\d{1,19}$/.test(value)) {
    return false;
  }
  const big = BigInt(value);
  return big >= -(2n ** 63n) && big < 2n ** 63n;
}

function decimal(value: unknown): boolean {
  if (typeof value !== 'string') {
    return false;
  }
  try {
    Decimal128.fromString(value);
    return true;
  } catch {
    return false;
  }
}

/** Relaxed: an ISO-8601 string with a time zone; canonical: { "$numberLong": "<ms>" }. */
function dateProblem(value: unknown): string | undefined {
  const reason =
    '$date must be an ISO-8601 date-time with a time zone (e.g. "2025-01-31T12:00:00Z") or { "$numberLong": "<milliseconds>" }';
  if (typeof value === 'string') {
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
    return iso.test(value) && Number.isFinite(Date.parse(value)) ? undefined : reason;
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    return keys.length === 1 && keys[0] === '$numberLong' && int64String(value.$numberLong)
      ? undefined
      : reason;
  }
  return reason;
}
