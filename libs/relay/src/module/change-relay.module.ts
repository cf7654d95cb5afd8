import { BufferBudget } from '@app/delivery';
import {
  DynamicModule,
  Module,
  type FactoryProvider,
  type ModuleMetadata,
  type Provider,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { CheckpointsRepository } from '../checkpoints/checkpoints.repository';
import { CommandsRepository } from '../commands/commands.repository';
import { OwnerCommandRegistry } from '../commands/owner-command.registry';
import { OwnerCommandsClient } from '../commands/owner-commands.client';
import { DeadLetterReplayCommand } from '../dead-letters/dead-letter-replay.command';
import { DeadLettersRepository } from '../dead-letters/dead-letters.repository';
import { HandlerRegistry } from '../handlers/handler.registry';
import { LogHandler } from '../handlers/log.handler';
import { WebhookHandler } from '../handlers/webhook/webhook.handler';
import { WebhookTargetPolicy } from '../handlers/webhook/webhook-target.policy';
import { InstancesRepository } from '../instances/instances.repository';
import { JournalAnalyticsRepository } from '../journal/journal-analytics.repository';
import { JournalRepository } from '../journal/journal.repository';
import { JournalWriter } from '../journal/journal.writer';
import { LeasesRepository } from '../leases/leases.repository';
import { LiveTailPublisher } from '../metrics/live-tail.publisher';
import { LiveTailRepository } from '../metrics/live-tail.repository';
import { MetricsRecorder } from '../metrics/metrics.recorder';
import { MetricsRepository } from '../metrics/metrics.repository';
import { RelayPrometheus } from '../metrics/relay-prometheus';
import { WorkerSourceFactory } from '../source/worker-source.factory';
import { SecretCipher } from '../secrets/secret-cipher';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import { RelaySupervisor } from '../supervisor/relay.supervisor';
import { SubscriptionWorkerFactory } from '../worker/subscription-worker.factory';
import {
  CHANGE_RELAY_OPTIONS,
  resolveChangeRelayOptions,
  type ChangeRelayOptions,
  type ResolvedChangeRelayOptions,
} from './change-relay.options';
import { MetadataWatchRepository } from './metadata-watch.repository';
import { RELAY_MODEL_DEFINITIONS } from './relay-models';

export interface ChangeRelayAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  /** Called with the `inject` tokens' values, in order. */
  useFactory: (...args: never[]) => ChangeRelayOptions | Promise<ChangeRelayOptions>;
}

const REPOSITORIES = [
  SubscriptionsRepository,
  CheckpointsRepository,
  LeasesRepository,
  InstancesRepository,
  DeadLettersRepository,
  MetricsRepository,
  CommandsRepository,
  LiveTailRepository,
  JournalRepository,
  JournalAnalyticsRepository,
];

/** The webhook target policy and the cipher of secrets at rest, from the options. */
const SECURITY_PROVIDERS: Provider[] = [
  {
    provide: WebhookTargetPolicy,
    inject: [CHANGE_RELAY_OPTIONS],
    useFactory: (options: ResolvedChangeRelayOptions) =>
      new WebhookTargetPolicy(options.webhookTargets),
  },
  {
    provide: SecretCipher,
    inject: [CHANGE_RELAY_OPTIONS],
    // Null without keys: WebhookHandler then refuses sealed secrets with a clear reason.
    useFactory: (options: ResolvedChangeRelayOptions) =>
      options.secretKeys.length > 0 ? new SecretCipher(options.secretKeys) : null,
  },
];

/**
 * The embeddable worker runtime. Import it once (it is global) in a Nest application that has
 * a default MongooseModule connection to the metadata database. It discovers `@ChangeHandler`
 * providers, heartbeats into `instances` and runs the subscriptions whose handler it has.
 */
@Module({})
export class ChangeRelayModule {
  static forRoot(options: ChangeRelayOptions): DynamicModule {
    return ChangeRelayModule.build([], {
      provide: CHANGE_RELAY_OPTIONS,
      useValue: resolveChangeRelayOptions(options),
    });
  }

  static forRootAsync(options: ChangeRelayAsyncOptions): DynamicModule {
    return ChangeRelayModule.build(options.imports ?? [], {
      provide: CHANGE_RELAY_OPTIONS,
      inject: options.inject ?? [],
      useFactory: async (...args: never[]) =>
        resolveChangeRelayOptions(await options.useFactory(...args)),
    });
  }

  private static build(
    imports: NonNullable<ModuleMetadata['imports']>,
    optionsProvider: Provider,
  ): DynamicModule {
    return {
      module: ChangeRelayModule,
      global: true,
      imports: [...imports, DiscoveryModule, MongooseModule.forFeature(RELAY_MODEL_DEFINITIONS)],
      providers: [
        optionsProvider,
        ...REPOSITORIES,
        MetadataWatchRepository,
        {
          // One budget for the buffered events of every worker of the process.
          provide: BufferBudget,
          inject: [CHANGE_RELAY_OPTIONS],
          useFactory: (options: ResolvedChangeRelayOptions) =>
            new BufferBudget({
              maxEvents: options.maxBufferedEvents,
              maxBytes: options.maxBufferedBytes,
            }),
        },
        HandlerRegistry,
        WebhookHandler,
        LogHandler,
        WorkerSourceFactory,
        MetricsRecorder,
        LiveTailPublisher,
        JournalWriter,
        RelayPrometheus,
        OwnerCommandRegistry,
        OwnerCommandsClient,
        DeadLetterReplayCommand,
        SubscriptionWorkerFactory,
        RelaySupervisor,
        ...SECURITY_PROVIDERS,
      ],
      exports: [
        CHANGE_RELAY_OPTIONS,
        ...REPOSITORIES,
        HandlerRegistry,
        OwnerCommandRegistry,
        OwnerCommandsClient,
        BufferBudget,
        MetricsRecorder,
        JournalWriter,
        RelayPrometheus,
        RelaySupervisor,
        WebhookTargetPolicy,
        SecretCipher,
      ],
    };
  }
}
