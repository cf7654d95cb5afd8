import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  DeadLettersRepository,
  type LiveFigures,
  MetricsRecorder,
  RelayPrometheus,
  RelaySupervisor,
} from '@app/relay';
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';

const LABELS = ['subscription', 'service'] as const;

/**
 * `/metrics` of this instance: the relay's counters and histograms, gauges read at scrape time
 * from the workers this instance owns (lag, in flight, queued, retrying, stream up, lease,
 * pending dead letters), and Node process metrics. A subscription another instance owns is not
 * exported here, so a Prometheus sum over instances counts every worker once.
 */
@Injectable()
export class PrometheusExporter implements OnModuleInit {
  private readonly registry: Registry;

  constructor(
    prometheus: RelayPrometheus,
    private readonly recorder: MetricsRecorder,
    private readonly supervisor: RelaySupervisor,
    private readonly deadLetters: DeadLettersRepository,
  ) {
    this.registry = prometheus.registry;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  onModuleInit(): void {
    if (this.registry.getSingleMetric('change_relay_checkpoint_lag_seconds')) {
      return; // already set up (one registry per relay module)
    }
    // Standard names (process_*, nodejs_*), so the usual Node.js dashboards work unchanged.
    collectDefaultMetrics({ register: this.registry });
    const live = (name: string, help: string, value: (figures: LiveFigures) => number) => {
      const recorder = this.recorder;
      return new Gauge({
        name,
        help,
        labelNames: LABELS,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const figures of recorder.liveFigures()) {
            const labels = { subscription: figures.subscription, service: figures.service };
            this.set(labels, value(figures));
          }
        },
      });
    };
    live(
      'change_relay_checkpoint_lag_seconds',
      'Age of the oldest received change not yet checkpointed',
      (f) => f.lagMs / 1_000,
    );
    live('change_relay_events_in_flight', 'Events admitted and not yet settled', (f) => f.inFlight);
    live('change_relay_events_queued', 'Events waiting for a handler slot', (f) => f.queued);
    live('change_relay_events_retrying', 'Events waiting for a retry', (f) => f.retrying);
    live(
      'change_relay_stream_up',
      '1 while the change stream of an owned subscription is read',
      (f) => (f.streamUp ? 1 : 0),
    );
    const supervisor = this.supervisor;
    new Gauge({
      name: 'change_relay_lease_owned',
      help: 'Subscriptions whose lease this instance holds (1 each)',
      labelNames: ['subscription'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const worker of supervisor.runningWorkers()) {
          this.set({ subscription: worker.subscription }, 1);
        }
      },
    });
    const deadLetters = this.deadLetters;
    new Gauge({
      name: 'change_relay_dead_letters_pending',
      help: 'Pending dead letters of the subscriptions this instance owns',
      labelNames: ['subscription'],
      registers: [this.registry],
      async collect() {
        const owned = supervisor.runningWorkers().map((worker) => worker.subscription);
        const counts = owned.length > 0 ? await deadLetters.countPending(owned) : new Map();
        this.reset();
        for (const subscription of owned) {
          this.set({ subscription }, counts.get(subscription) ?? 0);
        }
      },
    });
  }

  /** The text exposition (Prometheus format 0.0.4). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
