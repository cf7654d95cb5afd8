import type { SourceItem } from '@app/delivery';
import type { ChangeStream, MongoClient } from 'mongodb';
import type { StreamPosition } from '../checkpoints/checkpoint.types';
import type { Subscription } from '../subscriptions/subscription.types';
import { orderingKeyOf, type RawChangeEvent } from './change-event.mapper';
import { buildWatchOptions, buildWatchPipeline } from './change-stream.pipeline';
import { clusterTimeOfToken, sameToken } from './resume-token';
import type { WorkerSource } from './worker-source';

export interface ChangeSourceOptions {
  client: MongoClient;
  subscription: Subscription;
  start: StreamPosition;
  maxAwaitTimeMs: number;
  /**
   * Events per server batch. The driver holds a whole batch in memory before the engine pulls
   * from it, so this bounds what a stream buffers outside the engine (by default a server fills
   * batches up to 16 MiB: a backlog would be copied into every stream's cursor).
   */
  batchSize: number;
  /** Minimum time between two idle positions. */
  idleIntervalMs: number;
}

/**
 * One subscription's change stream, read with pull semantics: `next()` fetches one item only
 * when the delivery engine asks, so a full engine stops reading (backpressure). One
 * database-level watch with an `ns.coll` filter, so a dropped collection does not end it.
 * Resumable errors are retried inside the driver; anything else rejects `next()`.
 */
export class ChangeSource implements WorkerSource {
  private stream: ChangeStream<Record<string, unknown>, RawChangeEvent> | undefined;
  private lastToken: unknown;
  private lastIdleAt = 0;
  private closed = false;

  constructor(private readonly options: ChangeSourceOptions) {}

  /** Opens the stream (lazily: the first getMore/aggregate runs on the first `next()`). */
  open(): void {
    const { client, subscription, start, maxAwaitTimeMs, batchSize } = this.options;
    const source = subscription.source;
    this.lastToken = start.kind === 'token' ? start.resumeToken : undefined;
    this.stream = client
      .db(source.database)
      .watch<Record<string, unknown>, RawChangeEvent>(
        buildWatchPipeline(source),
        buildWatchOptions(source, start, { maxAwaitTimeMs, batchSize }),
      );
  }

  /** A settled token of this source is a resume token. */
  positionOf(token: unknown): StreamPosition {
    const clusterTime = clusterTimeOfToken(token);
    return { kind: 'token', resumeToken: token, ...(clusterTime ? { clusterTime } : {}) };
  }

  /**
   * The next event, or an idle position when a getMore came back empty and the stream's
   * resume token (its postBatchResumeToken) moved, at most every `idleIntervalMs`: settling it
   * at once lets the checkpoint of a quiet or heavily filtered stream advance, so it never ages
   * out of the oplog. Null once closed.
   */
  readonly next = async (): Promise<SourceItem<RawChangeEvent> | null> => {
    const stream = this.stream;
    if (!stream) {
      throw new Error('ChangeSource.next() before open()');
    }
    for (;;) {
      if (this.closed) {
        return null;
      }
      const event = await stream.tryNext();
      if (this.closed) {
        // Closed while the getMore was in flight: drop it unadmitted, it is read again later.
        return null;
      }
      if (event) {
        this.lastToken = event._id;
        return { kind: 'event', token: event._id, key: orderingKeyOf(event), payload: event };
      }
      if (stream.closed) {
        // The server ended the stream (an invalidate event): a restart resumes from the checkpoint.
        throw new Error('The change stream was closed by the server');
      }
      const token = stream.resumeToken;
      const idleDue = Date.now() - this.lastIdleAt >= this.options.idleIntervalMs;
      if (idleDue && token != null && !sameToken(token, this.lastToken)) {
        this.lastToken = token;
        this.lastIdleAt = Date.now();
        return { kind: 'idle', token };
      }
    }
  };

  async close(): Promise<void> {
    this.closed = true;
    await this.stream?.close().catch(() => undefined);
  }
}
