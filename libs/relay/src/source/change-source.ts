import type { SourceItem } from '@app/delivery';
import type { ChangeStream, MongoClient } from 'mongodb';
import type { StreamPosition } from '../checkpoints/checkpoint.types';
import type { Subscription } from '../subscriptions/subscription.types';
import { orderingKeyOf, type RawChangeEvent } from './change-event.mapper';
import { buildWatchOptions, buildWatchPipeline } from './change-stream.pipeline';
import { clusterTimeOfToken, sameToken } from './resume-token';
import { ReadAheadQueue } from './read-ahead.queue';
import { SplitEventAssembler, splitStageRefused, withSplitStage } from './split-events';
import type { WorkerSource } from './worker-source';

export interface ChangeSourceOptions {
  client: MongoClient;
  subscription: Subscription;
  start: StreamPosition;
  maxAwaitTimeMs: number;
  /**
   * Events per server batch. The driver holds a whole batch in memory before the engine pulls
   * from it, so this bounds what a stream buffers outside the engine (by default a server fills
   * batches up to 16 MiB: a backlog would be copied into every stream's cursor). The source
   * reads ahead of the engine by at most this many items too.
   */
  batchSize: number;
  /** Minimum time between two idle positions. */
  idleIntervalMs: number;
}

/**
 * One subscription's change stream. One database-level watch with an `ns.coll` filter, so a
 * dropped collection does not end it. Resumable errors are retried inside the driver; anything
 * else rejects `next()` (after the items read before it).
 *
 * Read ahead, bounded: while fewer than `batchSize` items wait for the engine, the source keeps
 * reading, so the next getMore runs on the server while the engine works through the current
 * batch instead of after it. A full engine stops pulling, the queue fills up and reading stops
 * (backpressure): at most `batchSize` items wait here and one batch in the driver.
 */
export class ChangeSource implements WorkerSource {
  private stream: ChangeStream<Record<string, unknown>, RawChangeEvent> | undefined;
  private lastToken: unknown;
  private lastIdleAt = 0;
  private readonly queue: ReadAheadQueue<SourceItem<RawChangeEvent>>;
  private readonly assembler = new SplitEventAssembler();

  constructor(private readonly options: ChangeSourceOptions) {
    this.queue = new ReadAheadQueue(Math.max(1, options.batchSize), () => this.read());
  }

  /** Opens the stream (lazily: the first getMore/aggregate runs on the first `next()`). */
  open(): void {
    const { client, subscription, start, maxAwaitTimeMs, batchSize } = this.options;
    const source = subscription.source;
    this.lastToken = start.kind === 'token' ? start.resumeToken : undefined;
    this.stream = client
      .db(source.database)
      .watch<Record<string, unknown>, RawChangeEvent>(
        withSplitStage(client, buildWatchPipeline(source)),
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
   * out of the oplog. Null once closed (items read ahead are dropped unadmitted, read again from
   * the checkpoint by the next source).
   */
  readonly next = (): Promise<SourceItem<RawChangeEvent> | null> => {
    if (!this.stream) {
      return Promise.reject(new Error('ChangeSource.next() before open()'));
    }
    return this.queue.take();
  };

  /** An event or idle position already read ahead, without a promise; undefined if none. */
  readonly ready = (): SourceItem<RawChangeEvent> | undefined => this.queue.takeReady();

  /**
   * Everything the stream returned so far was handed over and it waits for the server: its
   * `resumeToken` is then exactly the position covered.
   */
  get caughtUp(): boolean {
    return this.queue.drained && !this.assembler.pending;
  }

  /** The driver's resume token: the last event it returned, or its postBatchResumeToken. */
  get resumeToken(): unknown {
    return this.stream?.resumeToken;
  }

  async close(): Promise<void> {
    this.queue.close();
    await this.stream?.close().catch(() => undefined);
  }

  /**
   * One item from the stream: an event, an idle position, or undefined (nothing new yet). A
   * `then` with handlers bound once, not an async function: this runs for every event.
   */
  private read(): Promise<SourceItem<RawChangeEvent> | undefined> {
    return this.stream!.tryNext().then(this.itemOf, this.readFailed);
  }

  private readonly itemOf = (
    change: RawChangeEvent | null,
  ): SourceItem<RawChangeEvent> | undefined => {
    const stream = this.stream!;
    const event = change && this.assembler.accept(change);
    if (event) {
      this.lastToken = event._id;
      return { kind: 'event', token: event._id, key: orderingKeyOf(event), payload: event };
    }
    if (change) {
      // A fragment of a split event: the rest follows.
      return undefined;
    }
    if (stream.closed) {
      // The server ended the stream (an invalidate event): a restart resumes from the checkpoint.
      throw new Error('The change stream was closed by the server');
    }
    if (this.assembler.pending) {
      // Between two fragments: the stream's token points inside an event.
      return undefined;
    }
    const token = stream.resumeToken;
    const idleDue = Date.now() - this.lastIdleAt >= this.options.idleIntervalMs;
    if (idleDue && token != null && !sameToken(token, this.lastToken)) {
      this.lastToken = token;
      this.lastIdleAt = Date.now();
      return { kind: 'idle', token };
    }
    return undefined;
  };

  private readonly readFailed = async (error: unknown): Promise<undefined> => {
    if (!splitStageRefused(this.options.client, error)) {
      throw error;
    }
    // A server older than 7.0 / 6.0.9: nothing was read yet, open it again without the stage.
    await this.stream!.close().catch(() => undefined);
    this.open();
    return undefined;
  };
}
