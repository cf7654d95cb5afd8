import type { SourceItem } from '@app/delivery';
import { EJSON, type Timestamp } from 'bson';
import type { AggregationCursor, Document, MongoClient } from 'mongodb';
import type {
  SnapshotCollectionProgress,
  SnapshotPosition,
  StreamPosition,
} from '../checkpoints/checkpoint.types';
import type { Subscription } from '../subscriptions/subscription.types';
import { orderingKeyOf, type RawChangeEvent } from './change-event.mapper';
import { afterId, documentFilterOf } from './snapshot-filter';
import type { WorkerSource } from './worker-source';

export interface SnapshotSourceOptions {
  client: MongoClient;
  subscription: Subscription;
  start: SnapshotPosition;
  /** Documents per server batch. */
  batchSize: number;
  /** The change stream that follows the copy, from the snapshot's cluster time. */
  stream: (clusterTime: Timestamp) => WorkerSource;
}

/** The token of a snapshot item: the progress it stands for once settled. */
class SnapshotMark {
  constructor(readonly position: SnapshotPosition) {}
}

/**
 * A snapshot, then the change stream: reads the watched collections' existing documents in
 * `_id` order, one collection after the other, each as an event with operationType `snapshot`
 * (the subscription's pipeline applied by the server, as to its change events), then hands over
 * to the change stream at the cluster time read when the snapshot was asked for. Every item
 * carries the progress up to it, so a checkpoint resumes the copy after the last settled `_id`.
 * Pulled by the engine like the stream, so backpressure holds during the copy too.
 */
export class SnapshotSource implements WorkerSource {
  private progress: SnapshotPosition;
  private cursor: AggregationCursor<Document> | undefined;
  private stream: WorkerSource | undefined;
  private closed = false;

  constructor(private readonly options: SnapshotSourceOptions) {
    this.progress = clone(options.start);
  }

  open(): void {
    // Lazy: the first next() plans the collections and opens the first cursor.
  }

  positionOf(token: unknown): StreamPosition {
    if (token instanceof SnapshotMark) {
      return token.position;
    }
    if (!this.stream) {
      throw new Error('SnapshotSource.positionOf(): a stream token before the stream');
    }
    return this.stream.positionOf(token);
  }

  readonly next = async (): Promise<SourceItem<RawChangeEvent> | null> => {
    for (;;) {
      if (this.closed) {
        return null;
      }
      if (this.stream) {
        return this.stream.next();
      }
      const collections = this.progress.collections ?? (await this.plan());
      const current = collections.find((collection) => !collection.done);
      if (!current) {
        // Copied everything: settle that (the checkpoint then says "stream from clusterTime"),
        // and read the stream from now on.
        this.stream = this.options.stream(this.progress.clusterTime);
        this.stream.open();
        return { kind: 'idle', token: new SnapshotMark(clone(this.progress)) };
      }
      const cursor = (this.cursor ??= this.openCursor(current));
      const raw = await cursor.next();
      if (this.closed) {
        return null;
      }
      if (!raw) {
        await cursor.close().catch(() => undefined);
        this.cursor = undefined;
        current.done = true;
        return { kind: 'idle', token: new SnapshotMark(clone(this.progress)) };
      }
      const event = this.toEvent(raw, current);
      current.lastId = (raw._id as { snapshotOf: unknown }).snapshotOf;
      current.copied += 1;
      this.progress.copied += 1;
      return {
        kind: 'event',
        token: new SnapshotMark(clone(this.progress)),
        key: orderingKeyOf(event),
        payload: event,
      };
    }
  };

  async close(): Promise<void> {
    this.closed = true;
    await this.cursor?.close().catch(() => undefined);
    await this.stream?.close();
  }

  /** The collections to copy (sorted by name) and how many documents each is expected to hold. */
  private async plan(): Promise<SnapshotCollectionProgress[]> {
    const { client, subscription } = this.options;
    const db = client.db(subscription.source.database);
    const names =
      subscription.source.collections.length > 0
        ? [...subscription.source.collections]
        : (await db.listCollections({ type: 'collection' }, { nameOnly: true }).toArray())
            .map((collection) => collection.name)
            .filter((name) => !name.startsWith('system.'));
    const filter = documentFilterOf(subscription.source.pipeline);
    const collections: SnapshotCollectionProgress[] = [];
    for (const coll of [...new Set(names)].sort()) {
      const collection = db.collection(coll);
      const estimate =
        Object.keys(filter).length === 0
          ? await collection.estimatedDocumentCount()
          : await collection.countDocuments(filter);
      collections.push({ coll, done: false, copied: 0, estimate });
    }
    this.progress.collections = collections;
    this.progress.estimate = collections.reduce((sum, c) => sum + (c.estimate ?? 0), 0);
    return collections;
  }

  /**
   * The documents after the last copied `_id`, in `_id` order, shaped as change events and run
   * through the subscription's pipeline by the server. The event `_id` carries the document's
   * `_id` (a pipeline may not change `_id`, as for change streams) so the copy knows where it is
   * even when the pipeline reshapes the rest.
   */
  private openCursor(progress: SnapshotCollectionProgress): AggregationCursor<Document> {
    const { client, subscription, batchSize } = this.options;
    const { database, pipeline } = subscription.source;
    const clauses = [documentFilterOf(pipeline)].filter((clause) => Object.keys(clause).length > 0);
    if (progress.lastId !== undefined) {
      clauses.push(afterId(progress.lastId));
    }
    const match = clauses.length === 0 ? {} : clauses.length === 1 ? clauses[0] : { $and: clauses };
    return client
      .db(database)
      .collection(progress.coll)
      .aggregate(
        [
          { $match: match },
          { $sort: { _id: 1 } },
          {
            $replaceWith: {
              _id: { snapshotOf: '$_id' },
              operationType: 'snapshot',
              ns: { db: { $literal: database }, coll: { $literal: progress.coll } },
              documentKey: { _id: '$_id' },
              fullDocument: '$$ROOT',
              clusterTime: { $literal: this.progress.clusterTime },
            },
          },
          ...pipeline,
        ],
        { batchSize },
      );
  }

  /** Gives the event its stable id: the snapshot's start, the collection and the document's `_id`. */
  private toEvent(raw: Document, progress: SnapshotCollectionProgress): RawChangeEvent {
    const { clusterTime } = this.progress;
    const documentId = (raw._id as { snapshotOf: unknown }).snapshotOf;
    const id = `snapshot:${clusterTime.t}.${clusterTime.i}:${progress.coll}:${EJSON.stringify(
      documentId,
      { relaxed: false },
    )}`;
    return { ...raw, _id: { _data: id }, wallTime: new Date() } as RawChangeEvent;
  }
}

function clone(position: SnapshotPosition): SnapshotPosition {
  return {
    ...position,
    ...(position.collections
      ? { collections: position.collections.map((collection) => ({ ...collection })) }
      : {}),
  };
}
