import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS_MS } from './metrics.histogram';
import { COUNTER_NAMES, type SubscriptionCounters } from './metrics.types';

const LABELS = ['subscription', 'service'] as const;
type Labels = (typeof LABELS)[number];

/** Prometheus names of the event counters. */
const COUNTER_METRICS: Record<keyof SubscriptionCounters, [name: string, help: string]> = {
  received: ['change_relay_events_received_total', 'Change events read from the stream'],
  delivered: ['change_relay_events_delivered_total', 'Change events the handler accepted'],
  failedAttempts: ['change_relay_attempts_failed_total', 'Handler attempts that failed'],
  retried: ['change_relay_retries_total', 'Retries scheduled'],
  deadLettered: ['change_relay_events_dead_lettered_total', 'Events stored as dead letters'],
  replayed: ['change_relay_events_replayed_total', 'Replayed events the handler accepted'],
  replayFailed: ['change_relay_replays_failed_total', 'Replayed events that failed again'],
};

const BUCKETS_S = DURATION_BUCKETS_MS.map((ms) => ms / 1_000);

/** The per-event instruments of one subscription, bound to its labels once. */
export interface BoundInstruments {
  count(name: keyof SubscriptionCounters, by?: number): void;
  handlerMs(ms: number): void;
  latencyMs(ms: number): void;
}

/**
 * The Prometheus registry of the relay runtime: counters and histograms by subscription and
 * service, incremented by the workers of this process only (so a sum over instances is right;
 * a counter restarts at 0 with the process, which `rate()`/`increase()` handle). Gauges and
 * process metrics are registered by whoever serves `/metrics`.
 */
@Injectable()
export class RelayPrometheus {
  readonly registry = new Registry();
  private readonly counters = new Map<keyof SubscriptionCounters, Counter<Labels>>();
  private readonly handler: Histogram<Labels>;
  private readonly latency: Histogram<Labels>;
  /** Per bound subscription: moves its pending counts into the counters. */
  private readonly flushers = new Map<string, () => void>();

  constructor() {
    for (const name of COUNTER_NAMES) {
      const [metric, help] = COUNTER_METRICS[name];
      this.counters.set(
        name,
        new Counter({
          name: metric,
          help,
          labelNames: LABELS,
          registers: [this.registry],
          collect: () => this.flushCounts(),
        }),
      );
    }
    this.handler = new Histogram({
      name: 'change_relay_handler_duration_seconds',
      help: 'Duration of successful handler calls',
      labelNames: LABELS,
      buckets: BUCKETS_S,
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'change_relay_end_to_end_latency_seconds',
      help: "From the change's cluster time to the handler's success",
      labelNames: LABELS,
      buckets: BUCKETS_S,
      registers: [this.registry],
    });
  }

  bind(subscription: string, service: string): BoundInstruments {
    const labels = { subscription, service };
    const counters = new Map(
      [...this.counters].map(([name, counter]) => [name, counter.labels(labels)] as const),
    );
    // Counts add up in plain numbers and reach prom-client when the registry is read (every
    // counter's collect flushes them): an `inc` per event showed in profiles.
    const pending = new Map<keyof SubscriptionCounters, number>();
    const flush = (): void => {
      for (const [name, by] of pending) {
        if (by > 0) {
          counters.get(name)?.inc(by);
          pending.set(name, 0);
        }
      }
    };
    const key = `${subscription}\u0000${service}`;
    this.flushers.get(key)?.();
    this.flushers.set(key, flush);
    const handler = this.handler.labels(labels);
    const latency = this.latency.labels(labels);
    return {
      count: (name, by = 1) => pending.set(name, (pending.get(name) ?? 0) + by),
      handlerMs: (ms) => handler.observe(Math.max(0, ms) / 1_000),
      latencyMs: (ms) => latency.observe(Math.max(0, ms) / 1_000),
    };
  }

  /** Moves the counts not yet handed to prom-client into its counters. */
  private flushCounts(): void {
    for (const flush of this.flushers.values()) {
      flush();
    }
  }
}
