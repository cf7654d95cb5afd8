import { Timestamp } from 'bson';

/** Resume tokens of MongoDB (and the emulator) start with `82` then the cluster time, 8 + 8 hex digits. */
const TOKEN_TIME = /^82([0-9a-fA-F]{8})([0-9a-fA-F]{8})/;

/**
 * The cluster time a resume token points at, when its `_data` has the usual KeyString layout;
 * undefined otherwise. Used for checkpoint lag reporting only, never for positioning.
 */
export function clusterTimeOfToken(token: unknown): Timestamp | undefined {
  if (typeof token !== 'object' || token === null) {
    return undefined;
  }
  const data = (token as { _data?: unknown })._data;
  const match = typeof data === 'string' ? TOKEN_TIME.exec(data) : null;
  if (!match) {
    return undefined;
  }
  return new Timestamp({ t: parseInt(match[1], 16), i: parseInt(match[2], 16) });
}

export function sameToken(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return false;
  }
  const dataA = (a as { _data?: unknown })._data;
  return typeof dataA === 'string' && dataA === (b as { _data?: unknown })._data;
}
