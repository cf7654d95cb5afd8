import type { EngineHooks, EngineStats } from '@app/delivery';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  CHANGE_RELAY_OPTIONS,
  type ResolvedChangeRelayOptions,
} from '../module/change-relay.options';
import type { RawChangeEvent } from '../source/change-event.mapper';
import {
  addCounts,
  emptyDurations,
  mergeDurations,
  observeInSlot,
  slotOf,
} from './metrics.histogram';
import { MAX_ERROR_SIGNATURES, mergeTallies, tallyError } from './metrics.errors';
import { changeTimeMs, LiveWorkerGauges } from './metrics.live';
import { LiveTailPublisher } from './live-tail.publisher';
import { liveDelivery } from './live-tail.summary';
import { MetricsRepository } from './metrics.repository';
import { RelayPrometheus } from './relay-prometheus';
import {
  emptyCounters,
  type LiveFigures,
  type MinuteDelta,
  type RecordedError,
} from './metrics.types';
import { errorMessage } from '../errors/error-message';

const MINUTE_MS = 60_000;

/**
 * Worker telemetry, off the lease: counters, breakdowns by operation type and collection, and
 * histograms of handler time and end-to-end latency are added up in memory per subscription
 * and minute (engine hooks are synchronous and per event) and flushed as `$inc`
 * upserts into `metrics_minutely` every `metricsFlushIntervalMs`, when a worker stops (so a
 * graceful handover loses and doubles nothing) and at shutdown. A crash loses at most the
 * last unflushed interval. Live gauges (in flight, queued, retrying, checkpoint lag) stay in
 * memory, for the workers this instance runs only.
 */
@Injectable()
export class MetricsRecorder implements OnModuleDestroy {
  private readonly logger = new Logger(MetricsRecorder.name);
  private pending = new Map<string, MinuteDelta>();
  private readonly live = new Map<string, LiveWorkerGauges>();
  /**
   * Error signatures recorded per subscription and minute, across flushes: the cap on distinct
   * signatures holds for the whole minute, not per flush.
   */
  private readonly signatures = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private destroyed = false;
  /** Bumped whenever a flush takes pending deltas (hooks then look theirs up again). */
  private generation = 0;

  constructor(
    private readonly repository: MetricsRepository,
    private readonly prometheus: RelayPrometheus,
    @Inject(CHANGE_RELAY_OPTIONS) private readonly options: ResolvedChangeRelayOptions,
    private readonly tail: LiveTailPublisher,
  ) {}

  /**
   * Engine hooks that count for one subscription, and its live gauges (replacing those of an
   * earlier engine life). `stats` reads the worker's current engine, for in flight and queued.
   */
  hooksFor(
    subscription: string,
    service: string,
    stats: () => EngineStats | undefined = () => undefined,
  ): EngineHooks<RawChangeEvent> {
    const live = new LiveWorkerGauges(subscription, service, stats);
    this.live.set(subscription, live);
    // The current minute's delta, looked up again only when a flush took it or the minute ended.
    let cached: MinuteDelta | undefined;
    let cachedGeneration = -1;
    let cachedUntil = 0;
    const delta = (now = Date.now()): MinuteDelta => {
      if (cached === undefined || cachedGeneration !== this.generation || now >= cachedUntil) {
        cached = this.deltaFor(subscription, service, now);
        cachedGeneration = this.generation;
        cachedUntil = cached.minute.getTime() + MINUTE_MS;
      }
      return cached;
    };
    const prom = this.prometheus.bind(subscription, service);
    const tail = this.tail.channel(subscription);
    return {
      received: (event) => {
        const now = Date.now();
        const d = delta(now);
        d.counters.received += 1;
        prom.counts.received += 1;
        d.lastEventMs = now;
        const { operationType, ns } = event.payload;
        d.byOperation[operationType] = (d.byOperation[operationType] ?? 0) + 1;
        if (ns?.coll !== undefined) {
          d.byCollection[ns.coll] = (d.byCollection[ns.coll] ?? 0) + 1;
        }
        live.received(event);
      },
      delivered: (events, info) => {
        const now = Date.now();
        const d = delta(now);
        d.counters.delivered += events.length;
        prom.counts.delivered += events.length;
        const handlerMs = info.durationMs > 0 ? info.durationMs : 0;
        const handlerSlot = slotOf(handlerMs);
        observeInSlot(d.handler, handlerMs, handlerSlot);
        prom.handler.add(handlerMs, handlerSlot);
        for (const event of events) {
          const at = changeTimeMs(event.payload);
          if (at !== undefined) {
            const latencyMs = now > at ? now - at : 0;
            const latencySlot = slotOf(latencyMs);
            observeInSlot(d.latency, latencyMs, latencySlot);
            prom.latency.add(latencyMs, latencySlot);
          }
          if (tail.active) {
            tail.add(liveDelivery(event, 'delivered', now, info.durationMs));
          }
        }
        live.settled(events);
      },
      attemptFailed: (events, info) => {
        const d = delta();
        d.counters.failedAttempts += 1;
        prom.counts.failedAttempts += 1;
        d.lastError = recordedError(info.error);
        tallyError(d.errors, info.error, events[0], 'attempts', this.admitter(d));
        if (tail.active) {
          const now = Date.now();
          for (const event of events) {
            tail.add(liveDelivery(event, 'failed-attempt', now, info.durationMs, info.error));
          }
        }
      },
      retried: (events) => {
        delta().counters.retried += 1;
        prom.counts.retried += 1;
        live.retrying(events);
      },
      deadLettered: (event, info) => {
        const d = delta();
        d.counters.deadLettered += 1;
        tallyError(d.errors, info.error, event, 'deadLettered', this.admitter(d));
        if (tail.active) {
          tail.add(liveDelivery(event, 'dead-lettered', Date.now(), undefined, info.error));
        }
        prom.counts.deadLettered += 1;
        live.settled([event]);
      },
      deadLetterFailed: (_event, info) => {
        delta().lastError = recordedError(info.error);
      },
      replayed: (event, info) => {
        const d = delta();
        const counter = info.outcome.status === 'delivered' ? 'replayed' : 'replayFailed';
        d.counters[counter] += 1;
        prom.counts[counter] += 1;
        live.settled([event]);
        if (tail.active) {
          const outcome = info.outcome.status === 'delivered' ? 'replayed' : 'replay-failed';
          tail.add(liveDelivery(event, outcome, Date.now()));
        }
      },
      checkpointed: (checkpoint) => {
        live.checkpointed(checkpoint.seq);
      },
      checkpointFailed: (_checkpoint, info) => {
        delta().lastError = recordedError(info.error);
      },
    };
  }

  /** The live gauges of one worker this instance runs, or of all of them. */
  liveFigures(): LiveFigures[];
  liveFigures(subscription: string): LiveFigures | undefined;
  liveFigures(subscription?: string): LiveFigures[] | LiveFigures | undefined {
    const now = Date.now();
    if (subscription !== undefined) {
      return this.live.get(subscription)?.figures(now);
    }
    return [...this.live.values()].map((live) => live.figures(now));
  }

  /**
   * The worker stopped (or was halted): its gauges go (what it counted is still flushed), so
   * this instance reports only what it owns.
   */
  detach(subscription: string): void {
    this.tail.detach(subscription);
    const live = this.live.get(subscription);
    if (live) {
      this.noteLag(live);
      this.live.delete(subscription);
    }
  }

  /**
   * Writes what was counted so far (for one subscription, or all). Failures keep the counts for
   * the next flush. Flushes run one at a time.
   */
  flush(subscription?: string): Promise<void> {
    this.flushing = this.flushing.then(() => this.write(subscription));
    return this.flushing;
  }

  /** The periodic flush ends here; the supervisor's shutdown flushes once more after draining. */
  onModuleDestroy(): void {
    this.destroyed = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private deltaFor(subscription: string, service: string, now = Date.now()): MinuteDelta {
    this.startTimer();
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const key = `${subscription}|${minute}`;
    let delta = this.pending.get(key);
    if (!delta) {
      delta = {
        subscription,
        service,
        minute: new Date(minute),
        counters: emptyCounters(),
        handler: emptyDurations(),
        latency: emptyDurations(),
        byOperation: {},
        byCollection: {},
        lagMaxMs: 0,
        errors: {},
      };
      this.pending.set(key, delta);
    }
    return delta;
  }

  /** Admits a new error signature while the subscription-minute is under the cap. */
  private admitter(delta: MinuteDelta): (signature: string) => boolean {
    return (signature) => {
      const key = `${delta.subscription}|${delta.minute.getTime()}`;
      let seen = this.signatures.get(key);
      if (!seen) {
        seen = new Set();
        this.signatures.set(key, seen);
      }
      if (seen.has(signature)) {
        return true;
      }
      if (seen.size >= MAX_ERROR_SIGNATURES) {
        return false;
      }
      seen.add(signature);
      return true;
    };
  }

  private async write(subscription: string | undefined): Promise<void> {
    const currentMinute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    for (const key of this.signatures.keys()) {
      if (Number(key.slice(key.lastIndexOf('|') + 1)) < currentMinute) {
        this.signatures.delete(key);
      }
    }
    for (const live of this.live.values()) {
      if (subscription === undefined || live.subscription === subscription) {
        this.noteLag(live);
      }
    }
    const taken: MinuteDelta[] = [];
    this.generation += 1;
    for (const [key, delta] of this.pending) {
      if (subscription === undefined || delta.subscription === subscription) {
        if (delta.lastEventMs !== undefined) {
          delta.lastEventAt = new Date(delta.lastEventMs);
        }
        taken.push(delta);
        this.pending.delete(key);
      }
    }
    try {
      await this.repository.add(taken);
    } catch (error) {
      this.logger.warn(
        `Flushing metrics failed (kept for the next flush): ${(error as Error).message}`,
      );
      taken.forEach((delta) => this.merge(delta));
    }
  }

  /** Puts a delta that could not be written back into the pending ones. */
  private merge(delta: MinuteDelta): void {
    const key = `${delta.subscription}|${delta.minute.getTime()}`;
    const current = this.pending.get(key);
    if (!current) {
      this.pending.set(key, delta);
      return;
    }
    for (const name of Object.keys(current.counters) as (keyof MinuteDelta['counters'])[]) {
      current.counters[name] += delta.counters[name];
    }
    mergeDurations(current.handler, delta.handler);
    mergeDurations(current.latency, delta.latency);
    addCounts(current.byOperation, delta.byOperation);
    addCounts(current.byCollection, delta.byCollection);
    mergeTallies(current.errors, delta.errors);
    current.lagMaxMs = Math.max(current.lagMaxMs, delta.lagMaxMs);
    current.lastEventMs = Math.max(current.lastEventMs ?? 0, delta.lastEventMs ?? 0) || undefined;
    current.lastError ??= delta.lastError;
  }

  /** Keeps the largest lag of the minute (lag is sampled at each flush). */
  private noteLag(live: LiveWorkerGauges): void {
    const lagMs = live.lagMs();
    if (lagMs > 0) {
      const d = this.deltaFor(live.subscription, live.service);
      d.lagMaxMs = Math.max(d.lagMaxMs, lagMs);
    }
  }

  private startTimer(): void {
    if (!this.timer && !this.destroyed) {
      this.timer = setInterval(() => {
        void this.flush();
      }, this.options.metricsFlushIntervalMs).unref();
    }
  }
}

function recordedError(error: unknown): RecordedError {
  const code =
    (error as { code?: unknown; status?: unknown } | null)?.code ??
    (error as { status?: unknown } | null)?.status;
  return {
    at: new Date(),
    message: errorMessage(error),
    ...(typeof code === 'number' || typeof code === 'string' ? { code } : {}),
  };
}
