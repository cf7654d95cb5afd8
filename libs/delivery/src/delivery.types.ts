/**
 * Public types of the delivery engine. The engine knows nothing about MongoDB: a token is an
 * opaque resume position, a key is an opaque ordering key (the stream worker passes the
 * documentKey serialised to a string).
 */

/** One item pulled from the source: a change event, or an idle resume position. */
export type SourceItem<T> = SourceEvent<T> | SourceIdle;

export interface SourceEvent<T> {
  kind: 'event';
  /** Resume position right after this event (the change event's `_id`). */
  token: unknown;
  /** Ordering key: events with the same key are handled in stream order in `key` mode. */
  key: string;
  payload: T;
}

/**
 * A resume position with no event attached (a cursor's postBatchResumeToken on an empty
 * batch). It is settled on receipt, so it advances the checkpoint once every event received
 * before it is settled; on a quiet stream it keeps the checkpoint fresh.
 */
export interface SourceIdle {
  kind: 'idle';
  token: unknown;
}

/**
 * Where the engine pulls items from. Either an async iterable (a change stream, an async
 * generator) or a pull function that resolves to the next item, or to `undefined`/`null` at the
 * end of the source. A rejection is a fatal source error (see `DeliveryEngine.sourceDone`).
 */
export type DeliverySource<T> = AsyncIterable<SourceItem<T>> | PullSource<T>;

/**
 * A pull function: the next item, null or undefined once the source ended. It may offer
 * `ready()`: an item already at hand, synchronously, or undefined when the next one needs the
 * call. The engine takes ready items without a promise per item (a read-ahead source holds
 * whole server batches; at tens of thousands of events per second the promise per item showed
 * in profiles).
 */
export interface PullSource<T> {
  (): Promise<SourceItem<T> | null | undefined>;
  ready?: () => SourceItem<T> | undefined;
}

/** An event as the handler sees it. Objects are never mutated: each attempt gets a copy. */
export interface DeliveryEvent<T> {
  /** Sequence number assigned on receipt, 1-based, increasing in stream order. */
  readonly seq: number;
  readonly token: unknown;
  readonly key: string;
  readonly payload: T;
  /** 1 on the first attempt of this handler call. Counts attempts of the current batch. */
  readonly attempt: number;
  /** Engine clock time at receipt (at submission for a submitted event), for latency. */
  readonly receivedAt: number;
  /**
   * Set on an event that entered through `DeliveryEngine.submit()` (an owner command such as a
   * dead-letter replay). Such an event has `seq` 0 and `token` undefined: no stream position.
   */
  readonly submitted?: true;
  /** The `id` given to `submit()`, if any. */
  readonly submissionId?: string;
}

/** An event the owner submits into the engine (a dead-letter replay). */
export interface SubmitItem<T> {
  /** Ordering key: the event joins this key's lane, after the key's events already queued. */
  key: string;
  payload: T;
  /** Passed through to the handler (`event.submissionId`) and hooks, e.g. a dead letter's id. */
  id?: string;
}

/** How a submitted event ended. It never goes to the dead-letter sink. */
export type SubmitOutcome =
  | { status: 'delivered'; attempts: number }
  /** Attempts exhausted, or a non-retryable error: `error` is the last attempt's. */
  | { status: 'failed'; attempts: number; error: unknown }
  /** The engine stopped, or drained past its grace period, before the event settled. */
  | { status: 'cancelled' };

export interface HandlerContext {
  /** Aborted when the attempt times out or the engine stops; the handler should give up. */
  readonly signal: AbortSignal;
  readonly attempt: number;
  /**
   * The same aborts as `signal` without an AbortController (creating one costs microseconds
   * per call): for clients that take an event source as their signal, such as undici.
   */
  readonly abortSource?: AbortSource;
}

/** What an abort signal offers a listener: its state and `abort` events. */
export interface AbortSource {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Handles a batch (a batch of one when `batchSize` is 1). Resolve = delivered. */
export type Handler<T> = (events: DeliveryEvent<T>[], ctx: HandlerContext) => Promise<void>;

/**
 * Stores an event that failed for good. The event counts as settled only once this resolves;
 * a rejection is retried with backoff and holds the checkpoint back, never drops the event.
 */
export type DeadLetterSink<T> = (
  event: DeliveryEvent<T>,
  error: unknown,
  attempts: number,
) => Promise<void>;

/** A position every event up to and including `seq` is settled at. */
export interface Checkpoint {
  seq: number;
  token: unknown;
}

/** Persists a checkpoint. A rejection is reported through `hooks.checkpointFailed` and retried. */
export type CheckpointSink = (checkpoint: Checkpoint) => Promise<void>;

/** How the source finished, as reported by `DeliveryEngine.sourceDone`. */
export type SourceOutcome =
  | { status: 'ended' }
  | { status: 'failed'; error: unknown }
  /** The engine was drained or stopped before the source ended. */
  | { status: 'stopped' };

export interface DrainResult {
  /** True when every admitted event settled within the grace period. */
  drained: boolean;
  /** The last checkpoint the sink accepted, during this engine's life (null if none). */
  checkpoint: Checkpoint | null;
  /** Set when the final checkpoint write failed (the previous one stays valid). */
  checkpointError?: unknown;
}

export type EngineState = 'created' | 'running' | 'draining' | 'stopped';

export interface EngineStats {
  state: EngineState;
  paused: boolean;
  /** Events admitted and not yet settled, submitted ones included (bounded by `maxInFlight`). */
  inFlight: number;
  /** Bytes of the in-flight events, as weighed by `weigh` (0 without one). */
  bufferedBytes: number;
  /** Submitted events admitted and not yet settled (part of `inFlight`). */
  submittedInFlight: number;
  /** `submit()` calls waiting for room (maxInFlight or budget) before they are admitted. */
  submitWaiting: number;
  /** Admitted events waiting for a handler slot with their key free. */
  ready: number;
  /** Handler calls running now (bounded by `concurrency`). */
  activeCalls: number;
  /** Highest sequence number received (events and idle tokens). */
  lastSeq: number;
  /** The position the next checkpoint would report, if any. */
  watermark: Checkpoint | null;
  /** The last checkpoint the sink accepted. */
  lastCheckpoint: Checkpoint | null;
}

/**
 * Outcome hooks for metrics. Called synchronously; an exception thrown by a hook is swallowed
 * so metrics can never break delivery.
 */
export interface EngineHooks<T> {
  /** An event was admitted; `weight` is what `weigh` gave it (0 without one). */
  received?(event: DeliveryEvent<T>, weight?: number): void;
  /** A handler call succeeded; `durationMs` is the successful attempt's duration. */
  delivered?(
    events: readonly DeliveryEvent<T>[],
    info: { attempt: number; durationMs: number },
  ): void;
  /** An attempt failed (error thrown, or timed out). */
  attemptFailed?(
    events: readonly DeliveryEvent<T>[],
    info: { attempt: number; durationMs: number; error: unknown; timedOut: boolean },
  ): void;
  /** A failed attempt will be retried after `delayMs`. */
  retried?(
    events: readonly DeliveryEvent<T>[],
    info: { nextAttempt: number; delayMs: number; error: unknown },
  ): void;
  /** A batch failed for good and is split in two halves to isolate the failing events. */
  batchSplit?(events: readonly DeliveryEvent<T>[], info: { error: unknown }): void;
  /** The dead-letter sink stored the event; `durationMs` counts from receipt. */
  deadLettered?(
    event: DeliveryEvent<T>,
    info: { attempts: number; error: unknown; durationMs: number },
  ): void;
  /** The dead-letter sink failed; the store is retried after `retryInMs`. */
  deadLetterFailed?(
    event: DeliveryEvent<T>,
    info: { error: unknown; failures: number; retryInMs: number },
  ): void;
  /**
   * A submitted event (see `DeliveryEngine.submit()`) reached its outcome: `delivered` or
   * `failed`. Submitted events are reported here instead of `delivered` / `deadLettered`
   * (`received` is not called for them); their failed attempts and retries go through
   * `attemptFailed` / `retried` with `event.submitted` set. `durationMs` counts from submission.
   */
  replayed?(event: DeliveryEvent<T>, info: { outcome: SubmitOutcome; durationMs: number }): void;
  checkpointed?(checkpoint: Checkpoint, info: { durationMs: number }): void;
  checkpointFailed?(checkpoint: Checkpoint, info: { error: unknown; failures: number }): void;
}
