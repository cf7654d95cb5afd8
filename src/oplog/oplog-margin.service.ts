import { Injectable, Logger } from '@nestjs/common';
import {
  CheckpointsRepository,
  SubscriptionsRepository,
  type Checkpoint,
  type OplogWindow,
  type Subscription,
} from '@app/relay';
import { AppConfig } from '../config/app-config';
import { MarginTrends, marginOf, positionTime, type OplogMargin } from './oplog-margin';
import { OplogWindowService } from './oplog-window.service';

export interface OplogMargins {
  window: OplogWindow;
  /** By subscription name; every subscription that is not stale (paused ones too). */
  margins: Map<string, OplogMargin>;
}

/**
 * Every subscription's margin to the oplog window: its position's time minus the oplog's first
 * entry time, the rate at which it shrinks, and the verdict of the oplog health rule. Turns are
 * logged (warn on Warning, error on Critical) by `check()`, which the scheduler runs.
 */
@Injectable()
export class OplogMarginService {
  private readonly logger = new Logger('OplogWindow');
  private readonly trends = new MarginTrends();
  private readonly lastStatus = new Map<string, string>();

  constructor(
    private readonly windows: OplogWindowService,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly checkpoints: CheckpointsRepository,
    private readonly config: AppConfig,
  ) {}

  /** The margins of these subscriptions (all when omitted), read in two queries. */
  async margins(of?: readonly Subscription[]): Promise<OplogMargins> {
    const subscriptions = of ?? (await this.subscriptions.list());
    // A paused subscription resumes from its checkpoint: its history ages out all the same.
    const running = subscriptions.filter((s) => !s.stale);
    const [window, checkpoints] = await Promise.all([
      this.windows.current(),
      running.length > 0
        ? this.checkpoints.findMany(running.map((s) => s.name))
        : new Map<string, Checkpoint>(),
    ]);
    const margins = new Map<string, OplogMargin>();
    if (!window.available) {
      return { window, margins };
    }
    for (const subscription of running) {
      const position = positionTime(subscription, checkpoints.get(subscription.name));
      if (!position) {
        continue;
      }
      const marginMs = (position.t - window.first.t) * 1_000;
      // Until the oplog is full its first entry stays put and margins only grow: no rate then.
      if (!window.rolling) {
        this.trends.forget(subscription.name);
      }
      const rate = window.rolling ? this.trends.record(subscription.name, marginMs) : undefined;
      margins.set(subscription.name, marginOf(position, window, this.config.health, rate));
    }
    return { window, margins };
  }

  /** Refreshes every margin and logs the subscriptions whose verdict turned. */
  async check(): Promise<void> {
    const { window, margins } = await this.margins();
    if (!window.available) {
      if (this.lastStatus.get('') !== window.reason) {
        this.logger.warn(`The oplog window cannot be read: ${window.reason}`);
        this.lastStatus.set('', window.reason);
      }
      return;
    }
    this.lastStatus.delete('');
    for (const [name, margin] of margins) {
      const before = this.lastStatus.get(name) ?? 'Healthy';
      this.lastStatus.set(name, margin.status);
      if (before === margin.status) {
        continue;
      }
      const eta =
        margin.timeToLossMs !== undefined
          ? `; history lost in about ${Math.round(margin.timeToLossMs / 1_000)} s at the current rate`
          : '';
      const message = `Subscription "${name}": oplog margin turned ${margin.status} (${margin.reason}${eta})`;
      if (margin.status === 'Critical') {
        this.logger.error(message);
      } else if (margin.status === 'Warning') {
        this.logger.warn(message);
      } else {
        this.logger.log(message);
      }
    }
    for (const name of [...this.lastStatus.keys()]) {
      if (name !== '' && !margins.has(name)) {
        this.lastStatus.delete(name);
        this.trends.forget(name);
      }
    }
  }
}
