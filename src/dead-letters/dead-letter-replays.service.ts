import { Injectable } from '@nestjs/common';
import {
  DeadLettersRepository,
  LeasesRepository,
  OwnerCommandsClient,
  REPLAY_DEAD_LETTERS_COMMAND,
  SubscriptionsRepository,
  type OwnerCommand,
  type ReplayDeadLettersArgs,
  type ReplayProgress,
} from '@app/relay';
import { canAccessService, type Principal } from '../auth/principal';
import type { ReplayJobView } from './dto/dead-letter.model';
import type { ReplayDeadLettersInput } from './dto/replay-dead-letters.input';
import { DeadLetterErrors } from './dead-letters.errors';
import { DeadLettersService } from './dead-letters.service';
import { toDeadLetterView } from './dead-letter.view';

/** Entries a dry run lists. */
const DRY_RUN_SHOWN = 100;

/**
 * Replay jobs: the API checks the request and enqueues a command; the subscription's owner runs
 * it inside its engine (libs/relay DeadLetterReplayCommand) and reports progress.
 */
@Injectable()
export class DeadLetterReplaysService {
  constructor(
    private readonly deadLetters: DeadLettersRepository,
    private readonly entries: DeadLettersService,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly leases: LeasesRepository,
    private readonly commands: OwnerCommandsClient,
  ) {}

  /** POST /dead-letters/:id/replay: a job of one entry. */
  async replayOne(id: string, caller: Principal): Promise<ReplayJobView> {
    const entry = await this.entries.find(id, caller);
    if (entry.status !== 'pending') {
      throw DeadLetterErrors.notPending(id, entry.status);
    }
    if (entry.truncated) {
      throw DeadLetterErrors.truncated(
        id,
        entry.truncated.droppedFields,
        entry.truncated.eventBytes,
      );
    }
    return this.replay({ subscription: entry.subscription, ids: [id] }, caller);
  }

  async replay(input: ReplayDeadLettersInput, caller: Principal): Promise<ReplayJobView> {
    if (input.ids && input.filter) {
      throw DeadLetterErrors.idsAndFilter();
    }
    const subscription = await this.subscriptions.findByName(input.subscription);
    if (!subscription || !canAccessService(caller, subscription.serviceName)) {
      throw DeadLetterErrors.subscriptionMissing(input.subscription);
    }
    if (subscription.stale) {
      throw DeadLetterErrors.subscriptionStale(input.subscription, subscription.stale.reason);
    }
    const args: ReplayDeadLettersArgs = {
      ...(input.ids ? { ids: input.ids } : {}),
      ...(input.filter
        ? {
            filter: {
              ...(input.filter.errorName !== undefined
                ? { errorName: input.filter.errorName }
                : {}),
              ...(input.filter.httpStatus !== undefined
                ? { httpStatus: input.filter.httpStatus }
                : {}),
              ...(input.filter.key !== undefined ? { key: input.filter.key } : {}),
              ...(input.filter.from ? { from: input.filter.from.toISOString() } : {}),
              ...(input.filter.to ? { to: input.filter.to.toISOString() } : {}),
            },
          }
        : {}),
      ...(input.limit !== undefined ? { limit: input.limit } : {}),
    };
    if (input.dryRun) {
      return this.dryRun(input.subscription, args);
    }
    const sent = await this.commands.send(input.subscription, REPLAY_DEAD_LETTERS_COMMAND, {
      ...args,
      service: subscription.serviceName,
    });
    return this.describe(sent);
  }

  async job(jobId: string, caller: Principal): Promise<ReplayJobView> {
    return this.describe(await this.findJob(jobId, caller));
  }

  async cancel(jobId: string, caller: Principal): Promise<ReplayJobView> {
    const job = await this.findJob(jobId, caller);
    if (!(await this.commands.cancel(jobId))) {
      throw DeadLetterErrors.jobFinished(jobId, job.state);
    }
    return this.describe((await this.commands.find(jobId)) ?? job);
  }

  private async findJob(jobId: string, caller: Principal): Promise<OwnerCommand> {
    const job = await this.commands.find(jobId);
    if (
      !job ||
      job.type !== REPLAY_DEAD_LETTERS_COMMAND ||
      !canAccessService(caller, String(job.args.service))
    ) {
      throw DeadLetterErrors.jobNotFound(jobId);
    }
    return job;
  }

  private async dryRun(subscription: string, args: ReplayDeadLettersArgs): Promise<ReplayJobView> {
    const filter = {
      subscription,
      ...(args.ids ? { ids: args.ids } : {}),
      ...args.filter,
      from: args.filter?.from ? new Date(args.filter.from) : undefined,
      to: args.filter?.to ? new Date(args.filter.to) : undefined,
    };
    const limit = args.limit ?? Number.POSITIVE_INFINITY;
    const [count, shown] = await Promise.all([
      this.deadLetters.count({ ...filter, status: 'pending' }),
      this.deadLetters.pendingInStreamOrder(filter, undefined, Math.min(limit, DRY_RUN_SHOWN)),
    ]);
    return {
      subscription,
      dryRun: true,
      total: Math.min(count, limit),
      succeeded: 0,
      failed: 0,
      skipped: 0,
      wouldReplay: shown.map(toDeadLetterView),
    };
  }

  private async describe(job: OwnerCommand): Promise<ReplayJobView> {
    const figures = (job.result ?? job.progress ?? {}) as Partial<ReplayProgress>;
    const view: ReplayJobView = {
      id: job.id,
      subscription: job.subscription,
      dryRun: false,
      state: job.state === 'pending' ? 'waiting' : job.state,
      total: figures.total ?? 0,
      succeeded: figures.succeeded ?? 0,
      failed: figures.failed ?? 0,
      skipped: figures.skipped ?? 0,
      ...(job.startedAt ? { startedAt: job.startedAt } : {}),
      ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
      ...(job.error ? { error: job.error.message } : {}),
    };
    if (job.state === 'pending') {
      view.waitingFor = await this.waitingFor(job.subscription);
    }
    return view;
  }

  /** Why a job has not started: its subscription is paused, or no live instance owns it. */
  private async waitingFor(name: string): Promise<string> {
    const [subscription, lease] = await Promise.all([
      this.subscriptions.findByName(name),
      this.leases.find(name),
    ]);
    if (!subscription) {
      return 'deleted';
    }
    if (subscription.stale) {
      return 'stale';
    }
    if (subscription.desiredState === 'paused') {
      return 'paused';
    }
    if (!lease || lease.expiresAt.getTime() <= Date.now()) {
      return 'unowned';
    }
    return 'queued';
  }
}
