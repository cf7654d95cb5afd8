import { eventIdOf, type RawChangeEvent } from '../source/change-event.mapper';
import type { DeliveryEvent } from '@app/delivery';
import { errorMessage } from '../errors/error-message';

/**
 * Distinct error signatures one instance records per subscription and minute; further ones are
 * counted under `OTHER_ERRORS`, so a handler throwing ever-new error names cannot grow a rollup
 * document without bound.
 */
export const MAX_ERROR_SIGNATURES = 20;

/** The signature that collects failures past `MAX_ERROR_SIGNATURES`. */
export const OTHER_ERRORS = '(other)';

const NAME_MAX = 100;
const CODE_MAX = 64;
const MESSAGE_MAX = 200;

/** What identifies an error in the rollups: its name, code and HTTP status. */
export interface ErrorSignature {
  name: string;
  code?: number | string;
  httpStatus?: number;
}

/** The most recent failure of a signature. `at` first: `$max` compares field by field. */
export interface ErrorSample {
  at: Date;
  eventId: string;
  message: string;
}

/** Failures of one signature over a minute (or a range, once summed). */
export interface ErrorTally extends ErrorSignature {
  /** Failed handler attempts (a batch call counts once). */
  attempts: number;
  /** Events dead-lettered with this error. */
  deadLettered: number;
  firstAt: Date;
  latest: ErrorSample;
}

/** The bounded signature of an error (long names and codes are cut). */
export function errorSignature(error: unknown): ErrorSignature {
  if (!(error instanceof Error)) {
    return { name: 'Error' };
  }
  const { code, status } = error as { code?: unknown; status?: unknown };
  return {
    name: (error.name || 'Error').slice(0, NAME_MAX),
    ...(typeof code === 'number' && Number.isFinite(code) ? { code } : {}),
    ...(typeof code === 'string' ? { code: code.slice(0, CODE_MAX) } : {}),
    ...(typeof status === 'number' && Number.isInteger(status) && status >= 100 && status < 600
      ? { httpStatus: status }
      : {}),
  };
}

/** The key of a signature (a field name once encoded). */
export function signatureKey(signature: ErrorSignature): string {
  if (signature.name === OTHER_ERRORS && signature.code === undefined) {
    return OTHER_ERRORS;
  }
  return `${signature.name}|${signature.code ?? ''}|${signature.httpStatus ?? ''}`;
}

function messageOf(error: unknown): string {
  return errorMessage(error).slice(0, MESSAGE_MAX);
}

function sampleId(event: DeliveryEvent<RawChangeEvent> | undefined): string {
  if (!event) {
    return '';
  }
  return eventIdOf(event.token ?? event.payload._id);
}

/**
 * Adds one failure to a minute's tallies. `admit(key)` says whether a new signature may get
 * its own entry (the per-minute cap); if not, the failure goes to `OTHER_ERRORS`.
 */
export function tallyError(
  tallies: Record<string, ErrorTally>,
  error: unknown,
  event: DeliveryEvent<RawChangeEvent> | undefined,
  kind: 'attempts' | 'deadLettered',
  admit: (key: string) => boolean,
): void {
  let signature = errorSignature(error);
  let key = signatureKey(signature);
  if (tallies[key] === undefined && !admit(key)) {
    signature = { name: OTHER_ERRORS };
    key = OTHER_ERRORS;
  }
  const at = new Date();
  let tally = tallies[key];
  if (!tally) {
    tally = {
      ...signature,
      attempts: 0,
      deadLettered: 0,
      firstAt: at,
      latest: { at, eventId: '', message: '' },
    };
    tallies[key] = tally;
  }
  tally[kind] += 1;
  tally.latest = { at, eventId: sampleId(event), message: messageOf(error) };
}

/** Adds `from` into `into` (a delta that failed to flush goes back into the pending one). */
export function mergeTallies(
  into: Record<string, ErrorTally>,
  from: Record<string, ErrorTally>,
): void {
  for (const [key, tally] of Object.entries(from)) {
    const current = into[key];
    if (!current) {
      into[key] = tally;
      continue;
    }
    current.attempts += tally.attempts;
    current.deadLettered += tally.deadLettered;
    if (tally.firstAt < current.firstAt) {
      current.firstAt = tally.firstAt;
    }
    if (tally.latest.at > current.latest.at) {
      current.latest = tally.latest;
    }
  }
}
