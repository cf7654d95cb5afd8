import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HandlerRegistry, requiredHandlerName } from '../handlers/handler.registry';
import { InstancesRepository } from '../instances/instances.repository';
import { LeasesRepository } from '../leases/leases.repository';
import type { Lease } from '../leases/lease.types';
import {
  CHANGE_RELAY_OPTIONS,
  type ResolvedChangeRelayOptions,
} from '../module/change-relay.options';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { Subscription } from '../subscriptions/subscription.types';
import type { SubscriptionWorker } from '../worker/subscription-worker';
import { SubscriptionWorkerFactory } from '../worker/subscription-worker.factory';
import { Alarm } from './alarm';
import { InstanceHeartbeat } from './instance-heartbeat';
import { settlesWithin } from './settles-within';
import { workerFingerprint } from './subscription-fingerprint';
import { SubscriptionChangesWatcher } from './subscription-changes.watcher';

/** After a foreign lease expires, wait this long before trying to take it (clock jitter). */
const TAKEOVER_SLACK_MS = 25;
/** Longest wait for one shutdown step that needs MongoDB (besides draining workers). */
const SHUTDOWN_STEP_MS = 2_000;

type Phase = 'idle' | 'running' | 'stopping' | 'stopped' | 'halted';

/** Writes to `subscriptions` usually come in bursts (create + reset...): react once. */
const CHANGE_DEBOUNCE_MS = 20;

export interface RunningWorker {
  subscription: string;
  leaseToken: number;
}

/**
 * Decides which subscriptions this instance runs: heartbeats into `instances`, takes the lease
 * of every active, non-stale subscription whose handler it has and that no live owner holds,
 * and starts, restarts or stops workers as subscriptions change. Reacts to a change stream on
 * `subscriptions`, to lease expiries of other owners, and reconciles periodically as a fallback.
 */
@Injectable()
export class RelaySupervisor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RelaySupervisor.name);
  private phase: Phase = 'idle';
  private readonly workers = new Map<string, { worker: SubscriptionWorker; fingerprint: string }>();
  /**
   * Workers asked to stop and not yet done: their subscription is not restarted before, and
   * `halt()` abandons them too (a graceful stop may still be draining).
   */
  private readonly stopping = new Map<
    string,
    { worker: SubscriptionWorker; done: Promise<unknown> }
  >();
  private readonly watcher: SubscriptionChangesWatcher;
  private readonly heartbeat: InstanceHeartbeat;
  private reconcileTimer: NodeJS.Timeout | undefined;
  /** Reconciles right after the earliest lease of another owner expires (takeover). */
  private readonly takeoverAlarm = new Alarm(() => this.reconcileInBackground());
  private debounceTimer: NodeJS.Timeout | undefined;
  private current: Promise<Promise<unknown>[]> | undefined;
  private queued: Promise<Promise<unknown>[]> | undefined;

  constructor(
    @Inject(CHANGE_RELAY_OPTIONS) private readonly options: ResolvedChangeRelayOptions,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly leases: LeasesRepository,
    private readonly instances: InstancesRepository,
    private readonly registry: HandlerRegistry,
    private readonly workerFactory: SubscriptionWorkerFactory,
  ) {
    this.heartbeat = new InstanceHeartbeat(instances, registry, options, this.logger);
    this.watcher = new SubscriptionChangesWatcher(
      subscriptions,
      () => this.changeNoticed(),
      this.logger,
      Math.min(1_000, options.maxAwaitTimeMs),
    );
  }

  onApplicationBootstrap(): void {
    this.phase = 'running';
    this.heartbeat.start();
    if (!this.options.runWorkers) {
      return;
    }
    this.watcher.start();
    this.reconcileTimer = setInterval(
      () => this.reconcileInBackground(),
      this.options.reconcileIntervalMs,
    ).unref();
    this.reconcileInBackground();
  }

  /** Graceful shutdown: drain every worker (final checkpoints), release leases, leave `instances`. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.phase !== 'running' && this.phase !== 'idle') {
      return;
    }
    this.phase = 'stopping';
    this.clearTimers();
    // Bounded waits: with MongoDB unreachable these could otherwise hang the shutdown.
    await settlesWithin(this.watcher.stop(), SHUTDOWN_STEP_MS);
    await settlesWithin(this.current ?? Promise.resolve(), SHUTDOWN_STEP_MS);
    for (const { worker } of [...this.workers.values()]) {
      void this.stopWorker(worker, 'graceful', 'shutting down');
    }
    const drained = Promise.all([...this.stopping.values()].map(({ done }) => done));
    const inTime = await settlesWithin(drained, this.options.shutdownTimeoutMs + 1_000);
    if (!inTime) {
      this.logger.warn('Workers did not stop within the shutdown timeout; abandoning them');
      this.stopping.forEach(({ worker }) => worker.halt());
    }
    const removal = this.instances.remove(this.options.instanceId).catch((error: Error) => {
      this.logger.warn(`Could not remove instance ${this.options.instanceId}: ${error.message}`);
    });
    await settlesWithin(removal, SHUTDOWN_STEP_MS);
    this.phase = 'stopped';
  }

  /**
   * Abandons everything at once, as a crash would: workers stop without a final checkpoint,
   * heartbeats and lease renewals stop, leases are NOT released (they expire after the TTL).
   * Later shutdown hooks do nothing more. For failover tests and fatal situations.
   */
  async halt(): Promise<void> {
    if (this.phase === 'halted' || this.phase === 'stopped') {
      return;
    }
    this.phase = 'halted';
    this.clearTimers();
    // Graceful stops still draining (a shutdown in progress, a paused subscription) end too.
    const workers = [...this.workers.values(), ...this.stopping.values()].map(
      ({ worker }) => worker,
    );
    this.workers.clear();
    workers.forEach((worker) => worker.halt());
    await settlesWithin(
      Promise.all([this.watcher.stop(), ...workers.map((w) => w.done)]),
      SHUTDOWN_STEP_MS,
    );
  }

  /**
   * Reconciles now and resolves once a reconcile that started after this call has finished,
   * including the workers it stopped and, for changed subscriptions, their restart. The admin
   * API calls it after a write so the effect does not wait for the watch; tests use it too.
   */
  async reconcileNow(): Promise<void> {
    const stopped = await this.serializedPass();
    if (stopped.length > 0) {
      await Promise.all(stopped);
      // The follow-up pass starts the restarted ones; stops it starts itself are not awaited.
      await this.serializedPass().then(() => undefined);
    }
  }

  /** One reconcile pass at a time; a call during a pass gets the next one. */
  private serializedPass(): Promise<Promise<unknown>[]> {
    if (!this.current) {
      this.current = this.reconcile().finally(() => {
        this.current = undefined;
      });
      return this.current;
    }
    this.queued ??= this.current
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.serializedPass();
      });
    return this.queued;
  }

  /** Subscriptions this instance runs right now. */
  runningWorkers(): RunningWorker[] {
    return [...this.workers.values()].map(({ worker }) => ({
      subscription: worker.name,
      leaseToken: worker.leaseToken,
    }));
  }

  /** Returns the stops it started (workers stop in the background: a slow drain blocks nothing). */
  private async reconcile(): Promise<Promise<unknown>[]> {
    if (this.phase !== 'running' || !this.options.runWorkers) {
      return [];
    }
    const [subscriptions, leases] = await Promise.all([
      this.subscriptions.list(),
      this.leases.list(),
    ]);
    if (this.phase !== 'running') {
      return [];
    }
    const byName = new Map(subscriptions.map((s) => [s.name, s]));
    const stops: Promise<unknown>[] = [];
    for (const [name, { worker, fingerprint }] of this.workers) {
      const subscription = byName.get(name);
      if (!subscription) {
        stops.push(this.stopWorker(worker, 'abort', 'deleted'));
      } else if (!this.wants(subscription)) {
        stops.push(
          this.stopWorker(
            worker,
            'graceful',
            subscription.stale ? 'stale' : subscription.desiredState,
          ),
        );
      } else if (workerFingerprint(subscription) !== fingerprint) {
        stops.push(this.stopWorker(worker, 'graceful', 'changed; restarting'));
      }
    }
    const leaseByName = new Map(leases.map((l) => [l.subscription, l]));
    let nextExpiry = Number.POSITIVE_INFINITY;
    for (const subscription of subscriptions) {
      const { name } = subscription;
      if (!this.wants(subscription) || this.workers.has(name) || this.stopping.has(name)) {
        continue;
      }
      const lease = leaseByName.get(name);
      if (lease && this.heldByAnother(lease)) {
        nextExpiry = Math.min(nextExpiry, lease.expiresAt.getTime());
        continue;
      }
      await this.startWorker(subscription);
      if (this.phase !== 'running') {
        return stops;
      }
    }
    if (this.phase === 'running') {
      this.takeoverAlarm.ringAt(nextExpiry + TAKEOVER_SLACK_MS);
    }
    return stops;
  }

  private async startWorker(subscription: Subscription): Promise<void> {
    const handler = this.registry.resolve(subscription.handler);
    if (!handler) {
      return;
    }
    const lease = await this.leases.tryAcquire(
      subscription.name,
      this.options.instanceId,
      this.options.leaseTtlMs,
    );
    if (!lease) {
      return;
    }
    if (this.phase !== 'running') {
      await this.leases
        .release(lease.subscription, lease.owner, lease.token)
        .catch(() => undefined);
      return;
    }
    const worker = this.workerFactory.create(subscription, lease, handler);
    this.workers.set(subscription.name, { worker, fingerprint: workerFingerprint(subscription) });
    this.logger.log(`Running subscription "${subscription.name}" (lease token ${lease.token})`);
    worker.start();
    void worker.done.then((exit) => {
      if (this.workers.get(subscription.name)?.worker === worker) {
        this.workers.delete(subscription.name);
        this.logger.log(
          `Worker of "${subscription.name}" exited: ${exit.reason}${exit.detail ? ` (${exit.detail})` : ''}`,
        );
      }
    });
  }

  private stopWorker(
    worker: SubscriptionWorker,
    mode: 'graceful' | 'abort',
    why: string,
  ): Promise<unknown> {
    this.logger.log(`Stopping the worker of "${worker.name}": ${why}`);
    this.workers.delete(worker.name);
    const done = worker.stop(mode).finally(() => {
      this.stopping.delete(worker.name);
      this.changeNoticed();
    });
    this.stopping.set(worker.name, { worker, done });
    return done;
  }

  private wants(subscription: Subscription): boolean {
    return (
      subscription.desiredState === 'active' &&
      !subscription.stale &&
      this.registry.has(requiredHandlerName(subscription.handler))
    );
  }

  private heldByAnother(lease: Lease): boolean {
    return lease.owner !== this.options.instanceId && lease.expiresAt.getTime() > Date.now();
  }

  private changeNoticed(): void {
    if (this.phase !== 'running' || this.debounceTimer) {
      return;
    }
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.reconcileInBackground();
    }, CHANGE_DEBOUNCE_MS).unref();
  }

  private reconcileInBackground(): void {
    this.reconcileNow().catch((error: Error) => {
      this.logger.warn(`Reconcile failed: ${error.message}`);
    });
  }

  private clearTimers(): void {
    this.heartbeat.stop();
    clearInterval(this.reconcileTimer);
    this.takeoverAlarm.cancel();
    clearTimeout(this.debounceTimer);
    this.debounceTimer = undefined;
  }
}
