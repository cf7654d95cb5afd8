import type { EngineHooks } from '@app/delivery';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  CHANGE_RELAY_OPTIONS,
  type ResolvedChangeRelayOptions,
} from '../module/change-relay.options';
import { MetricsRepository } from './metrics.repository';
import { emptyCounters, type MinuteDelta, type RecordedError } from './metrics.types';

const MINUTE_MS = 60_000;

/**
 * Worker telemetry, off the lease: counters and handler times are added up in memory per
 * subscription and minute (engine hooks are synchronous and per event) and flushed as `$inc`
 * upserts into `metrics_minutely` every `metricsFlushIntervalMs`, when a worker stops (so a
 * graceful handover loses and doubles nothing) and at shutdown. A crash loses at most the
 * last unflushed interval.
 */
@Injectable()
export class MetricsRecorder implements OnModuleDestroy {
  private readonly logger = new Logger(MetricsRecorder.name);
  private pending = new Map<string, MinuteDelta>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private destroyed = false;

  constructor(
    private readonly repository: MetricsRepository,
    @Inject(CHANGE_RELAY_OPTIONS) private readonly options: ResolvedChangeRelayOptions,
  ) {}

  /** Engine hooks that count for one subscription. */
  hooksFor(subscription: string, service: string): EngineHooks<unknown> {
    const delta = (): MinuteDelta => this.deltaFor(subscription, service);
    return {
      received: () => {
        const d = delta();
        d.counters.received += 1;
        d.lastEventAt = new Date();
      },
      delivered: (events, info) => {
        const d = delta();
        d.counters.delivered += events.length;
        d.handler.count += 1;
        d.handler.sumMs += info.durationMs;
        d.handler.maxMs = Math.max(d.handler.maxMs, info.durationMs);
      },
      attemptFailed: (_events, info) => {
        const d = delta();
        d.counters.failedAttempts += 1;
        d.lastError = recordedError(info.error);
      },
      retried: () => {
        delta().counters.retried += 1;
      },
      deadLettered: () => {
        delta().counters.deadLettered += 1;
      },
      replayed: (_event, info) => {
        if (info.outcome.status === 'delivered') {
          delta().counters.replayed += 1;
        }
      },
      deadLetterFailed: (_event, info) => {
        delta().lastError = recordedError(info.error);
      },
      checkpointFailed: (_checkpoint, info) => {
        delta().lastError = recordedError(info.error);
      },
    };
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

  private deltaFor(subscription: string, service: string): MinuteDelta {
    this.startTimer();
    const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    const key = `${subscription}|${minute}`;
    let delta = this.pending.get(key);
    if (!delta) {
      delta = {
        subscription,
        service,
        minute: new Date(minute),
        counters: emptyCounters(),
        handler: { count: 0, sumMs: 0, maxMs: 0 },
      };
      this.pending.set(key, delta);
    }
    return delta;
  }

  private async write(subscription: string | undefined): Promise<void> {
    const taken: MinuteDelta[] = [];
    for (const [key, delta] of this.pending) {
      if (subscription === undefined || delta.subscription === subscription) {
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
    current.handler.count += delta.handler.count;
    current.handler.sumMs += delta.handler.sumMs;
    current.handler.maxMs = Math.max(current.handler.maxMs, delta.handler.maxMs);
    current.lastEventAt ??= delta.lastEventAt;
    current.lastError ??= delta.lastError;
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
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'number' || typeof code === 'string' ? { code } : {}),
  };
}
