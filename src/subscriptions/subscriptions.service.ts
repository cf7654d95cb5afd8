import { storage } from 'nestjs-pino/storage';
import { Injectable, Logger, Optional } from '@nestjs/common';
import {
  CheckpointsRepository,
  DomainError,
  LeasesRepository,
  RelaySupervisor,
  SubscriptionsRepository,
  type Subscription,
} from '@app/relay';
import { AppConfig } from '../config/app-config';
import { ClusterClock, timestampAt } from './cluster-clock';
import type { CreateSubscriptionInput } from './dto/create-subscription.input';
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
    private readonly clock: ClusterClock,
    private readonly config: AppConfig,
    @Optional() private readonly supervisor?: RelaySupervisor,
  ) {}

  async create(input: CreateSubscriptionInput): Promise<SubscriptionView> {
    const draft = draftFromCreateInput(input, this.config.serviceName);
    const now = new Date();
    this.assertValid(draft, now);
    // Read before the insert: every change written after the API answers is later than this.
    const startAtOperationTime =
      draft.startFrom.position === 'timestamp' && draft.startFrom.timestamp
        ? timestampAt(draft.startFrom.timestamp)
        : await this.clock.now();
    const subscription: Subscription = {
      ...definitionFromDraft(draft),
      startAtOperationTime,
      desiredState: 'active',
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

  async list(args: ListSubscriptionsArgs): Promise<SubscriptionView[]> {
    const found = await this.subscriptions.list({
      serviceName: args.service ?? undefined,
      state: args.state ?? undefined,
    });
    return found.map(toSubscriptionView);
  }

  async get(name: string): Promise<SubscriptionView> {
    return toSubscriptionView(await this.find(name));
  }

  /** A merge patch; the merged subscription must pass the same rules as a new one. */
  async update(name: string, patch: UpdateSubscriptionInput): Promise<SubscriptionView> {
    const updated = await this.mutate(name, (current) => {
      const draft = draftFromPatch(current, patch);
      this.assertValid(draft, new Date());
      const next = { ...current, ...definitionFromDraft(draft) };
      // Nothing changed: no new revision, so the worker keeps running undisturbed.
      return sameDefinition(current, next) ? null : next;
    });
    this.nudgeSupervisor();
    this.logger.log(`Subscription "${name}" updated (revision ${updated.revision})`);
    return toSubscriptionView(updated);
  }

  /** Stops the subscription's worker: the lease goes, so its owner stops and cannot checkpoint again. */
  async delete(name: string): Promise<void> {
    if (!(await this.subscriptions.delete(name))) {
      throw SubscriptionErrors.notFound(name);
    }
    await this.leases.delete(name);
    await this.checkpoints.delete(name);
    this.logger.log(`Subscription "${name}" deleted`);
    this.nudgeSupervisor();
  }

  /** Idempotent: pausing a paused subscription changes nothing. */
  async pause(name: string): Promise<SubscriptionView> {
    const paused = await this.mutate(name, (current) =>
      current.desiredState === 'paused' ? null : { ...current, desiredState: 'paused' },
    );
    this.nudgeSupervisor();
    return toSubscriptionView(paused);
  }

  /** Continues from the checkpoint. A stale subscription cannot resume without skipping events: reset it. */
  async resume(name: string): Promise<SubscriptionView> {
    const resumed = await this.mutate(name, (current) => {
      if (current.stale) {
        throw SubscriptionErrors.staleNeedsReset(name, current.stale.reason);
      }
      return current.desiredState === 'active' ? null : { ...current, desiredState: 'active' };
    });
    this.nudgeSupervisor();
    return toSubscriptionView(resumed);
  }

  /**
   * Starts again from now: a new start time, no checkpoint, no stale mark. The way out of
   * `stale`; the events between the last checkpoint and now are skipped, by the operator's choice.
   */
  async reset(name: string): Promise<SubscriptionView> {
    const startAtOperationTime = await this.clock.now();
    const reset = await this.mutate(name, (current) => {
      const { stale: _cleared, ...rest } = current;
      return { ...rest, startAtOperationTime };
    });
    // Workers ignore a checkpoint written before the start time moved (its generation); deleting
    // it keeps the collection tidy and the status honest.
    await this.checkpoints.delete(name);
    this.logger.warn(`Subscription "${name}" reset: it starts again from now`);
    this.nudgeSupervisor();
    return toSubscriptionView(reset);
  }

  private async find(name: string): Promise<Subscription> {
    const subscription = await this.subscriptions.findByName(name);
    if (!subscription) {
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
    change: (current: Subscription) => Subscription | null,
  ): Promise<Subscription> {
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await this.find(name);
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

  private assertValid(draft: SubscriptionDraft, now: Date): void {
    const details = subscriptionViolations(draft, now);
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
        this.logger.warn(
          `Reconcile after a change failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    });
  }
}
