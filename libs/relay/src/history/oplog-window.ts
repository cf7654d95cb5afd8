import type { Timestamp } from 'bson';
import type { Document, MongoClient } from 'mongodb';
import { errorMessage } from '../errors/error-message';

/**
 * The history a change stream can still start from: the oplog's first and last entries (read
 * in natural order from `local.oplog.rs`, as `rs.printReplicationInfo()` does) and its size.
 */
export interface OplogWindowReading {
  available: true;
  /** Cluster time of the oldest entry: no stream can start or resume before it. */
  first: Timestamp;
  firstAt: Date;
  /** Cluster time of the newest entry. */
  last: Timestamp;
  lastAt: Date;
  /** lastAt − firstAt: how much history the oplog holds right now. */
  windowMs: number;
  sizeBytes?: number;
  maxSizeBytes?: number;
  count?: number;
  /**
   * The oplog is full (size within 5% of its maximum, or the sizes are unknown): its oldest
   * entries roll off as new ones are written, so a lagging position can fall off its end.
   */
  rolling: boolean;
  readAt: Date;
}

/** The oplog could not be read (no permission on `local`, a sharded router, not a replica set). */
export interface OplogWindowUnavailable {
  available: false;
  reason: string;
  readAt: Date;
}

export type OplogWindow = OplogWindowReading | OplogWindowUnavailable;

const OPLOG = { db: 'local', coll: 'oplog.rs' };

/** One natural-order read at each end and a collStats; never throws. */
export async function readOplogWindow(client: MongoClient): Promise<OplogWindow> {
  const readAt = new Date();
  try {
    const collection = client.db(OPLOG.db).collection(OPLOG.coll);
    const projection = { ts: 1, wall: 1 };
    const [first, last] = await Promise.all([
      collection.find({}, { projection, sort: { $natural: 1 }, limit: 1 }).next(),
      collection.find({}, { projection, sort: { $natural: -1 }, limit: 1 }).next(),
    ]);
    const firstTs = timestampOf(first?.ts);
    const lastTs = timestampOf(last?.ts);
    if (!firstTs || !lastTs) {
      return {
        available: false,
        reason:
          'local.oplog.rs has no entries here (a sharded cluster router or a standalone server has no oplog)',
        readAt,
      };
    }
    const stats = await client
      .db(OPLOG.db)
      .command({ collStats: OPLOG.coll })
      .catch(() => undefined as Document | undefined);
    const sizeBytes = numberOf(stats?.size);
    const maxSizeBytes = numberOf(stats?.maxSize);
    const firstAt = wallOf(first, firstTs);
    const lastAt = wallOf(last, lastTs);
    return {
      available: true,
      first: firstTs,
      firstAt,
      last: lastTs,
      lastAt,
      windowMs: Math.max(0, lastAt.getTime() - firstAt.getTime()),
      ...(sizeBytes !== undefined ? { sizeBytes } : {}),
      ...(maxSizeBytes !== undefined ? { maxSizeBytes } : {}),
      ...numberField('count', stats?.count),
      rolling:
        sizeBytes === undefined || maxSizeBytes === undefined || maxSizeBytes <= 0
          ? true
          : sizeBytes >= 0.95 * maxSizeBytes,
      readAt,
    };
  } catch (error) {
    return {
      available: false,
      reason: `cannot read local.oplog.rs: ${errorMessage(error)}`,
      readAt,
    };
  }
}

/** Milliseconds since the epoch of a cluster time (its seconds; increments are sub-second). */
export function timestampMillis(time: Timestamp): number {
  return time.t * 1_000;
}

function timestampOf(value: unknown): Timestamp | undefined {
  return (value as { _bsontype?: unknown } | undefined)?._bsontype === 'Timestamp'
    ? (value as Timestamp)
    : undefined;
}

function wallOf(entry: Document | null, ts: Timestamp): Date {
  const wall = entry?.wall as unknown;
  return wall instanceof Date ? wall : new Date(timestampMillis(ts));
}

function numberField<K extends string>(key: K, value: unknown): Partial<Record<K, number>> {
  const number = numberOf(value);
  return number === undefined ? {} : ({ [key]: number } as Record<K, number>);
}

/** A number, or a Long / Double the driver returned. */
function numberOf(value: unknown): number | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof (value as { toNumber?: unknown } | undefined)?.toNumber === 'function'
        ? (value as { toNumber(): number }).toNumber()
        : undefined;
  return number === undefined || Number.isNaN(number) ? undefined : number;
}
