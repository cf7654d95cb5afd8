import { EJSON } from 'bson';

/** The latest instant relaxed Extended JSON writes as an ISO date string (year 9999). */
const LAST_ISO_DATE_MS = 253_402_300_800_000;

/**
 * `JSON.stringify(EJSON.serialize(value, { relaxed: true }))`, written in one pass for the
 * values change events are made of (plain objects, arrays, strings, finite numbers, booleans,
 * null, dates, ObjectIds, Timestamps); anything else goes through EJSON itself. The same text (a spec
 * holds them equal): serialising every webhook body through EJSON's intermediate objects
 * showed in profiles.
 */
export function relaxedEjsonText(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return JSON.stringify(value);
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  if (value === undefined || value === null) {
    return 'null';
  }
  return typeof value === 'object' ? objectText(value) : viaEjson(value);
}

function objectText(value: object): string {
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      text += (i === 0 ? '' : ',') + relaxedEjsonText(value[i]);
    }
    return `${text}]`;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (ms >= 0 && ms < LAST_ISO_DATE_MS) {
      return `{"$date":"${isoText(value)}"}`;
    }
    return viaEjson(value);
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) {
    const bsonType = (value as { _bsontype?: unknown })._bsontype;
    if (bsonType === 'ObjectId') {
      return `{"$oid":"${(value as { toHexString(): string }).toHexString()}"}`;
    }
    if (bsonType === 'Timestamp') {
      // Every change event's clusterTime.
      const { t, i } = value as { t: number; i: number };
      return `{"$timestamp":{"t":${t},"i":${i}}}`;
    }
    return viaEjson(value);
  }
  let text = '{';
  let first = true;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) {
      continue;
    }
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === 'function' || typeof field === 'symbol') {
      return viaEjson(value);
    }
    text += `${first ? '' : ','}${JSON.stringify(key)}:${relaxedEjsonText(field)}`;
    first = false;
  }
  return `${text}}`;
}

/**
 * `toISOString()` without the milliseconds when they are 0, as relaxed Extended JSON writes a
 * date from 1970 to 9999 (four-digit years). From the UTC fields: `toISOString` took ~0.4 µs a
 * date here, more than twice this, and every change event has its `wallTime`.
 */
function isoText(date: Date): string {
  const ms = date.getUTCMilliseconds();
  return `${date.getUTCFullYear()}-${twoDigits(date.getUTCMonth() + 1)}-${twoDigits(
    date.getUTCDate(),
  )}T${twoDigits(date.getUTCHours())}:${twoDigits(date.getUTCMinutes())}:${twoDigits(
    date.getUTCSeconds(),
  )}${ms === 0 ? '' : ms < 10 ? `.00${ms}` : ms < 100 ? `.0${ms}` : `.${ms}`}Z`;
}

function twoDigits(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function viaEjson(value: unknown): string {
  return JSON.stringify(EJSON.serialize(value, { relaxed: true }));
}
