import { Injectable } from '@nestjs/common';
import {
  DomainError,
  INSPECT_COMMAND,
  LeasesRepository,
  OwnerCommandsClient,
  SubscriptionsRepository,
} from '@app/relay';
import { canAccessService, type Principal } from '../auth/principal';
import type { LiveWorkerView } from './dto/live-worker.model';
import { SubscriptionErrors } from './subscriptions.errors';

/** How long the API waits for the owner to answer. */
const ANSWER_WITHIN_MS = 5_000;

interface EngineFigures {
  state?: string;
  inFlight?: number;
  ready?: number;
  activeCalls?: number;
  lastSeq?: number;
  lastCheckpoint?: { seq?: number } | null;
}

/**
 * GET /subscriptions/:name/live: asks the subscription's owner, through the command channel,
 * for the live figures of its delivery engine.
 */
@Injectable()
export class LiveWorkerService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly leases: LeasesRepository,
    private readonly commands: OwnerCommandsClient,
  ) {}

  async live(name: string, caller: Principal): Promise<LiveWorkerView> {
    const subscription = await this.subscriptions.findByName(name);
    if (!subscription || !canAccessService(caller, subscription.serviceName)) {
      throw SubscriptionErrors.notFound(name);
    }
    const lease = await this.leases.find(name);
    if (!lease || lease.expiresAt.getTime() <= Date.now()) {
      throw SubscriptionErrors.notRunning(
        name,
        subscription.stale
          ? 'stale'
          : subscription.desiredState === 'paused'
            ? 'paused'
            : 'unassigned',
      );
    }
    const sent = await this.commands.send(name, INSPECT_COMMAND);
    const answer = await this.commands.awaitOutcome(sent.id, ANSWER_WITHIN_MS);
    if (answer?.state !== 'done' || !answer.result) {
      await this.commands.cancel(sent.id);
      throw new DomainError(
        'UNAVAILABLE',
        answer?.state === 'failed'
          ? `The owner of "${name}" could not answer: ${answer.error?.message ?? 'unknown error'}`
          : `The owner of "${name}" (${lease.owner}) did not answer within ${ANSWER_WITHIN_MS} ms`,
      );
    }
    const engine = answer.result.engine as EngineFigures | null | undefined;
    return {
      name,
      owner: String(answer.result.owner),
      leaseToken: Number(answer.result.leaseToken),
      engineState: engine?.state ?? 'restarting',
      inFlight: engine?.inFlight ?? 0,
      queued: engine?.ready ?? 0,
      activeCalls: engine?.activeCalls ?? 0,
      lastSeq: engine?.lastSeq ?? 0,
      checkpointSeq: engine?.lastCheckpoint?.seq,
      answeredAt: answer.finishedAt ?? new Date(),
    };
  }
}
