import { Injectable } from '@nestjs/common';
import {
  CheckpointsRepository,
  emptyCounters,
  LeasesRepository,
  MetricsRepository,
  requiredHandlerName,
  SubscriptionsRepository,
  subscriptionState,
  type Checkpoint,
  type Instance,
  type Lease,
  type OplogWindow,
  type Subscription,
  type SubscriptionTotals,
} from '@app/relay';
import type { Timestamp } from 'bson';
import { canAccessService, type Principal } from '../auth/principal';
import { InstancesService } from '../instances/instances.service';
import { ClusterClock } from './cluster-clock';
import type { ListSubscriptionsArgs } from './dto/list-subscriptions.args';
import { OplogMarginService } from '../oplog/oplog-margin.service';
import type { OplogMargin } from '../oplog/oplog-margin';
import type {
  ActualState,
  OplogStatusView,
  SnapshotProgressView,
  SubscriptionStatusView,
  WorkerErrorView,
} from './dto/subscription-status.model';
import { timestampToDate } from './subscription.view';
import { SubscriptionErrors } from './subscriptions.errors';

/** What is known about one subscription's worker, gathered from the relay's collections. */
export interface StatusSources {
  subscription: Subscription;
  lease: Lease | null;
  checkpoint: Checkpoint | null;
  /** Counters from the metrics rollups (none yet: zeros). */
  totals: SubscriptionTotals | undefined;
  liveInstances: Instance[];
  /** The cluster's current time; undefined when it could not be read (no lag then). */
  clusterTime: Timestamp | undefined;
  now: Date;
  /** The oplog window and this subscription's margin (undefined: not computed). */
  oplog?: { window: OplogWindow; margin: OplogMargin | undefined };
}

/**
 * Desired against actual state, position, lag, counters and warnings, for one subscription or a
 * list: a list costs the same few reads (leases, checkpoints, metrics, instances) as one.
 */
@Injectable()
export class SubscriptionStatusService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly leases: LeasesRepository,
    private readonly checkpoints: CheckpointsRepository,
    private readonly metrics: MetricsRepository,
    private readonly instances: InstancesService,
    private readonly clock: ClusterClock,
    private readonly oplogMargins: OplogMarginService,
  ) {}

  async status(name: string, caller: Principal): Promise<SubscriptionStatusView> {
    const subscription = await this.subscriptions.findByName(name);
    if (!subscription || !canAccessService(caller, subscription.serviceName)) {
      throw SubscriptionErrors.notFound(name);
    }
    const [status] = await this.describe([subscription], caller);
    return status;
  }

  /** The statuses of the subscriptions the filter selects (and the caller may see), by name. */
  async list(args: ListSubscriptionsArgs, caller: Principal): Promise<SubscriptionStatusView[]> {
    const subscriptions = await this.subscriptions.list({
      serviceName: args.service ?? undefined,
      state: args.state ?? undefined,
    });
    return this.describe(
      subscriptions.filter((s) => canAccessService(caller, s.serviceName)),
      caller,
    );
  }

  private async describe(
    subscriptions: Subscription[],
    caller: Principal,
  ): Promise<SubscriptionStatusView[]> {
    if (subscriptions.length === 0) {
      return [];
    }
    const names = subscriptions.map((s) => s.name);
    const [leases, checkpoints, totals, liveInstances, clusterTime, oplog] = await Promise.all([
      this.leases.list(names),
      this.checkpoints.findMany(names),
      this.metrics.totals(names),
      this.instances.live(),
      // Status should answer even when the cluster time cannot be read; lag is then unknown.
      this.clock.now().catch(() => undefined),
      this.oplogMargins.margins(subscriptions),
    ]);
    const leaseByName = new Map(leases.map((lease) => [lease.subscription, lease]));
    const now = new Date();
    return subscriptions.map((subscription) => {
      const status = describeStatus({
        subscription,
        lease: leaseByName.get(subscription.name) ?? null,
        checkpoint: checkpoints.get(subscription.name) ?? null,
        totals: totals.get(subscription.name),
        liveInstances,
        clusterTime,
        now,
        oplog: { window: oplog.window, margin: oplog.margins.get(subscription.name) },
      });
      // Error texts name hosts, ports and answers (a port scanner in the wrong hands): admins only.
      return caller.role === 'admin' ? status : withErrorClassOnly(status);
    });
  }
}

/** The status with its last error reduced to its class: "answered 4xx", or "failed". */
export function withErrorClassOnly(status: SubscriptionStatusView): SubscriptionStatusView {
  const lastError = status.lastError;
  if (!lastError) {
    return status;
  }
  const answered = /answered (\d)\d\d\b/.exec(lastError.message);
  const message = answered
    ? `the target answered ${answered[1]}xx (details for admins)`
    : 'the worker failed (details for admins)';
  const warnings = status.warnings.map((warning) =>
    warning.includes(lastError.message) ? warning.replace(lastError.message, message) : warning,
  );
  return { ...status, lastError: { ...lastError, message }, warnings };
}

/** Pure: the status an operator sees, from what the collections hold. */
export function describeStatus(sources: StatusSources): SubscriptionStatusView {
  const { subscription, lease, checkpoint, totals, liveInstances, clusterTime, now } = sources;
  const handler = requiredHandlerName(subscription.handler);
  const leaseLive = lease !== null && lease.expiresAt.getTime() > now.getTime();
  const actualState: ActualState = leaseLive ? lease.status.state : 'unassigned';
  const instancesWithHandler = liveInstances
    .filter((instance) => instance.handlers.includes(handler))
    .map((i) => i.id);
  // Where the stream stands: the checkpoint (of the current epoch), or the start time.
  const current = checkpoint && checkpoint.epoch === subscription.epoch ? checkpoint : null;
  const position = current ? current.position.clusterTime : subscription.startAtOperationTime;
  const lagMs =
    clusterTime && position ? Math.max(0, (clusterTime.t - position.t) * 1000) : undefined;
  const status: SubscriptionStatusView = {
    name: subscription.name,
    desiredState: subscription.desiredState,
    state: subscriptionState(subscription),
    actualState,
    handler,
    owner: leaseLive ? lease.owner : undefined,
    leaseExpiresAt: leaseLive ? lease.expiresAt : undefined,
    checkpoint: current
      ? {
          updatedAt: current.updatedAt,
          ageMs: Math.max(0, now.getTime() - current.updatedAt.getTime()),
          clusterTime: current.position.clusterTime
            ? timestampToDate(current.position.clusterTime)
            : undefined,
          kind: current.position.kind,
        }
      : undefined,
    snapshot: snapshotProgress(subscription, current),
    oplog: sources.oplog ? oplogStatus(sources.oplog.window, sources.oplog.margin) : undefined,
    lagMs,
    counters: { ...(totals?.counters ?? emptyCounters()) },
    lastError: latestError(lease?.status.lastError, totals?.lastError),
    lastEventAt: totals?.lastEventAt,
    stale: subscription.stale,
    instancesWithHandler,
    warnings: [],
  };
  status.warnings = warningsFor(status, subscription, sources.oplog?.margin);
  return status;
}

function warningsFor(
  status: SubscriptionStatusView,
  subscription: Subscription,
  margin: OplogMargin | undefined,
): string[] {
  const warnings: string[] = [];
  if (subscription.stale) {
    const since = subscription.stale.lastCheckpointAt
      ? ` (changes since the last checkpoint at ${subscription.stale.lastCheckpointAt.toISOString()} would be skipped)`
      : '';
    warnings.push(
      `Stale: ${subscription.stale.reason}. Reset it to start again from now, or resync it to copy the current documents and lose nothing${since}.`,
    );
    return warnings;
  }
  if (subscription.desiredState === 'paused') {
    return [...warnings, ...oplogWarnings(status, margin)];
  }
  if (status.instancesWithHandler.length === 0) {
    warnings.push(
      `No live instance has the handler "${status.handler}": the subscription does not run until an instance that registers it starts.`,
    );
  } else if (status.actualState === 'unassigned') {
    warnings.push(
      'No instance holds the lease yet: an instance with the handler should take it within the lease TTL.',
    );
  }
  warnings.push(...oplogWarnings(status, margin));
  if (status.actualState === 'backoff' && status.lastError) {
    warnings.push(`The worker is restarting after an error: ${status.lastError.message}`);
  }
  return warnings;
}

/**
 * The copy in progress: from a snapshot checkpoint that still has collections to copy, or, before
 * the first checkpoint, the copy a snapshot-first subscription is about to make.
 */
export function snapshotProgress(
  subscription: Subscription,
  checkpoint: Checkpoint | null,
): SnapshotProgressView | undefined {
  if (!checkpoint) {
    return subscription.snapshotFirst
      ? {
          streamFrom: timestampToDate(subscription.startAtOperationTime),
          collections: [],
          copied: 0,
        }
      : undefined;
  }
  const position = checkpoint.position;
  if (position.kind !== 'snapshot') {
    return undefined;
  }
  const collections = position.collections ?? [];
  if (collections.length > 0 && collections.every((collection) => collection.done)) {
    return undefined;
  }
  const startedAt = position.startedAt instanceof Date ? position.startedAt : undefined;
  const elapsedS = startedAt ? (checkpoint.updatedAt.getTime() - startedAt.getTime()) / 1000 : 0;
  const ratePerSecond = elapsedS > 0 ? position.copied / elapsedS : undefined;
  const remaining =
    position.estimate !== undefined ? Math.max(0, position.estimate - position.copied) : undefined;
  return {
    streamFrom: timestampToDate(position.clusterTime),
    ...(startedAt ? { startedAt } : {}),
    collections: collections.map((collection) => ({
      collection: collection.coll,
      copied: collection.copied,
      ...(collection.estimate !== undefined ? { estimate: collection.estimate } : {}),
      done: collection.done,
    })),
    copied: position.copied,
    ...(position.estimate !== undefined ? { estimate: position.estimate } : {}),
    ...(ratePerSecond !== undefined ? { ratePerSecond: Math.round(ratePerSecond * 10) / 10 } : {}),
    ...(ratePerSecond && remaining !== undefined
      ? { etaSeconds: Math.round(remaining / ratePerSecond) }
      : {}),
  };
}

function oplogWarnings(status: SubscriptionStatusView, margin: OplogMargin | undefined): string[] {
  if (status.oplog && !status.oplog.available) {
    return [`The oplog window is unknown: ${status.oplog.reason}.`];
  }
  if (margin && margin.status !== 'Healthy') {
    const eta =
      margin.timeToLossMs !== undefined
        ? `; history lost in about ${Math.round(margin.timeToLossMs / 1_000)} s at the current rate`
        : '';
    return [`Oplog ${margin.status}: ${margin.reason}${eta}.`];
  }
  return [];
}

/** The oplog part of the status: the window, and the margin when the subscription has one. */
export function oplogStatus(window: OplogWindow, margin: OplogMargin | undefined): OplogStatusView {
  if (!window.available) {
    return { available: false, reason: window.reason };
  }
  return {
    available: true,
    firstEntryAt: window.firstAt,
    lastEntryAt: window.lastAt,
    windowMs: window.windowMs,
    ...(window.sizeBytes !== undefined ? { sizeBytes: window.sizeBytes } : {}),
    ...(window.maxSizeBytes !== undefined ? { maxSizeBytes: window.maxSizeBytes } : {}),
    ...(margin
      ? {
          marginMs: margin.marginMs,
          marginPct: margin.marginPct,
          ...(margin.shrinkRate !== undefined ? { shrinkRate: margin.shrinkRate } : {}),
          ...(margin.timeToLossMs !== undefined ? { timeToLossMs: margin.timeToLossMs } : {}),
          status: margin.status,
        }
      : {}),
  };
}

/** The more recent of the stream's error (on the lease) and the last delivery error (metrics). */
function latestError(
  stream: WorkerErrorView | undefined,
  delivery: SubscriptionTotals['lastError'],
): WorkerErrorView | undefined {
  const fromDelivery = delivery
    ? {
        message: delivery.message,
        ...(typeof delivery.code === 'number' ? { code: delivery.code } : {}),
        at: delivery.at,
      }
    : undefined;
  if (!stream || !fromDelivery) {
    return stream ?? fromDelivery;
  }
  return stream.at.getTime() >= fromDelivery.at.getTime() ? stream : fromDelivery;
}
