import type { Timestamp } from 'bson';

/**
 * Where a subscription's stream stands, tagged by kind, so the source factory can build the
 * right source from it: a change stream resumed after a token, or started at a cluster time.
 * Or a snapshot in progress: the existing documents copied collection by collection, then the
 * change stream from the cluster time at which the snapshot started.
 */
export type StreamPosition =
  | {
      kind: 'token';
      /** The change stream resume token (`{ _data: ... }`), opaque to all but the driver. */
      resumeToken: unknown;
      /** Cluster time of the last event at or before the token, when known (lag reporting). */
      clusterTime?: Timestamp;
    }
  | {
      kind: 'time';
      /** Start the stream at this cluster time (startAtOperationTime). */
      clusterTime: Timestamp;
    }
  | SnapshotPosition;

/** How far the copy of one collection got. */
export interface SnapshotCollectionProgress {
  coll: string;
  /** The `_id` of the last document read (copies go in `_id` order); absent before the first. */
  lastId?: unknown;
  done: boolean;
  /** Documents delivered as snapshot events. */
  copied: number;
  /** Matching documents counted when the snapshot was planned. */
  estimate?: number;
}

export interface SnapshotPosition {
  kind: 'snapshot';
  /**
   * The cluster time read when the snapshot was asked for: the change stream starts there once
   * every collection is copied, so a change written during the copy arrives (maybe twice, never
   * zero times).
   */
  clusterTime: Timestamp;
  /** Planned on the first read: the watched collections in copy order; absent until then. */
  collections?: SnapshotCollectionProgress[];
  /** Documents delivered as snapshot events, over all collections. */
  copied: number;
  /** Sum of the collections' estimates. */
  estimate?: number;
  /** When the snapshot began (rate and ETA). */
  startedAt: Date;
}

/** The persisted watermark of settled events of one subscription. */
export interface Checkpoint {
  subscription: string;
  position: StreamPosition;
  /**
   * The subscription's epoch when it was written. Every reset (and later rewind or resync)
   * bumps the epoch, so a checkpoint of an earlier epoch, say written by a worker still
   * draining, is ignored: it never revives a position the operator moved away from.
   */
  epoch: number;
  updatedAt: Date;
  /** The lease token of the owner that wrote (or claimed) it: fencing. */
  leaseToken: number;
}

/** What a new lease owner gets when it claims the checkpoint. */
export interface CheckpointClaim {
  /** False: a newer owner (higher lease token) claimed it first; do not run. */
  claimed: boolean;
  checkpoint: Checkpoint | null;
}

/** The cluster time a position stands at, when known. */
export function clusterTimeOf(position: StreamPosition): Timestamp | undefined {
  return position.clusterTime;
}

/** False for a checkpoint of another epoch than the subscription's (see `Checkpoint.epoch`). */
export function checkpointBelongsTo(
  checkpoint: Pick<Checkpoint, 'epoch'>,
  subscription: { epoch?: number },
): boolean {
  return checkpoint.epoch === (subscription.epoch ?? 0);
}
