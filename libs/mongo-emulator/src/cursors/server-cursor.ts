import { calculateObjectSize } from 'bson';
import type { Document } from '../storage/bson-values';

/** Replies stay below mongod's 16 MiB batch limit. */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;

export interface BatchRequest {
  /** Maximum documents (0: none), or undefined for "as many as fit". */
  batchSize?: number;
  /** How long an awaitData getMore may wait for new data. */
  maxTimeMS?: number;
  /** Aborted when the connection closes or the server stops. */
  signal: AbortSignal;
}

export interface CursorBatch {
  docs: Document[];
  /** True when the cursor has nothing more and is closed (reply cursor id 0). */
  exhausted: boolean;
  postBatchResumeToken?: Document;
}

export interface ServerCursor {
  readonly ns: string;
  lastUsed: number;
  /** True while a getMore runs: mongod rejects a concurrent getMore on the same cursor. */
  busy: boolean;
  nextBatch(request: BatchRequest): Promise<CursorBatch>;
  close(): void;
}

/** Takes documents from `source` starting at `start` until the count or byte budget is used. */
export function takeBatch(
  source: Document[],
  start: number,
  batchSize: number | undefined,
): number {
  const limit = batchSize === undefined ? Number.MAX_SAFE_INTEGER : batchSize;
  let bytes = 0;
  let end = start;
  while (end < source.length && end - start < limit) {
    bytes += calculateObjectSize(source[end]);
    if (bytes > MAX_BATCH_BYTES && end > start) break;
    end += 1;
  }
  return end;
}

/** A cursor over a materialised result (find, aggregate, listCollections, ...). */
export class QueryCursor implements ServerCursor {
  lastUsed = Date.now();
  busy = false;
  private position = 0;

  constructor(
    readonly ns: string,
    private readonly results: Document[],
  ) {}

  get remaining(): number {
    return this.results.length - this.position;
  }

  async nextBatch(request: BatchRequest): Promise<CursorBatch> {
    const end = takeBatch(this.results, this.position, request.batchSize);
    const docs = this.results.slice(this.position, end);
    this.position = end;
    return { docs, exhausted: this.position >= this.results.length };
  }

  close(): void {
    this.position = this.results.length;
  }
}
