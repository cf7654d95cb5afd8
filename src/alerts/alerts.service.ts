import { Injectable, Logger } from '@nestjs/common';
import {
  DeadLettersRepository,
  MetricsRepository,
  SubscriptionsRepository,
  type MinuteSummary,
  type Subscription,
} from '@app/relay';
import { evaluateHealth } from '../analytics/health.rules';
import { AppConfig } from '../config/app-config';
import type { OplogMargin } from '../oplog/oplog-margin';
import { OplogMarginService } from '../oplog/oplog-margin.service';
import { alertNotification, shouldNotify, type ObservedCondition } from './alert.rules';
import { AlertSender } from './alert.sender';
import { AlertStatesRepository } from './alert-states.repository';

/**
 * Evaluates every subscription's health over the last ALERT_WINDOW_MS (from the rollups and the
 * oplog margin, so every instance would reach the same verdict) and notifies on a change. One instance holds
 * the evaluator lease and evaluates; each notification is also claimed by a conditional update
 * of the subscription's `alert_states` document before it is sent, so even two evaluators (a
 * lease handover) never both send the same change.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly metrics: MetricsRepository,
    private readonly deadLetters: DeadLettersRepository,
    private readonly states: AlertStatesRepository,
    private readonly sender: AlertSender,
    private readonly oplogMargins: OplogMarginService,
  ) {}

  get enabled(): boolean {
    return this.config.alerts.webhookUrls.length > 0;
  }

  /** One evaluation round; resolves once its notifications were sent. */
  async evaluate(): Promise<void> {
    const { alerts, instanceId } = this.config;
    const leaseMs = Math.max(3 * alerts.checkIntervalMs, 10_000);
    if (!(await this.states.acquireEvaluator(instanceId, leaseMs))) {
      return;
    }
    const now = new Date();
    const subscriptions = await this.subscriptions.list();
    const names = subscriptions.map((s) => s.name);
    const [summaries, pending, sent, oplog] = await Promise.all([
      this.metrics.summarize(new Date(now.getTime() - alerts.windowMs), names),
      this.deadLetters.countPending(names),
      this.states.sentStates(),
      this.oplogMargins.margins(subscriptions),
    ]);
    const bySubscription = new Map(summaries.map((s) => [s.subscription, s]));
    const sends: Promise<void>[] = [];
    for (const subscription of subscriptions) {
      const observed = this.observe(
        subscription,
        bySubscription.get(subscription.name),
        pending.get(subscription.name) ?? 0,
        oplog.margins.get(subscription.name),
      );
      const previous = sent.get(subscription.name);
      const changes = shouldNotify(previous, observed, alerts.cooldownMs, now.getTime());
      if (changes.length === 0) {
        continue;
      }
      const condition = {
        status: observed.status,
        stale: observed.stale,
        deadLettersOver: observed.deadLettersOver,
      };
      if (!(await this.states.claim(subscription.name, previous, condition, now))) {
        continue; // another instance sent it
      }
      const notification = alertNotification({
        subscription: subscription.name,
        service: subscription.serviceName,
        sent: previous?.condition ?? { status: 'Healthy', stale: false, deadLettersOver: false },
        now: observed,
        changes,
        deadLetterThreshold: alerts.deadLetterThreshold,
        time: now,
        instance: instanceId,
      });
      this.logger.log(notification.text);
      sends.push(this.sender.send(notification));
    }
    await this.states.forgetAllBut(names);
    await Promise.all(sends);
  }

  /** Gives the evaluator lease up at shutdown. */
  async release(): Promise<void> {
    await this.states.releaseEvaluator(this.config.instanceId);
  }

  private observe(
    subscription: Subscription,
    summary: MinuteSummary | undefined,
    pendingDeadLetters: number,
    margin: OplogMargin | undefined,
  ): ObservedCondition {
    const counters = summary?.counters;
    const verdict = evaluateHealth(
      {
        received: counters?.received ?? 0,
        delivered: counters?.delivered ?? 0,
        deadLettered: counters?.deadLettered ?? 0,
        failedAttempts: counters?.failedAttempts ?? 0,
        retried: counters?.retried ?? 0,
        handlerCount: summary?.handler.count ?? 0,
        handlerSumMs: summary?.handler.sumMs ?? 0,
        lagMs: summary?.lagMaxMs ?? 0,
        stale: Boolean(subscription.stale),
        ...(margin
          ? {
              oplog: {
                marginMs: margin.marginMs,
                windowMs: margin.windowMs,
                rolling: margin.rolling,
              },
            }
          : {}),
      },
      this.config.health,
    );
    return {
      status: verdict.status,
      reasons: verdict.reasons,
      stale: Boolean(subscription.stale),
      deadLettersOver: pendingDeadLetters >= this.config.alerts.deadLetterThreshold,
      pendingDeadLetters,
    };
  }
}
