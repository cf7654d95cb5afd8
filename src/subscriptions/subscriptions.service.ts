import { storage } from 'nestjs-pino/storage';
import { Injectable, Logger, Optional } from '@nestjs/common';
import {
  CheckpointsRepository,
  DomainError,
  CommandsRepository,
  LeasesRepository,
  MetricsRepository,
  nextEpoch,
  RelaySupervisor,
  SecretCipher,
  SubscriptionsRepository,
  WebhookTargetPolicy,
  type Subscription,
  errorMessage,
} from '@app/relay';
import type { Timestamp } from 'bson';
import { OplogWindowService } from '../oplog/oplog-window.service';
import { AuthErrors } from '../auth/auth.errors';
import { canAccessService, type Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { ClusterClock, timestampAt } from './cluster-clock';
import type { CreateSubscriptionInput } from './dto/create-subscription.input';
import type { RewindSubscriptionInput } from './dto/rewind-subscription.input';
import type { ListSubscriptionsArgs } from './dto/list-subscriptions.args';
import type { SubscriptionView } from './dto/subscription.model';
import type { UpdateSubscriptionInput } from './dto/update-subscription.input';
import {
  definitionFromDraft,
  draftFromCreateInput,
  draftFromPatch,
  sameDefinition,
} from './subscription.draft';
import { subscriptionViolations, type SubscriptionDraft } from './subscription.rules';
import { openSubscription, publicHeaderNames, sealHandler } from './subscription-secrets';
import { toSubscriptionView } from './subscription.view';
import { SubscriptionErrors } from './subscriptions.errors';

/** Optimistic-concurrency attempts before a write gives up with a CONFLICT. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * The use cases of the subscriptions API, shared by the REST controller and the GraphQL resolver.
 * Writes go through the relay's repositories; after each one the local supervisor is nudged so
 * workers react at once (other instances react through their watch on `subscriptions`).
 */
@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger(SubscriptionsService.name);

  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly checkpoints: CheckpointsRepository,
    private readonly leases: LeasesRepository,
    private readonly metrics: MetricsRepository,
    private readonly commands: CommandsRepository,
    private readonly clock: ClusterClock,
    private readonly config: AppConfig,
    private readonly cipher: SecretCipher,
    private readonly targets: WebhookTargetPolicy,
    private readonly oplog: OplogWindowService,
    @Optional() private readonly supervisor?: RelaySupervisor,
  ) {}

  async create(input: CreateSubscriptionInput, caller: Principal): Promise<SubscriptionView> {
    const draft = draftFromCreateInput(input, this.config.serviceName);
    assertServiceAllowed(caller, draft.serviceName);
    const now = new Date();
    this.assertValid(draft, now);
    await this.assertWebhookTarget(draft.handler.url);
    // Read before the insert: every change written after the API answers is later than this.
    const startAtOperationTime =
      draft.startFrom.position === 'timestamp' && draft.startFrom.timestamp
        ? timestampAt(draft.startFrom.timestamp)
        : await this.clock.now();
    const definition = definitionFromDraft(draft);
    const subscription: Subscription = {
      ...definition,
      handler: sealHandler(definition.handler, this.cipher, draft.handler.publicHeaders ?? []),
      startAtOperationTime,
      epoch: nextEpoch(),
      ...(draft.startFrom.position === 'snapshot' ? { snapshotFirst: true } : {}),
      createdBy: input.createdBy ?? caller.id,
      desiredState: input.desiredState ?? 'active',
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
    const created = await this.subscriptions.create(subscription).catch((error: unknown) => {
      throw error instanceof DomainError && error.code === 'CONFLICT'
        ? SubscriptionErrors.alreadyExists(input.name)
        : error;
    });
    this.logger.log(`Subscription "${created.name}" created (${created.handler.type} handler)`);
    this.nudgeSupervisor();
    return toSubscriptionView(created);
  }

  /** A service-scoped caller sees only its services' subscriptions. */
  async list(args: ListSubscriptionsArgs, caller: Principal): Promise<SubscriptionView[]> {
    const found = await this.subscriptions.list({
      serviceName: args.service ?? undefined,
      state: args.state ?? undefined,
    });
    return found
      .filter((subscription) => canAccessService(caller, subscription.serviceName))
      .map(toSubscriptionView);
  }

  async get(name: string, caller: Principal): Promise<SubscriptionView> {
    return toSubscriptionView(await this.find(name, caller));
  }

  /** A merge patch; the merged subscription must pass the same rules as a new one. */
  async update(
    name: string,
    patch: UpdateSubscriptionInput,
    caller: Principal,
  ): Promise<SubscriptionView> {
    await this.assertWebhookTarget(patch.handler?.url ?? undefined);
    const updated = await this.mutate(name, caller, (stored) => {
      const current = openSubscription(stored, this.cipher);
      const draft = draftFromPatch(current, patch);
      assertServiceAllowed(caller, draft.serviceName);
      this.assertValid(draft, new Date());
      const next = { ...current, ...definitionFromDraft(draft) };
      // Given headers are secret unless declared public; kept headers stay as they were.
      const publicHeaders =
        patch.handler?.publicHeaders ??
        (patch.handler?.headers ? [] : publicHeaderNames(stored.handler));
      const samePublic = publicHeaders.join('\n') === publicHeaderNames(stored.handler).join('\n');
      // Nothing changed: no new revision, so the worker keeps running undisturbed.
      return sameDefinition(current, next) && samePublic
        ? null
        : { ...next, handler: sealHandler(next.handler, this.cipher, publicHeaders) };
    });
    this.nudgeSupervisor();
    this.logger.log(`Subscription "${name}" updated (revision ${updated.revision})`);
    return toSubscriptionView(updated);
  }

  /** Stops the subscription's worker: the lease goes, so its owner stops and cannot checkpoint again. */
  async delete(name: string, caller: Principal): Promise<void> {
    await this.find(name, caller);
    if (!(await this.subscriptions.delete(name))) {
      throw SubscriptionErrors.notFound(name);
    }
    await this.leases.delete(name);
    await this.checkpoints.delete(name);
    await Promise.all([this.metrics.deleteFor(name), this.commands.deleteFor(name)]);
    this.logger.log(`Subscription "${name}" deleted`);
    this.nudgeSupervisor();
  }

  /** Idempotent: pausing a paused subscription changes nothing. */
  async pause(name: string, caller: Principal): Promise<SubscriptionView> {
    const paused = await this.mutate(name, caller, (current) =>
      current.desiredState === 'paused' ? null : { ...current, desiredState: 'paused' },
    );
    this.nudgeSupervisor();
    return toSubscriptionView(paused);
  }

  /** Continues from the checkpoint. A stale subscription cannot resume without skipping events: reset it. */
  async resume(name: string, caller: Principal): Promise<SubscriptionView> {
    const resumed = await this.mutate(name, caller, (current) => {
      if (current.stale) {
        throw SubscriptionErrors.staleNeedsReset(name, current.stale.reason);
      }
      return current.desiredState === 'active' ? null : { ...current, desiredState: 'active' };
    });
    this.nudgeSupervisor();
    return toSubscriptionView(resumed);
  }

  /**
   * Starts again from now: a new start time and epoch, no checkpoint, no stale mark. The way out
   * of `stale`; the events between the last checkpoint and now are skipped, by the operator's
   * choice.
   */
  async reset(name: string, caller: Principal): Promise<SubscriptionView> {
    const reset = await this.restart(name, caller, await this.clock.now(), false);
    this.logger.warn(`Subscription "${name}" reset: it starts again from now`);
    return reset;
  }

  /**
   * Copies the existing documents again (snapshot events), then streams from the cluster time
   * read now: nothing written meanwhile is missed. Also the way out of `stale` that loses nothing.
   */
  async resync(name: string, caller: Principal): Promise<SubscriptionView> {
    const resynced = await this.restart(name, caller, await this.clock.now(), true);
    this.logger.warn(
      `Subscription "${name}" resync: a snapshot of its collections, then the stream`,
    );
    return resynced;
  }

  /**
   * Delivers again from a past time (events after it arrive again: duplicates are expected).
   * Refused when the oplog no longer reaches back that far.
   */
  async rewind(
    name: string,
    input: RewindSubscriptionInput,
    caller: Principal,
  ): Promise<SubscriptionView> {
    await this.find(name, caller);
    const { timestamp } = input;
    if (timestamp.getTime() > Date.now()) {
      throw SubscriptionErrors.invalid([
        { field: 'timestamp', reason: 'timestamp must not be in the future' },
      ]);
    }
    const startAt = timestampAt(timestamp);
    const window = await this.oplog.current();
    if (window.available && startAt.lessThan(window.first)) {
      throw SubscriptionErrors.historyUnavailable(name, timestamp, window);
    }
    const rewound = await this.restart(name, caller, startAt, false);
    this.logger.warn(`Subscription "${name}" rewound to ${timestamp.toISOString()}`);
    return rewound;
  }

  /**
   * A new start (time, and a snapshot first or not) in a new epoch, without checkpoint or stale
   * mark: workers of the old epoch are fenced off and restart from the new start.
   */
  private async restart(
    name: string,
    caller: Principal,
    startAtOperationTime: Timestamp,
    snapshotFirst: boolean,
  ): Promise<SubscriptionView> {
    const restarted = await this.mutate(name, caller, (current) => {
      const { stale: _cleared, snapshotFirst: _previous, ...rest } = current;
      return {
        ...rest,
        startAtOperationTime,
        epoch: nextEpoch(current.epoch),
        ...(snapshotFirst ? { snapshotFirst } : {}),
      };
    });
    // Workers ignore a checkpoint of an earlier epoch (and their fenced writes are refused);
    // deleting it keeps the collection tidy and the status honest.
    await this.checkpoints.delete(name);
    this.nudgeSupervisor();
    return toSubscriptionView(restarted);
  }

  /** A subscription outside the caller's services is as good as absent (its name is not confirmed). */
  private async find(name: string, caller: Principal): Promise<Subscription> {
    const subscription = await this.subscriptions.findByName(name);
    if (!subscription || !canAccessService(caller, subscription.serviceName)) {
      throw SubscriptionErrors.notFound(name);
    }
    return subscription;
  }

  /**
   * Read, change, and write back if nobody else wrote in between (the revision is the version);
   * otherwise read again. `change` returns null when there is nothing to write.
   */
  private async mutate(
    name: string,
    caller: Principal,
    change: (current: Subscription) => Subscription | null,
  ): Promise<Subscription> {
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await this.find(name, caller);
      const next = change(current);
      if (!next) {
        return current;
      }
      const written = await this.subscriptions.replace(
        name,
        { ...next, name, revision: current.revision + 1, updatedAt: new Date() },
        current.revision,
      );
      if (written) {
        return written;
      }
    }
    throw SubscriptionErrors.concurrentChange(name);
  }

  /** Private, loopback and metadata addresses are refused unless the policy opens them. */
  private async assertWebhookTarget(url: string | undefined): Promise<void> {
    if (url === undefined) {
      return;
    }
    const reason = await this.targets.checkUrl(url);
    if (reason) {
      throw SubscriptionErrors.invalid([
        {
          field: 'handler.url',
          reason: `${reason}; webhook targets must be public unless WEBHOOK_ALLOWED_HOSTS or WEBHOOK_ALLOW_PRIVATE allow them`,
        },
      ]);
    }
  }

  private assertValid(draft: SubscriptionDraft, now: Date): void {
    const details = subscriptionViolations(draft, now, {
      metadataDatabase: this.config.mongodbDb,
    });
    if (details.length > 0) {
      throw SubscriptionErrors.invalid(details);
    }
  }

  /** Lets this instance's workers react now; not awaited, so a slow reconcile never delays the answer. */
  private nudgeSupervisor(): void {
    // Outside the HTTP request's logging context: workers started by this reconcile outlive the
    // request, and their log lines must not carry it.
    storage.exit(() => {
      this.supervisor?.reconcileNow().catch((error: unknown) => {
        this.logger.warn(`Reconcile after a change failed: ${errorMessage(error)}`);
      });
    });
  }
}

function assertServiceAllowed(caller: Principal, serviceName: string): void {
  if (!canAccessService(caller, serviceName)) {
    throw AuthErrors.serviceNotAllowed(serviceName);
  }
}
