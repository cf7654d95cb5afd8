import type { StreamPosition } from '../../checkpoints/checkpoint.types';

/** Resume tokens of MongoDB and the emulator: hex KeyStrings starting with 82 + cluster time. */
const TOKEN_DATA = /^82[0-9A-F]{16}/;

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

/**
 * A string that orders positions of one database's change stream as the server does: a resume
 * token's `_data` (a KeyString, binary comparable, so its upper-case hex compares as a string),
 * or for a cluster time the 82 + time prefix every token of that time starts with (so it sorts
 * before all of them). Undefined for a token of another shape: such a position is never shared.
 */
export function tokenOrderKey(token: unknown): string | undefined {
  if (typeof token !== 'object' || token === null) {
    return undefined;
  }
  const data = (token as { _data?: unknown })._data;
  if (typeof data !== 'string') {
    return undefined;
  }
  const upper = data.toUpperCase();
  return TOKEN_DATA.test(upper) ? upper : undefined;
}

/**
 * The order key of what a source starting at `position` has already seen: events strictly
 * after it are its to deliver. A time position (`startAtOperationTime`, inclusive) is the
 * prefix of its time, below every event at that time.
 */
export function positionOrderKey(position: StreamPosition): string | undefined {
  switch (position.kind) {
    case 'token':
      return tokenOrderKey(position.resumeToken);
    case 'time':
      return `82${hex8(position.clusterTime.t)}${hex8(position.clusterTime.i)}`;
    case 'snapshot':
      // A snapshot copies documents first; it joins a shared stream only once it is a stream.
      return undefined;
  }
}
