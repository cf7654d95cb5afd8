import type { SourceItem } from '@app/delivery';
import type { StreamPosition } from '../../checkpoints/checkpoint.types';
import type { RawChangeEvent } from '../change-event.mapper';
import { orderingKeyOf } from '../change-event.mapper';
import { ChangeSource, type ChangeSourceOptions } from '../change-source';
import { clusterTimeOfToken } from '../resume-token';
import type { WorkerSource } from '../worker-source';
import type { MemberFilter } from './member-filter';
import type { SharedStreamMember } from './shared-stream';
import { tokenOrderKey } from './stream-order';
import { errorMessage } from '../../errors/error-message';

/** How a member finds the shared stream of its key (the source factory's registry). */
export interface SharedStreamDirectory {
  /**
   * Attaches `member` to the stream of its key, creating one at `position` when there is none.
   * Answers the order key of what that stream dispatched before the member joined, or null
   * when it is too far ahead or behind.
   */
  attach(
    member: SharedStreamMember,
    position: StreamPosition,
  ): { joinKey: string; detach(): void } | null;
}

/** While on a stream of its own, how often a member tries to (re)join a shared one. */
const REJOIN_CHECK_MS = 200;

type Mode = 'attached' | 'joining' | 'own' | 'closed';

interface PendingEvent {
  item: SourceItem<RawChangeEvent>;
  key: string;
}

/**
 * A subscription's source on a shared change stream. The stream offers it every event; it
 * keeps those its filter passes, in its own bounded queue, and turns the others into idle
 * positions (at most every `idleIntervalMs`), so the checkpoint of a quiet member still
 * advances past what it filtered out.
 *
 * When its queue overflows (its engine is slower than the stream) it detaches and continues on
 * a stream of its own, from the last position it queued. It rejoins by handing over: attached
 * again, it collects what the shared stream offers while its own stream runs on up to the key
 * the shared stream had reached when it joined, then closes its own stream and continues with
 * what it collected (skipping what its own stream already handed over). The engine sees the
 * same items in the same order, each once, as from a stream of its own: order, at-least-once
 * and the checkpoint watermark hold as before.
 */
export class SharedStreamSource implements WorkerSource, SharedStreamMember {
  seenKey: string;
  readonly collections: ReadonlySet<string> | undefined;
  private mode: Mode = 'own';
  private attachment: { detach(): void } | undefined;
  private joinKey = '';
  private pending: PendingEvent[] = [];
  /** Order key and position of the last thing the shared stream offered while joining. */
  private pendingSeen: { key: string; position: StreamPosition } | undefined;
  private own: ChangeSource | undefined;
  private rejoinTimer: NodeJS.Timeout | undefined;
  private items: SourceItem<RawChangeEvent>[] = [];
  private head = 0;
  /** The last position queued or handed over: where a stream of its own resumes. */
  private lastPosition: StreamPosition;
  private lastIdleAt = 0;
  private failure: { error: unknown } | undefined;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly options: ChangeSourceOptions,
    startKey: string,
    private readonly filter: MemberFilter,
    private readonly directory: SharedStreamDirectory,
  ) {
    this.seenKey = startKey;
    this.lastPosition = options.start;
    const { collections } = options.subscription.source;
    this.collections = collections.length > 0 ? new Set(collections) : undefined;
  }

  /** Whether it reads from a shared stream now (not its own). */
  get shared(): boolean {
    return this.mode === 'attached';
  }

  open(): void {
    this.tryJoin();
    if (this.mode !== 'attached') {
      this.startRejoining();
    }
  }

  positionOf(token: unknown): StreamPosition {
    const clusterTime = clusterTimeOfToken(token);
    return { kind: 'token', resumeToken: token, ...(clusterTime ? { clusterTime } : {}) };
  }

  readonly next = async (): Promise<SourceItem<RawChangeEvent> | null> => {
    for (;;) {
      if (this.mode === 'closed') {
        return null;
      }
      if (this.head < this.items.length) {
        return this.shift();
      }
      if (this.failure) {
        throw this.failure.error;
      }
      const own = this.own;
      if (own && (this.mode === 'own' || this.mode === 'joining')) {
        const item = await own.next();
        if (item === null) {
          // Closed under it: the member joined a shared stream (continue there) or was closed.
          continue;
        }
        this.handedOver(item.token);
        return item;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  };

  async close(): Promise<void> {
    this.mode = 'closed';
    this.leaveShared();
    this.stopRejoining();
    this.items = [];
    this.head = 0;
    this.wake();
    await this.own?.close();
  }

  offer(event: RawChangeEvent, key: string): void {
    if (this.mode === 'joining') {
      this.pendingSeen = { key, position: this.positionOf(event._id) };
      const passes = this.passes(event);
      if (passes === undefined) {
        return;
      }
      if (passes) {
        this.pending.push({ item: this.eventItem(event), key });
        if (this.pending.length > this.options.batchSize) {
          // Its own stream is far behind: it stays on it, and tries again later.
          this.leaveShared();
          this.mode = 'own';
        }
      }
      return;
    }
    if (this.mode !== 'attached' || key <= this.seenKey) {
      return;
    }
    this.seenKey = key;
    this.lastPosition = this.positionOf(event._id);
    const passes = this.passes(event);
    if (passes) {
      this.push(this.eventItem(event));
    } else if (passes === false) {
      this.idleAt(event._id);
    }
  }

  offerIdle(token: unknown, key: string): void {
    if (this.mode === 'joining') {
      this.pendingSeen = { key, position: this.positionOf(token) };
      return;
    }
    if (this.mode !== 'attached' || key <= this.seenKey) {
      return;
    }
    this.seenKey = key;
    this.lastPosition = this.positionOf(token);
    this.idleAt(token);
  }

  streamFailed(error: unknown): void {
    this.attachment = undefined;
    if (this.mode === 'joining') {
      // Its own stream is still good: carry on there.
      this.mode = 'own';
      this.pending = [];
      this.pendingSeen = undefined;
      return;
    }
    if (this.mode === 'attached') {
      this.failure = { error };
      this.wake();
    }
  }

  /**
   * Its filter, evaluated here as its own stream's would be on the server. A filter that fails
   * on an event (a `$divide` by zero, a `$toInt` of text) fails this member alone, as it would
   * fail its own stream: never the shared stream and its other members. Undefined then.
   */
  private passes(event: RawChangeEvent): boolean | undefined {
    try {
      return this.filter(event);
    } catch (error) {
      this.leaveShared();
      this.streamFailed(
        new Error(`The subscription's pipeline failed on an event: ${errorMessage(error)}`, {
          cause: error,
        }),
      );
      return undefined;
    }
  }

  private eventItem(event: RawChangeEvent): SourceItem<RawChangeEvent> {
    return { kind: 'event', token: event._id, key: orderingKeyOf(event), payload: event };
  }

  /** A position the engine may checkpoint at, coalesced with one still waiting in the queue. */
  private idleAt(token: unknown): void {
    const last = this.items.length > this.head ? this.items[this.items.length - 1] : undefined;
    if (last?.kind === 'idle') {
      this.items[this.items.length - 1] = { kind: 'idle', token };
      return;
    }
    const now = Date.now();
    if (now - this.lastIdleAt >= this.options.idleIntervalMs) {
      this.lastIdleAt = now;
      this.push({ kind: 'idle', token });
    }
  }

  private push(item: SourceItem<RawChangeEvent>): void {
    this.items.push(item);
    this.wake();
    if (this.items.length - this.head > this.options.batchSize) {
      // Slower than the stream: continue alone from here rather than hold the others back.
      this.leaveShared();
      this.openOwn();
      this.startRejoining();
    }
  }

  private openOwn(): void {
    this.mode = 'own';
    const own = (this.own = new ChangeSource({ ...this.options, start: this.lastPosition }));
    own.open();
  }

  /**
   * Joins the shared stream of its key: attached at once when that stream has dispatched
   * nothing it has not seen, otherwise joining (its own stream runs on up to the join key).
   */
  private tryJoin(): void {
    this.mode = 'joining';
    const attachment = this.directory.attach(this, this.lastPosition);
    if (!attachment) {
      this.mode = 'own';
      if (!this.own) {
        this.openOwn();
      }
      return;
    }
    this.attachment = attachment;
    this.joinKey = attachment.joinKey;
    this.pending = [];
    this.pendingSeen = undefined;
    if (this.joinKey <= this.seenKey) {
      this.finishJoin();
    } else if (!this.own) {
      this.openOwn();
      this.mode = 'joining';
    }
  }

  /** Its own stream reached the join key: continue with what the shared stream offered. */
  private finishJoin(): void {
    this.mode = 'attached';
    this.stopRejoining();
    const own = this.own;
    this.own = undefined;
    void own?.close();
    for (const { item, key } of this.pending) {
      if (key > this.seenKey) {
        this.items.push(item);
        this.seenKey = key;
        this.lastPosition = this.positionOf(item.token);
      }
    }
    if (this.pendingSeen && this.pendingSeen.key > this.seenKey) {
      this.seenKey = this.pendingSeen.key;
      this.lastPosition = this.pendingSeen.position;
    }
    this.pending = [];
    this.pendingSeen = undefined;
    this.wake();
  }

  private handedOver(token: unknown): void {
    const key = tokenOrderKey(token);
    if (key !== undefined && key > this.seenKey) {
      this.seenKey = key;
    }
    this.lastPosition = this.positionOf(token);
    if (this.mode === 'joining' && this.seenKey >= this.joinKey) {
      this.finishJoin();
    }
  }

  /** On its own stream: try to join a shared one, and finish a join once it is level. */
  private checkJoin(): void {
    const own = this.own;
    if (!own || this.head < this.items.length) {
      return;
    }
    if (own.caughtUp) {
      // Everything its own stream read was handed over: its position is the stream's.
      const reached = own.resumeToken;
      const key = tokenOrderKey(reached);
      if (key !== undefined && key > this.seenKey) {
        this.seenKey = key;
        this.lastPosition = this.positionOf(reached);
      }
    }
    if (this.mode === 'joining' && this.seenKey >= this.joinKey) {
      this.finishJoin();
    } else if (this.mode === 'own') {
      this.tryJoin();
    }
  }

  private leaveShared(): void {
    this.attachment?.detach();
    this.attachment = undefined;
    this.pending = [];
    this.pendingSeen = undefined;
  }

  private startRejoining(): void {
    this.rejoinTimer ??= setInterval(() => this.checkJoin(), REJOIN_CHECK_MS);
    this.rejoinTimer.unref?.();
  }

  private stopRejoining(): void {
    clearInterval(this.rejoinTimer);
    this.rejoinTimer = undefined;
  }

  private shift(): SourceItem<RawChangeEvent> {
    const item = this.items[this.head];
    this.items[this.head++] = undefined as unknown as SourceItem<RawChangeEvent>;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
