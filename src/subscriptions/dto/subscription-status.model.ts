import { Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import type { DesiredState, SubscriptionState } from '@app/relay';
import { OplogWindowView } from '../../oplog/dto/oplog-window.model';
import { OutputField } from './output-field.decorator';
import { DesiredStateEnum, SubscriptionStateEnum } from './subscription.enums';
import { StaleView } from './subscription.model';

export const WORKER_STATES = ['starting', 'running', 'backoff', 'stopped', 'unassigned'] as const;
export type ActualState = (typeof WORKER_STATES)[number];

@ObjectType('WorkerCounters', { description: 'Totals over all owners of the subscription' })
export class CountersView {
  @OutputField(() => Float, { description: 'Events read from the stream' })
  received: number;

  @OutputField(() => Float, { description: 'Events the handler accepted' })
  delivered: number;

  @OutputField(() => Float, { description: 'Retries scheduled' })
  retried: number;

  @OutputField(() => Float, { description: 'Handler attempts that failed' })
  failedAttempts: number;

  @OutputField(() => Float, { description: 'Events sent to the dead-letter queue' })
  deadLettered: number;

  @OutputField(() => Float, { description: 'Replayed events the handler accepted' })
  replayed: number;

  @OutputField(() => Float, { description: 'Replayed events that failed again' })
  replayFailed: number;
}

@ObjectType('WorkerError')
export class WorkerErrorView {
  @OutputField(() => String, { description: 'What failed' })
  message: string;

  @OutputField(() => Int, { description: 'MongoDB error code, when there is one', nullable: true })
  code?: number;

  @OutputField(() => GraphQLISODateTime, { description: 'When' })
  at: Date;
}

@ObjectType('CheckpointInfo')
export class CheckpointView {
  @OutputField(() => GraphQLISODateTime, { description: 'When the checkpoint was last written' })
  updatedAt: Date;

  @OutputField(() => Float, { description: 'Milliseconds since then' })
  ageMs: number;

  @OutputField(() => GraphQLISODateTime, {
    description: 'Cluster time (to the second) of the position the checkpoint marks, when known',
    nullable: true,
  })
  clusterTime?: Date;

  @OutputField(() => String, {
    description:
      'What the position is: token (after a change event), time (a start time), or snapshot (a copy in progress)',
    swagger: { enum: ['token', 'time', 'snapshot'] },
  })
  kind: 'token' | 'time' | 'snapshot';
}

@ObjectType('SnapshotCollectionProgress')
export class SnapshotCollectionView {
  @OutputField(() => String, { description: 'Collection name' })
  collection: string;

  @OutputField(() => Float, { description: 'Documents delivered as snapshot events' })
  copied: number;

  @OutputField(() => Float, {
    description: 'Matching documents counted when the snapshot started',
    nullable: true,
  })
  estimate?: number;

  @OutputField(() => Boolean, { description: 'Copied completely' })
  done: boolean;
}

@ObjectType('SnapshotProgress', {
  description: 'The copy of the existing documents (startFrom snapshot, resync), as checkpointed',
})
export class SnapshotProgressView {
  @OutputField(() => GraphQLISODateTime, {
    description: 'The cluster time the change stream continues from once the copy is done',
  })
  streamFrom: Date;

  @OutputField(() => GraphQLISODateTime, {
    description: 'When the copy began (its first owner)',
    nullable: true,
  })
  startedAt?: Date;

  @OutputField(() => [SnapshotCollectionView], {
    description: 'Collections in copy order (empty until the copy has started)',
    swagger: { type: [SnapshotCollectionView] },
  })
  collections: SnapshotCollectionView[];

  @OutputField(() => Float, { description: 'Documents copied, all collections' })
  copied: number;

  @OutputField(() => Float, { description: 'Documents expected, all collections', nullable: true })
  estimate?: number;

  @OutputField(() => Float, {
    description: 'Documents copied per second since the copy began',
    nullable: true,
  })
  ratePerSecond?: number;

  @OutputField(() => Float, {
    description: 'Seconds until the copy is expected to finish, at that rate',
    nullable: true,
  })
  etaSeconds?: number;
}

@ObjectType('OplogStatus', {
  description:
    "The oplog window of the deployment and this subscription's margin to it (how much history is left before its position rolls off)",
})
export class OplogStatusView extends OplogWindowView {
  @OutputField(() => Float, {
    description:
      "Milliseconds between the subscription's position and the oplog's first entry (negative: history lost)",
    nullable: true,
  })
  marginMs?: number;

  @OutputField(() => Float, { description: 'The margin as % of the window', nullable: true })
  marginPct?: number;

  @OutputField(() => Float, {
    description:
      'Margin lost per second over the last minute (1 = a second per second; negative: growing)',
    nullable: true,
  })
  shrinkRate?: number;

  @OutputField(() => Float, {
    description: 'At that rate, milliseconds until history is lost (only while shrinking)',
    nullable: true,
  })
  timeToLossMs?: number;

  @OutputField(() => String, {
    description: 'Healthy, Warning or Critical (HEALTH_OPLOG_* thresholds)',
    nullable: true,
  })
  status?: string;
}

@ObjectType('SubscriptionStatus', {
  description: 'Desired and actual state of a subscription and its worker',
})
export class SubscriptionStatusView {
  @OutputField(() => String, { description: 'Subscription name' })
  name: string;

  @OutputField(() => DesiredStateEnum.enumObject, {
    description: 'active or paused, as asked',
    swagger: { enum: [...DesiredStateEnum.values], enumName: DesiredStateEnum.name },
  })
  desiredState: DesiredState;

  @OutputField(() => SubscriptionStateEnum.enumObject, {
    description: 'active, paused or stale',
    swagger: { enum: [...SubscriptionStateEnum.values], enumName: SubscriptionStateEnum.name },
  })
  state: SubscriptionState;

  @OutputField(() => String, {
    description:
      'The worker: starting, running, backoff (restarting after an error), stopped, or unassigned (no live lease)',
    swagger: { enum: [...WORKER_STATES] },
  })
  actualState: ActualState;

  @OutputField(() => String, { description: 'The handler name an instance needs to run it' })
  handler: string;

  @OutputField(() => String, { description: 'Instance holding the lease', nullable: true })
  owner?: string;

  @OutputField(() => GraphQLISODateTime, {
    description: 'When the lease expires unless renewed',
    nullable: true,
  })
  leaseExpiresAt?: Date;

  @OutputField(() => CheckpointView, { description: 'The persisted position', nullable: true })
  checkpoint?: CheckpointView;

  @OutputField(() => SnapshotProgressView, {
    description: 'While existing documents are being copied: the progress of the copy',
    nullable: true,
  })
  snapshot?: SnapshotProgressView;

  @OutputField(() => OplogStatusView, {
    description: "The oplog window and this subscription's margin to it",
    nullable: true,
  })
  oplog?: OplogStatusView;

  @OutputField(() => Float, {
    description:
      'How far the checkpoint trails the cluster time, in milliseconds (second resolution)',
    nullable: true,
  })
  lagMs?: number;

  @OutputField(() => CountersView, { description: 'Event counters' })
  counters: CountersView;

  @OutputField(() => WorkerErrorView, { description: 'The last worker error', nullable: true })
  lastError?: WorkerErrorView;

  @OutputField(() => GraphQLISODateTime, {
    description: 'When the last event was received',
    nullable: true,
  })
  lastEventAt?: Date;

  @OutputField(() => StaleView, { description: 'Why the subscription is stale', nullable: true })
  stale?: StaleView;

  @OutputField(() => [String], {
    description: 'Live instances that have the handler',
    swagger: { type: [String] },
  })
  instancesWithHandler: string[];

  @OutputField(() => [String], {
    description: 'What an operator should know',
    swagger: { type: [String] },
  })
  warnings: string[];
}
