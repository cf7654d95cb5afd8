import { BufferBudget } from '@app/delivery';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import { CheckpointsRepository } from '../checkpoints/checkpoints.repository';
import { CommandsRepository } from '../commands/commands.repository';
import { OwnerCommandRegistry } from '../commands/owner-command.registry';
import { DeadLettersRepository } from '../dead-letters/dead-letters.repository';
import { HandlerRegistry } from '../handlers/handler.registry';
import type { AnyEventHandler } from '../handlers/handler.types';
import { JournalWriter } from '../journal/journal.writer';
import { LeasesRepository } from '../leases/leases.repository';
import type { Lease } from '../leases/lease.types';
import { MetricsRecorder } from '../metrics/metrics.recorder';
import {
  CHANGE_RELAY_OPTIONS,
  type ResolvedChangeRelayOptions,
} from '../module/change-relay.options';
import { WorkerSourceFactory } from '../source/worker-source.factory';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { Subscription } from '../subscriptions/subscription.types';
import { SubscriptionWorker } from './subscription-worker';

/**
 * Builds workers with their dependencies. Change streams use the host's mongoose connection's
 * MongoClient, so the runtime adds no second connection pool.
 */
@Injectable()
export class SubscriptionWorkerFactory {
  private readonly logger = new Logger('SubscriptionWorker');

  constructor(
    @Inject(CHANGE_RELAY_OPTIONS) private readonly options: ResolvedChangeRelayOptions,
    @InjectConnection() private readonly connection: Connection,
    private readonly checkpoints: CheckpointsRepository,
    private readonly leases: LeasesRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly deadLetters: DeadLettersRepository,
    private readonly registry: HandlerRegistry,
    private readonly sources: WorkerSourceFactory,
    private readonly metrics: MetricsRecorder,
    private readonly journal: JournalWriter,
    private readonly commands: CommandsRepository,
    private readonly commandHandlers: OwnerCommandRegistry,
    private readonly budget: BufferBudget,
  ) {}

  create(subscription: Subscription, lease: Lease, handler: AnyEventHandler): SubscriptionWorker {
    return new SubscriptionWorker({
      subscription,
      lease,
      handler,
      handlerIsBuiltIn: this.registry.isBuiltIn(handler),
      getClient: () => this.client(),
      sources: this.sources,
      checkpoints: this.checkpoints,
      leases: this.leases,
      subscriptions: this.subscriptions,
      deadLetters: this.deadLetters,
      metrics: this.metrics,
      journal: this.journal,
      commands: this.commands,
      commandHandlers: this.commandHandlers,
      budget: this.budget,
      options: this.options,
      logger: this.logger,
    });
  }

  private async client(): Promise<MongoClient> {
    await this.connection.asPromise();
    return this.connection.getClient();
  }
}
