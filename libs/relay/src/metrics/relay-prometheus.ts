import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DURATION_BUCKETS_MS } from './metrics.histogram';
import { COUNTER_NAMES, type SubscriptionCounters } from './metrics.types';

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

type Labels = { subscription: string; service: string };

/** A histogram's state for one label set: per-bucket counts (not cumulative), sum, count. */
export class HistogramSeries {
  /** One slot per bound of DURATION_BUCKETS_MS, then +Inf (see `slotOf`). */
  readonly buckets = new Float64Array(DURATION_BUCKETS_MS.length + 1);
  sumMs = 0;
  count = 0;

  /** Adds an observation whose slot is known (`slotOf(ms)`); `ms` must be >= 0. */
  add(ms: number, slot: number): void {
    this.buckets[slot] += 1;
    this.sumMs += ms;
    this.count += 1;
  }
}

/**
 * Everything counted for one subscription and service in this process: the recorder's hooks add
 * to these plain numbers directly (the hot path), the registry reads them at scrape time.
 */
export class PrometheusSeries {
  readonly counts: SubscriptionCounters = {
    received: 0,
    delivered: 0,
    failedAttempts: 0,
    retried: 0,
    deadLettered: 0,
    replayed: 0,
    replayFailed: 0,
  };
  readonly handler = new HistogramSeries();
  readonly latency = new HistogramSeries();

  constructor(readonly labels: Labels) {}
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * A metric of the registry read from the series at scrape time: the hot path only adds to plain
 * numbers (no label hashing, no allocation per event), which prom-client's own counters and
 * histograms would do on every `inc`/`observe`.
 */
class SeriesMetric {
  readonly aggregator = 'sum';
  readonly collect = undefined;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    private readonly read: () => MetricValue[],
    private readonly clear: () => void,
  ) {}

  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: MetricValue[];
  }> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.read(),
    });
  }

  reset(): void {
    this.clear();
  }
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
  private readonly series = new Map<string, PrometheusSeries>();

  constructor() {
    const clear = () => this.series.clear();
    for (const name of COUNTER_NAMES) {
      const [metric, help] = COUNTER_METRICS[name];
      this.register(
        new SeriesMetric(
          metric,
          help,
          'counter',
          () => [...this.series.values()].map((s) => ({ labels: s.labels, value: s.counts[name] })),
          clear,
        ),
      );
    }
    this.register(
      new SeriesMetric(
        'change_relay_handler_duration_seconds',
        'Duration of successful handler calls',
        'histogram',
        () => this.histogramValues('change_relay_handler_duration_seconds', (s) => s.handler),
        clear,
      ),
    );
    this.register(
      new SeriesMetric(
        'change_relay_end_to_end_latency_seconds',
        "From the change's cluster time to the handler's success",
        'histogram',
        () => this.histogramValues('change_relay_end_to_end_latency_seconds', (s) => s.latency),
        clear,
      ),
    );
  }

  /** The series of one subscription and service (kept for the life of the process). */
  bind(subscription: string, service: string): PrometheusSeries {
    const key = `${subscription}\u0000${service}`;
    let series = this.series.get(key);
    if (!series) {
      series = new PrometheusSeries({ subscription, service });
      this.series.set(key, series);
    }
    return series;
  }

  private register(metric: SeriesMetric): void {
    this.registry.registerMetric(metric as never);
  }

  private histogramValues(
    name: string,
    pick: (s: PrometheusSeries) => HistogramSeries,
  ): MetricValue[] {
    const values: MetricValue[] = [];
    for (const series of this.series.values()) {
      const histogram = pick(series);
      let cumulative = 0;
      BUCKETS_S.forEach((le, slot) => {
        cumulative += histogram.buckets[slot];
        values.push({
          metricName: `${name}_bucket`,
          labels: { ...series.labels, le },
          value: cumulative,
        });
      });
      values.push({
        metricName: `${name}_bucket`,
        labels: { ...series.labels, le: '+Inf' },
        value: histogram.count,
      });
      values.push({
        metricName: `${name}_sum`,
        labels: series.labels,
        value: histogram.sumMs / 1_000,
      });
      values.push({ metricName: `${name}_count`, labels: series.labels, value: histogram.count });
    }
    return values;
  }
}
