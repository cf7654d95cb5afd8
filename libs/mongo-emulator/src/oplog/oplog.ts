import type { Binary, Long, Timestamp, UUID } from 'bson';
import type { Document } from '../storage/bson-values';
import { OpTime } from './logical-clock';
import { comparePositions, TokenPosition } from './resume-token';

export type OplogOperation =
  | 'insert'
  | 'update'
  | 'replace'
  | 'delete'
  | 'drop'
  | 'rename'
  | 'dropDatabase'
  // DDL that change streams report only with showExpandedEvents (MongoDB 6.0+).
  | 'create'
  | 'createIndexes'
  | 'dropIndexes'
  | 'modify';

export interface UpdateDescription {
  updatedFields: Document;
  removedFields: string[];
  truncatedArrays: { field: string; newSize: number }[];
}

/** One committed change. Documents are shared references: stored documents are immutable. */
export interface OplogEntry {
  seq: number;
  time: OpTime;
  /** Index of the op inside its cluster time (the position within a committed transaction). */
  opIndex: number;
  wallTime: Date;
  op: OplogOperation;
  db: string;
  coll?: string;
  documentKey?: Document;
  /** The document after the change (insert, replace, update). */
  postImage?: Document;
  /** The document before the change (update, replace, delete). */
  preImage?: Document;
  /** Whether the collection had changeStreamPreAndPostImages enabled when the change happened. */
  imagesEnabled?: boolean;
  updateDescription?: UpdateDescription;
  to?: { db: string; coll: string };
  /** The collection's UUID (events report it with showExpandedEvents). */
  collectionUUID?: UUID;
  /** DDL details: create options, the index specs, collMod changes, rename target. */
  operationDescription?: Document;
  /** modify: the collection and index options before the change. */
  stateBeforeChange?: Document;
  lsid?: { id: Binary; uid: Binary };
  txnNumber?: Long;
  /** Caches filled on first use by change streams (immutable, shared by all streams). */
  resumeToken?: { _data: string };
  clusterTime?: Timestamp;
}

export type OplogEntryInput = Omit<
  OplogEntry,
  'seq' | 'time' | 'opIndex' | 'wallTime' | 'resumeToken' | 'clusterTime'
>;

export function entryPosition(entry: OplogEntry): TokenPosition {
  return { t: entry.time.t, i: entry.time.i, op: entry.opIndex, kind: 'event' };
}

/**
 * A bounded, append-only log of committed changes. Change-stream cursors keep their own sequence
 * number into it, so a getMore reads only new entries. When the log exceeds its size the oldest
 * entries are dropped; resuming before the oldest kept entry then fails with history lost.
 */
export class Oplog {
  private entries: (OplogEntry | undefined)[] = [];
  private firstIndex = 0;
  private baseSeq = 0;
  private waiters = new Set<() => void>();
  /** Position of the newest dropped entry, if any were dropped. */
  lastDropped: TokenPosition | undefined;

  constructor(readonly capacity: number) {}

  /** Sequence number the next appended entry will get. */
  get nextSeq(): number {
    return this.baseSeq + this.entries.length;
  }

  /** Sequence number of the oldest retained entry. */
  get firstSeq(): number {
    return this.baseSeq + this.firstIndex;
  }

  get(seq: number): OplogEntry | undefined {
    if (seq < this.firstSeq) return undefined;
    return this.entries[seq - this.baseSeq];
  }

  /** Appends the entries of one commit; they share `time` and get consecutive op indexes. */
  appendCommit(time: OpTime, inputs: OplogEntryInput[], wallTime = new Date()): OplogEntry[] {
    const appended: OplogEntry[] = [];
    for (let opIndex = 0; opIndex < inputs.length; opIndex += 1) {
      const input = inputs[opIndex];
      // One object shape for every entry keeps property access monomorphic in the hot paths.
      const entry: OplogEntry = {
        seq: this.nextSeq,
        time,
        opIndex,
        wallTime,
        op: input.op,
        db: input.db,
        coll: input.coll,
        documentKey: input.documentKey,
        postImage: input.postImage,
        preImage: input.preImage,
        imagesEnabled: input.imagesEnabled,
        updateDescription: input.updateDescription,
        to: input.to,
        collectionUUID: input.collectionUUID,
        operationDescription: input.operationDescription,
        stateBeforeChange: input.stateBeforeChange,
        lsid: input.lsid,
        txnNumber: input.txnNumber,
        resumeToken: undefined,
        clusterTime: undefined,
      };
      this.entries.push(entry);
      appended.push(entry);
    }
    this.truncate();
    if (appended.length > 0) this.notify();
    return appended;
  }

  /** First sequence number whose entry sorts after `position` (binary search). */
  seqAfter(position: TokenPosition): number {
    let low = this.firstSeq;
    let high = this.nextSeq;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const entry = this.entries[mid - this.baseSeq] as OplogEntry;
      const entryPos: TokenPosition = {
        t: entry.time.t,
        i: entry.time.i,
        op: entry.opIndex,
        kind: 'event',
      };
      if (comparePositions(entryPos, position) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Whether an entry exactly at `position` is retained. */
  contains(position: TokenPosition): boolean {
    const seq = this.seqAfter({ ...position, op: position.op - 1 });
    const entry = this.get(seq);
    return (
      entry !== undefined &&
      entry.time.t === position.t &&
      entry.time.i === position.i &&
      entry.opIndex === position.op
    );
  }

  /** Resolves when an entry is appended or the signal aborts. */
  waitForAppend(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private notify(): void {
    if (this.waiters.size === 0) return;
    for (const waiter of [...this.waiters]) waiter();
  }

  private truncate(): void {
    while (this.entries.length - this.firstIndex > this.capacity) {
      const dropped = this.entries[this.firstIndex] as OplogEntry;
      this.lastDropped = entryPosition(dropped);
      this.entries[this.firstIndex] = undefined;
      this.firstIndex += 1;
    }
    // Compact occasionally so dropped slots do not accumulate; amortised O(1) per append.
    if (this.firstIndex > 4096 && this.firstIndex * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.firstIndex);
      this.baseSeq += this.firstIndex;
      this.firstIndex = 0;
    }
  }
}
