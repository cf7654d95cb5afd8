import { Injectable } from '@nestjs/common';
import {
  CheckpointsRepository,
  LeasesRepository,
  requiredHandlerName,
  SubscriptionsRepository,
  subscriptionState,
  type Checkpoint,
  type Instance,
  type Lease,
  type Subscription,
} from '@app/relay';
import type { Timestamp } from 'bson';
import { canAccessService, type Principal } from '../auth/principal';
import { InstancesService } from '../instances/instances.service';
import { ClusterClock } from './cluster-clock';
import type { ActualState, SubscriptionStatusView } from './dto/subscription-status.model';
import { timestampToDate } from './subscription.view';
import { SubscriptionErrors } from './subscriptions.errors';

/** What is known about one subscription's worker, gathered from the relay's collections. */
export interface StatusSources {
  subscription: Subscription;
  lease: Lease | null;
  checkpoint: Checkpoint | null;
  liveInstances: Instance[];
  /** The cluster's current time; undefined when it could not be read (no lag then). */
  clusterTime: Timestamp | undefined;
  now: Date;
}

/** GET /subscriptions/:name/status: desired against actual state, position, lag and warnings. */
@Injectable()
export class SubscriptionStatusService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly leases: LeasesRepository,
    private readonly checkpoints: CheckpointsRepository,
    private readonly instances: InstancesService,
    private readonly clock: ClusterClock,
  ) {}

  async status(name: string, caller: Principal): Promise<SubscriptionStatusView> {
    const subscription = await this.subscriptions.findByName(name);
    if (!subscription || !canAccessService(caller, subscription.serviceName)) {
      throw SubscriptionErrors.notFound(name);
    }
    const [lease, checkpoint, liveInstances, clusterTime] = await Promise.all([
      this.leases.find(name),
      this.checkpoints.find(name),
      this.instances.live(),
      // Status should answer even when the cluster time cannot be read; lag is then unknown.
      this.clock.now().catch(() => undefined),
    ]);
    return describeStatus({
      subscription,
      // Error texts name hosts, ports and answers (a port scanner in the wrong hands): admins only.
      lease: caller.role === 'admin' ? lease : withErrorClassOnly(lease),
      checkpoint,
      liveInstances,
      clusterTime,
      now: new Date(),
    });
  }
}

/** The lease with its last error reduced to its class: "answered 4xx", or "failed". */
export function withErrorClassOnly(lease: Lease | null): Lease | null {
  const lastError = lease?.status.lastError;
  if (!lease || !lastError) {
    return lease;
  }
  const answered = /answered (\d)\d\d\b/.exec(lastError.message);
  const message = answered
    ? `the target answered ${answered[1]}xx (details for admins)`
    : 'the worker failed (details for admins)';
  return { ...lease, status: { ...lease.status, lastError: { ...lastError, message } } };
}

/** Pure: the status an operator sees, from what the collections hold. */
export function describeStatus(sources: StatusSources): SubscriptionStatusView {
  const { subscription, lease, checkpoint, liveInstances, clusterTime, now } = sources;
  const handler = requiredHandlerName(subscription.handler);
  const leaseLive = lease !== null && lease.expiresAt.getTime() > now.getTime();
  const actualState: ActualState = leaseLive ? lease.status.state : 'unassigned';
  const instancesWithHandler = liveInstances
    .filter((instance) => instance.handlers.includes(handler))
    .map((i) => i.id);
  // Where the stream stands: the checkpoint, or the start time while there is none.
  const position = checkpoint ? checkpoint.clusterTime : subscription.startAtOperationTime;
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
    checkpoint: checkpoint
      ? {
          updatedAt: checkpoint.updatedAt,
          ageMs: Math.max(0, now.getTime() - checkpoint.updatedAt.getTime()),
          clusterTime: checkpoint.clusterTime ? timestampToDate(checkpoint.clusterTime) : undefined,
        }
      : undefined,
    lagMs,
    counters: {
      ...(lease?.status.counters ?? {
        received: 0,
        delivered: 0,
        retried: 0,
        failedAttempts: 0,
        deadLettered: 0,
      }),
    },
    lastError: lease?.status.lastError,
    lastEventAt: lease?.status.lastEventAt,
    stale: subscription.stale,
    instancesWithHandler,
    warnings: [],
  };
  status.warnings = warningsFor(status, subscription);
  return status;
}

function warningsFor(status: SubscriptionStatusView, subscription: Subscription): string[] {
  const warnings: string[] = [];
  if (subscription.stale) {
    const since = subscription.stale.lastCheckpointAt
      ? ` (changes since the last checkpoint at ${subscription.stale.lastCheckpointAt.toISOString()} would be skipped)`
      : '';
    warnings.push(`Stale: ${subscription.stale.reason}. Reset it to start again from now${since}.`);
    return warnings;
  }
  if (subscription.desiredState === 'paused') {
    return warnings;
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
  if (status.actualState === 'backoff' && status.lastError) {
    warnings.push(`The worker is restarting after an error: ${status.lastError.message}`);
  }
  return warnings;
}
