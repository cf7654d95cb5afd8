import { ErrorCode, MongoCommandError } from '../errors';
import { compareOpTime, OpTime } from './logical-clock';

export type TokenKind = 'event' | 'invalidate' | 'highWaterMark';

/**
 * Where a resume token points: the cluster time of an oplog entry plus the index of the event
 * within that time (ops of one transaction share a cluster time). High-water-mark tokens use the
 * largest index, so they sort after every event of their cluster time.
 */
export interface TokenPosition extends OpTime {
  readonly op: number;
  readonly kind: TokenKind;
  /**
   * A fragment of an event split by `$changeStreamSplitLargeEvent` (from 1). Fragment tokens
   * sort after their event's own position and before the next event's.
   */
  readonly fragment?: number;
}

const HIGH_WATER_MARK_OP = 0xffffffff;
const KIND_CODES: Record<TokenKind, string> = {
  event: '0A',
  invalidate: '1E',
  highWaterMark: '7F',
};
const TOKEN_PATTERN = /^82([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(0A|1E|7F)([0-9A-F]{4})?$/;

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

/** Encodes as fixed-width upper-case hex, so tokens compare as strings in stream order. */
export function encodeResumeToken(position: TokenPosition): { _data: string } {
  return {
    _data:
      `82${hex8(position.t)}${hex8(position.i)}${hex8(position.op)}${KIND_CODES[position.kind]}` +
      (position.fragment === undefined
        ? ''
        : position.fragment.toString(16).toUpperCase().padStart(4, '0')),
  };
}

export function highWaterMark(time: OpTime): TokenPosition {
  return { t: time.t, i: time.i, op: HIGH_WATER_MARK_OP, kind: 'highWaterMark' };
}

/**
 * The last position before every event of `time`: the high-water mark of the cluster time just
 * before it. A stream opened at `time` reports this token until it passes an event, and resuming
 * after it yields the events of `time` first.
 */
export function positionBefore(time: OpTime): TokenPosition {
  return time.i > 0
    ? highWaterMark({ t: time.t, i: time.i - 1 })
    : highWaterMark({ t: time.t - 1, i: HIGH_WATER_MARK_OP });
}

export function decodeResumeToken(token: unknown): TokenPosition {
  const data =
    token !== null && typeof token === 'object' ? (token as { _data?: unknown })._data : undefined;
  const match = typeof data === 'string' ? TOKEN_PATTERN.exec(data.toUpperCase()) : null;
  if (!match) {
    throw new MongoCommandError(
      ErrorCode.InvalidResumeToken,
      'Invalid resume token: expected a token produced by this server',
    );
  }
  const kind =
    (Object.keys(KIND_CODES) as TokenKind[]).find((k) => KIND_CODES[k] === match[4]) ?? 'event';
  const position = {
    t: parseInt(match[1], 16),
    i: parseInt(match[2], 16),
    op: parseInt(match[3], 16),
    kind,
  };
  return match[5] === undefined ? position : { ...position, fragment: parseInt(match[5], 16) };
}

export function comparePositions(a: TokenPosition, b: TokenPosition): number {
  return compareOpTime(a, b) || a.op - b.op || (a.fragment ?? 0) - (b.fragment ?? 0);
}
