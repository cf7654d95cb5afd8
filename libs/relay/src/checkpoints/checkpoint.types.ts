import type { Timestamp } from 'bson';

/** Where a subscription's stream resumes: the watermark of settled events, as persisted. */
export interface Checkpoint {
  subscription: string;
  /** The change stream resume token (`{ _data: ... }`), opaque to everything but the driver. */
  resumeToken: unknown;
  /** Cluster time of the last event at or before the token, when known (lag reporting). */
  clusterTime?: Timestamp;
  /**
   * The subscription's `startAtOperationTime` when it was written: a reset moves that, so a
   * checkpoint written for the old position (say by a worker still draining) is ignored.
   */
  startAtOperationTime?: Timestamp;
  updatedAt: Date;
  /** The lease token of the owner that wrote (or claimed) it: fencing. */
  leaseToken: number;
}

export interface CheckpointPosition {
  resumeToken: unknown;
  clusterTime?: Timestamp;
  startAtOperationTime?: Timestamp;
}

/** What a new lease owner gets when it claims the checkpoint. */
export interface CheckpointClaim {
  /** False: a newer owner (higher lease token) claimed it first; do not run. */
  claimed: boolean;
  checkpoint: Checkpoint | null;
}

/**
 * False for a checkpoint written before the subscription was reset (its start position moved):
 * resuming from it would replay what the reset meant to skip. Checkpoints without the field
 * (older documents) count as current.
 */
export function checkpointBelongsTo(
  checkpoint: Pick<Checkpoint, 'startAtOperationTime'>,
  subscription: { startAtOperationTime?: Timestamp },
): boolean {
  const epoch = checkpoint.startAtOperationTime;
  const start = subscription.startAtOperationTime;
  return !epoch || !start || (epoch.t === start.t && epoch.i === start.i);
}
