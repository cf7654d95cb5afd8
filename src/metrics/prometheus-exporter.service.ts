import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  DeadLettersRepository,
  type LiveFigures,
  MetricsRecorder,
  RelayPrometheus,
  RelaySupervisor,
  SubscriptionsRepository,
  type OplogWindowReading,
} from '@app/relay';
import type { OplogMargin } from '../oplog/oplog-margin';
import { OplogMarginService, type OplogMargins } from '../oplog/oplog-margin.service';
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
  private oplogScrape: Promise<OplogMargins & { services: Map<string, string> }> | undefined;
  private oplogScrapeAt = 0;

  constructor(
    prometheus: RelayPrometheus,
    private readonly recorder: MetricsRecorder,
    private readonly supervisor: RelaySupervisor,
    private readonly deadLetters: DeadLettersRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly oplogMargins: OplogMarginService,
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
        const counts =
          owned.length > 0 ? await deadLetters.countPending(owned) : new Map<string, number>();
        this.reset();
        for (const subscription of owned) {
          this.set({ subscription }, counts.get(subscription) ?? 0);
        }
      },
    });
    this.registerOplogGauges();
  }

  /**
   * The oplog window and the margins of the subscriptions this instance owns, read once per
   * scrape (every oplog gauge of a scrape shares it).
   */
  private oplogFigures(): Promise<OplogMargins & { services: Map<string, string> }> {
    const now = Date.now();
    if (!this.oplogScrape || now - this.oplogScrapeAt > 500) {
      this.oplogScrapeAt = now;
      this.oplogScrape = (async () => {
        const owned = new Set(this.supervisor.runningWorkers().map((w) => w.subscription));
        const subscriptions = (await this.subscriptions.list()).filter((s) => owned.has(s.name));
        const margins = await this.oplogMargins.margins(subscriptions);
        return { ...margins, services: new Map(subscriptions.map((s) => [s.name, s.serviceName])) };
      })();
    }
    return this.oplogScrape;
  }

  private registerOplogGauges(): void {
    const figures = () => this.oplogFigures();
    const windowGauge = (
      name: string,
      help: string,
      value: (w: OplogWindowReading) => number | undefined,
    ) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const { window } = await figures();
          this.reset();
          const v = window.available ? value(window) : undefined;
          if (v !== undefined) {
            this.set(v);
          }
        },
      });
    new Gauge({
      name: 'change_relay_oplog_available',
      help: '1 when the oplog window can be read (local.oplog.rs), 0 when not (permissions, sharded router)',
      registers: [this.registry],
      async collect() {
        this.set((await figures()).window.available ? 1 : 0);
      },
    });
    windowGauge(
      'change_relay_oplog_window_seconds',
      'Time the oplog spans (last − first entry)',
      (w) => w.windowMs / 1_000,
    );
    windowGauge(
      'change_relay_oplog_first_entry_timestamp_seconds',
      "Unix time of the oplog's first entry",
      (w) => w.firstAt.getTime() / 1_000,
    );
    windowGauge('change_relay_oplog_size_bytes', 'Oplog size (collStats size)', (w) => w.sizeBytes);
    windowGauge(
      'change_relay_oplog_max_size_bytes',
      'Oplog maximum size (collStats maxSize)',
      (w) => w.maxSizeBytes,
    );
    const marginGauge = (
      name: string,
      help: string,
      value: (m: OplogMargin) => number | undefined,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: LABELS,
        registers: [this.registry],
        async collect() {
          const { margins, services } = await figures();
          this.reset();
          for (const [subscription, margin] of margins) {
            const v = value(margin);
            if (v !== undefined) {
              this.set({ subscription, service: services.get(subscription) ?? '' }, v);
            }
          }
        },
      });
    marginGauge(
      'change_relay_oplog_margin_seconds',
      "Time between an owned subscription's position and the oplog's first entry (negative: history lost)",
      (m) => m.marginMs / 1_000,
    );
    marginGauge(
      'change_relay_oplog_margin_ratio',
      'The oplog margin as a share (0–1) of the oplog window',
      (m) => m.marginPct / 100,
    );
    marginGauge(
      'change_relay_oplog_margin_shrink_rate',
      'Seconds of oplog margin lost per second over the last minute (negative: growing)',
      (m) => m.shrinkRate,
    );
    marginGauge(
      'change_relay_oplog_time_to_loss_seconds',
      'At the current shrink rate, seconds until the position rolls off the oplog',
      (m) => (m.timeToLossMs !== undefined ? m.timeToLossMs / 1_000 : undefined),
    );
    marginGauge(
      'change_relay_oplog_margin_status',
      'Oplog health rule: 0 Healthy, 1 Warning, 2 Critical (HEALTH_OPLOG_* thresholds)',
      (m) => (m.status === 'Critical' ? 2 : m.status === 'Warning' ? 1 : 0),
    );
  }

  /** The text exposition (Prometheus format 0.0.4). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
