import type { Timestamp } from 'bson';

/** Namespace of a change: `coll` is absent for database-wide events (dropDatabase). */
export interface ChangeNamespace {
  db: string;
  coll?: string;
}

export interface UpdateDescription {
  updatedFields: Record<string, unknown>;
  removedFields: string[];
  truncatedArrays?: { field: string; newSize: number }[];
  disambiguatedPaths?: Record<string, unknown>;
}

/** What a handler receives for one change event (DESIGN.md section 5). */
export interface ChangeEventEnvelope {
  /**
   * Stable event id (the resume token's `_data`): the same on every redelivery. Snapshot events:
   * `snapshot:<t>.<i>:<collection>:<_id as canonical Extended JSON>`.
   */
  id: string;
  subscription: string;
  /** The subscription's service. */
  service: string;
  /**
   * MongoDB's operation type, or `snapshot` for a document copied by a snapshot (startFrom
   * snapshot, resync): `documentKey` and `fullDocument` as read, `clusterTime` the time the
   * change stream continues from after the copy.
   */
  operationType: string;
  ns: ChangeNamespace;
  documentKey?: Record<string, unknown>;
  fullDocument?: Record<string, unknown> | null;
  fullDocumentBeforeChange?: Record<string, unknown> | null;
  updateDescription?: UpdateDescription;
  /** Rename events: the new namespace. */
  to?: ChangeNamespace;
  clusterTime?: Timestamp;
  wallTime?: Date;
  /** 1 on the first delivery attempt. */
  attempt: number;
}
