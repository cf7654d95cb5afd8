import type { ChangeStream, MongoClient } from 'mongodb';
import type { StreamPosition } from '../../checkpoints/checkpoint.types';
import type { SubscriptionSource } from '../../subscriptions/subscription.types';
import type { RawChangeEvent } from '../change-event.mapper';
import { classifyStreamError } from '../change-stream.errors';
import { buildWatchOptions } from '../change-stream.pipeline';
import { SplitEventAssembler, splitStageRefused, withSplitStage } from '../split-events';
import { tokenOrderKey } from './stream-order';

/** What a shared stream hands its members (see SharedStreamSource). */
export interface SharedStreamMember {
  /** Order key of what the member has seen: it is only offered what comes after it. */
  readonly seenKey: string;
  /** The collections it watches (undefined: all): it is offered only their events. */
  readonly collections: ReadonlySet<string> | undefined;
  /** An event of the stream (the member applies its own filter). */
  offer(event: RawChangeEvent, key: string): void;
  /** The stream's position moved without an event (an empty getMore). */
  offerIdle(token: unknown, key: string): void;
  /** The stream failed: `error` as is for the member it started for, retryable for others. */
  streamFailed(error: unknown): void;
}

export interface SharedStreamSettings {
  client: MongoClient;
  source: SubscriptionSource;
  start: StreamPosition;
  startKey: string;
  maxAwaitTimeMs: number;
  batchSize: number;
  /** The stream ended (no member left, or it failed): forget it. */
  onClosed: (stream: SharedStream) => void;
}

/**
 * Members are offered the position of events of other collections at least this often, so the
 * checkpoint of a member whose collections are quiet still advances.
 */
const PROGRESS_INTERVAL_MS = 1_000;

/** How far (cluster-time seconds) a stream may be ahead of a member that attaches... */
const ATTACH_AHEAD_SECONDS = 2;
/** ...or behind it. */
const ATTACH_BEHIND_SECONDS = 1;

/**
 * One database-level change stream read for every member attached to it. It never waits for
 * a member: each event goes into every member's own bounded queue, and a member whose queue
 * overflows detaches itself (it continues on a stream of its own). So a slow subscription
 * cannot stall its neighbours, and the stream runs at the pace of the fastest.
 */
export class SharedStream {
  private readonly members = new Set<SharedStreamMember>();
  /** Members that watch every collection, and the others by collection: one lookup per event. */
  private readonly everyCollection = new Set<SharedStreamMember>();
  private readonly byCollection = new Map<string, Set<SharedStreamMember>>();
  private lastProgressAt = 0;
  private stream: ChangeStream<Record<string, unknown>, RawChangeEvent> | undefined;
  /** Order key of the last thing dispatched (or the start): members are at or past it. */
  private lastKey: string;
  private closed = false;
  private reading = false;

  constructor(private readonly settings: SharedStreamSettings) {
    this.lastKey = settings.startKey;
  }

  get memberCount(): number {
    return this.members.size;
  }

  /**
   * Attaches `member` and answers the order key of what this stream has dispatched so far: the
   * member takes what follows from here, and what comes before from its own stream until it
   * reached that key. Null when the stream is more than a moment ahead of or behind the member
   * (it would read a backlog alone, or wait for this stream to catch up).
   */
  tryAttach(member: SharedStreamMember): string | null {
    const gap = clusterSeconds(this.lastKey) - clusterSeconds(member.seenKey);
    if (this.closed || gap > ATTACH_AHEAD_SECONDS || gap < -ATTACH_BEHIND_SECONDS) {
      return null;
    }
    this.members.add(member);
    this.index(member, true);
    if (!this.reading) {
      this.reading = true;
      void this.read();
    }
    return this.lastKey;
  }

  detach(member: SharedStreamMember): void {
    if (this.members.delete(member)) {
      this.index(member, false);
      if (this.members.size === 0) {
        this.close();
      }
    }
  }

  private index(member: SharedStreamMember, add: boolean): void {
    if (!member.collections) {
      this.everyCollection[add ? 'add' : 'delete'](member);
      return;
    }
    for (const collection of member.collections) {
      let set = this.byCollection.get(collection);
      if (!set) {
        if (!add) {
          continue;
        }
        set = new Set();
        this.byCollection.set(collection, set);
      }
      set[add ? 'add' : 'delete'](member);
      if (set.size === 0) {
        this.byCollection.delete(collection);
      }
    }
  }

  private dispatch(event: RawChangeEvent, key: string): void {
    for (const member of this.everyCollection) {
      member.offer(event, key);
    }
    const collection = event.ns?.coll;
    const watching = collection === undefined ? undefined : this.byCollection.get(collection);
    if (watching) {
      for (const member of watching) {
        member.offer(event, key);
      }
    }
    const now = Date.now();
    if (now - this.lastProgressAt >= PROGRESS_INTERVAL_MS) {
      this.lastProgressAt = now;
      for (const member of this.members) {
        member.offerIdle(event._id, key);
      }
    }
  }

  private close(): void {
    if (!this.closed) {
      this.closed = true;
      void this.stream?.close().catch(() => undefined);
      this.settings.onClosed(this);
    }
  }

  private async read(): Promise<void> {
    const { client, source, start, maxAwaitTimeMs, batchSize } = this.settings;
    try {
      // Everything of the database (each member filters in process), opened as each member's
      // own stream would be: the same document modes.
      const stream = (this.stream = client
        .db(source.database)
        .watch<Record<string, unknown>, RawChangeEvent>(
          withSplitStage(client, []),
          buildWatchOptions(source, start, { maxAwaitTimeMs, batchSize }),
        ));
      const assembler = new SplitEventAssembler();
      while (!this.closed) {
        const change = await stream.tryNext();
        if (this.closed) {
          return;
        }
        const event = change && assembler.accept(change);
        if (change && !event) {
          // A fragment of a split event: the rest follows.
          continue;
        }
        if (event) {
          const key = tokenOrderKey(event._id);
          if (key === undefined) {
            throw new Error('The change stream returned a resume token that cannot be ordered');
          }
          this.lastKey = key;
          this.dispatch(event, key);
          continue;
        }
        if (stream.closed) {
          throw new Error('The change stream was closed by the server');
        }
        if (assembler.pending) {
          // Between two fragments: the stream's token points inside an event.
          continue;
        }
        const key = tokenOrderKey(stream.resumeToken);
        if (key !== undefined && key > this.lastKey) {
          this.lastKey = key;
          for (const member of this.members) {
            member.offerIdle(stream.resumeToken, key);
          }
        }
      }
    } catch (error) {
      if (this.closed) {
        return;
      }
      if (splitStageRefused(client, error)) {
        // A server older than 7.0 / 6.0.9: nothing was read yet, open it again without the stage.
        void this.stream?.close().catch(() => undefined);
        return this.read();
      }
      const members = [...this.members];
      this.members.clear();
      this.everyCollection.clear();
      this.byCollection.clear();
      this.close();
      for (const member of members) {
        // A fatal error (history lost...) is the stream's start position's: fatal only for a
        // member that started there; the others restart from their own checkpoints and see.
        member.streamFailed(
          member.seenKey !== this.settings.startKey && classifyStreamError(error)
            ? new Error(`The shared change stream failed: ${(error as Error).message}`, {
                cause: error,
              })
            : error,
        );
      }
    }
  }
}

function clusterSeconds(key: string): number {
  return parseInt(key.slice(2, 10), 16);
}
