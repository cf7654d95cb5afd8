import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HandlerRegistry, requiredHandlerName } from '../handlers/handler.registry';
import { InstancesRepository } from '../instances/instances.repository';
import type { Instance } from '../instances/instance.types';
import { LeasesRepository } from '../leases/leases.repository';
import type { Lease } from '../leases/lease.types';
import { JournalWriter } from '../journal/journal.writer';
import { MetricsRecorder } from '../metrics/metrics.recorder';
import {
  CHANGE_RELAY_OPTIONS,
  type ResolvedChangeRelayOptions,
} from '../module/change-relay.options';
import { MetadataWatchRepository, type OwnershipChange } from '../module/metadata-watch.repository';
import { CommandsRepository } from '../commands/commands.repository';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { Subscription } from '../subscriptions/subscription.types';
import type { SubscriptionWorker } from '../worker/subscription-worker';
import { SubscriptionWorkerFactory } from '../worker/subscription-worker.factory';
import { Alarm } from './alarm';
import { AssignmentPolicy, type PolicyInstance } from './assignment.policy';
import { InstanceHeartbeat } from './instance-heartbeat';
import { OwnershipChangesWatcher } from './ownership-changes.watcher';
import { settlesWithin } from './settles-within';
import { workerFingerprint } from './subscription-fingerprint';

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
 * Applies the assignment policy's decisions: heartbeats into `instances`, takes the leases the
 * policy picks (its fair share of the active, non-stale subscriptions whose handler it has),
 * hands surplus over gracefully, and starts, restarts or stops workers as subscriptions change.
 * Reacts to a change stream on the metadata (subscriptions, instances joining or leaving,
 * leases released), to lease expiries and instance heartbeats running out, and reconciles
 * periodically as a fallback.
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
  private readonly watcher: OwnershipChangesWatcher;
  private readonly policy = new AssignmentPolicy();
  private readonly heartbeat: InstanceHeartbeat;
  private reconcileTimer: NodeJS.Timeout | undefined;
  /**
   * Reconciles right after the earliest lease of another owner expires, or another instance's
   * heartbeat runs out (takeover; fair shares grow).
   */
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
    private readonly metrics: MetricsRecorder,
    private readonly journal: JournalWriter,
    private readonly commands: CommandsRepository,
    metadata: MetadataWatchRepository,
  ) {
    this.heartbeat = new InstanceHeartbeat(instances, registry, options, this.logger);
    this.watcher = new OwnershipChangesWatcher(
      () => metadata.watchOwnershipChanges(Math.min(1_000, options.maxAwaitTimeMs)),
      (change) => this.changeNoticed(change),
      this.logger,
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
    await settlesWithin(
      Promise.all([removal, this.metrics.flush(), this.journal.flush()]),
      SHUTDOWN_STEP_MS,
    );
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
    const [subscriptions, leases, live] = await Promise.all([
      this.subscriptions.list(),
      this.leases.list(),
      this.instances.listLive(this.liveWindowMs),
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

    const now = Date.now();
    const foreign = leases.filter((lease) => this.heldByAnother(lease, now));
    const decision = this.policy.decide({
      self: this.self(),
      instances: live.map(toPolicyInstance),
      subscriptions: subscriptions
        .filter((s) => this.wants(s))
        .map((s) => ({ name: s.name, handler: requiredHandlerName(s.handler) })),
      held: new Set(this.workers.keys()),
      // Being stopped here counts as taken: it is restarted (or handed over) once it stopped.
      heldElsewhere: new Set([...foreign.map((l) => l.subscription), ...this.stopping.keys()]),
    });
    for (const name of decision.release) {
      const running = this.workers.get(name);
      if (running) {
        stops.push(
          this.stopWorker(running.worker, 'graceful', 'handing over (over its fair share)'),
        );
      }
    }
    for (const name of decision.acquire) {
      await this.startWorker(byName.get(name)!);
      if (this.phase !== 'running') {
        return stops;
      }
    }
    if (this.phase === 'running') {
      this.takeoverAlarm.ringAt(this.nextTakeoverAt(foreign, live) + TAKEOVER_SLACK_MS);
      await this.wakeWaitingCommands();
    }
    return stops;
  }

  /** The fallback for a command whose arrival the watch missed: one read per reconcile. */
  private async wakeWaitingCommands(): Promise<void> {
    if (this.workers.size === 0) {
      return;
    }
    const waiting = await this.commands.waitingFor([...this.workers.keys()]);
    waiting.forEach((name) => this.workers.get(name)?.worker.commandsWaiting());
  }

  /** An instance counts as live while its heartbeat is younger than a lease. */
  private get liveWindowMs(): number {
    return this.options.leaseTtlMs;
  }

  private self(): PolicyInstance {
    return {
      id: this.options.instanceId,
      handlers: this.registry.names(),
      ...(this.options.maxSubscriptionsPerInstance !== undefined
        ? { maxSubscriptions: this.options.maxSubscriptionsPerInstance }
        : {}),
    };
  }

  /** When the next foreign lease expires or another instance's heartbeat runs out. */
  private nextTakeoverAt(foreign: Lease[], live: Instance[]): number {
    const times = [
      ...foreign.map((lease) => lease.expiresAt.getTime()),
      ...live
        .filter((instance) => instance.id !== this.options.instanceId)
        .map((instance) => instance.lastSeen.getTime() + this.liveWindowMs),
    ];
    return times.length > 0 ? Math.min(...times) : Number.POSITIVE_INFINITY;
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

  private heldByAnother(lease: Lease, now: number): boolean {
    return lease.owner !== this.options.instanceId && lease.expiresAt.getTime() > now;
  }

  private changeNoticed(change?: OwnershipChange): void {
    if (change?.ns.coll === 'commands') {
      // A command for a subscription: its worker runs it; ownership did not change.
      const target = change.fullDocument?.subscription;
      if (target) {
        this.workers.get(target)?.worker.commandsWaiting();
      }
      return;
    }
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

function toPolicyInstance(instance: Instance): PolicyInstance {
  return {
    id: instance.id,
    handlers: instance.handlers,
    ...(instance.maxSubscriptions !== undefined
      ? { maxSubscriptions: instance.maxSubscriptions }
      : {}),
  };
}
