import type { Provider } from '@nestjs/common';
import { MongooseModule, getConnectionToken } from '@nestjs/mongoose';
import { Test, type TestingModule } from '@nestjs/testing';
import { sharedBackendUri } from '@app/testing';
import type { Timestamp } from 'bson';
import type { MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import { CheckpointsRepository } from '../../src/checkpoints/checkpoints.repository';
import { DeadLettersRepository } from '../../src/dead-letters/dead-letters.repository';
import { HandlerRegistry } from '../../src/handlers/handler.registry';
import { InstancesRepository } from '../../src/instances/instances.repository';
import { LeasesRepository } from '../../src/leases/leases.repository';
import { MetricsRepository } from '../../src/metrics/metrics.repository';
import { ChangeRelayModule } from '../../src/module/change-relay.module';
import type { ChangeRelayOptions } from '../../src/module/change-relay.options';
import { RelaySupervisor } from '../../src/supervisor/relay.supervisor';
import { SubscriptionsRepository } from '../../src/subscriptions/subscriptions.repository';
import type { Subscription } from '../../src/subscriptions/subscription.types';
import { EVENT_LOG, EventLog, RecordingHandler } from './event-log';
import { buildSubscription } from './subscription.fixture';

/** Short leases and fast intervals, so failover and reactions happen within a test's time. */
export const FAST_RELAY_OPTIONS: Partial<ChangeRelayOptions> = {
  leaseTtlMs: 2_000,
  heartbeatIntervalMs: 300,
  reconcileIntervalMs: 1_000,
  maxAwaitTimeMs: 100,
  idleCheckpointIntervalMs: 200,
  checkpointIntervalMs: 50,
  restartBackoffMs: { initial: 50, max: 500 },
  shutdownTimeoutMs: 2_000,
  builtInHandlers: ['webhook', 'log'],
  metricsFlushIntervalMs: 100,
  // SHARED_STREAMS=true runs the relay specs (and e2e runtimes built here) with shared streams.
  sharedStreams: process.env.SHARED_STREAMS === 'true',
};

export interface RuntimeOptions {
  /** The metadata database (subscriptions, leases...). */
  metaDb: string;
  instanceId: string;
  log?: EventLog;
  uri?: string;
  relay?: Partial<ChangeRelayOptions>;
  /** Mongoose connection options, e.g. an appName to scope fail points. */
  connection?: Record<string, unknown>;
  providers?: Provider[];
  /** Runtime providers replaced by test doubles (e.g. a counting source factory). */
  overrides?: { provide: unknown; useValue: unknown }[];
}

/** One embedded runtime, booted like a microservice would: MongooseModule + ChangeRelayModule. */
export class RelayRuntime {
  private closed = false;

  private constructor(
    readonly moduleRef: TestingModule,
    readonly instanceId: string,
  ) {}

  static async start(options: RuntimeOptions): Promise<RelayRuntime> {
    const builder = Test.createTestingModule({
      imports: [
        MongooseModule.forRoot(options.uri ?? sharedBackendUri(), {
          dbName: options.metaDb,
          serverSelectionTimeoutMS: 5_000,
          ...options.connection,
        }),
        ChangeRelayModule.forRoot({
          instanceId: options.instanceId,
          serviceName: 'relay-test',
          // Test webhook receivers listen on 127.0.0.1, a private target refused by default.
          webhookTargets: { allowPrivate: true },
          ...FAST_RELAY_OPTIONS,
          ...options.relay,
        }),
      ],
      providers: [
        { provide: EVENT_LOG, useValue: options.log ?? new EventLog() },
        RecordingHandler,
        ...(options.providers ?? []),
      ],
    });
    for (const { provide, useValue } of options.overrides ?? []) {
      builder.overrideProvider(provide).useValue(useValue);
    }
    const moduleRef = await builder.compile();
    await moduleRef.init();
    return new RelayRuntime(moduleRef, options.instanceId);
  }

  get supervisor(): RelaySupervisor {
    return this.moduleRef.get(RelaySupervisor);
  }
  get subscriptions(): SubscriptionsRepository {
    return this.moduleRef.get(SubscriptionsRepository);
  }
  get checkpoints(): CheckpointsRepository {
    return this.moduleRef.get(CheckpointsRepository);
  }
  get leases(): LeasesRepository {
    return this.moduleRef.get(LeasesRepository);
  }
  get instances(): InstancesRepository {
    return this.moduleRef.get(InstancesRepository);
  }
  get deadLetters(): DeadLettersRepository {
    return this.moduleRef.get(DeadLettersRepository);
  }
  get metrics(): MetricsRepository {
    return this.moduleRef.get(MetricsRepository);
  }
  get registry(): HandlerRegistry {
    return this.moduleRef.get(HandlerRegistry);
  }
  get connection(): Connection {
    return this.moduleRef.get<Connection>(getConnectionToken());
  }

  /** Graceful shutdown, as `app.close()` does it. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.moduleRef.close();
    }
  }

  /** A crash: the supervisor halts, then the module closes without any further writes. */
  async crash(): Promise<void> {
    await this.supervisor.halt();
    await this.close();
  }
}

/** The cluster time now, as the admin API computes `startAtOperationTime` for position=now. */
export async function clusterTimeNow(client: MongoClient): Promise<Timestamp> {
  const reply = await client.db('admin').command({ ping: 1 });
  const time = (reply.operationTime ?? reply.$clusterTime?.clusterTime) as Timestamp | undefined;
  if (!time) {
    throw new Error('The server reported no cluster time');
  }
  return time;
}

/** Creates a subscription that starts now on `database` and hands events to the recorder. */
export async function createSubscription(
  runtime: RelayRuntime,
  client: MongoClient,
  overrides: Parameters<typeof buildSubscription>[0],
): Promise<Subscription> {
  const subscription = buildSubscription({
    handler: { type: 'provider', name: 'recorder' },
    startAtOperationTime: await clusterTimeNow(client),
    ...overrides,
  });
  return runtime.subscriptions.create(subscription);
}

/** The runtimes whose worker runs the subscription right now (no waiting: poll it with waitFor). */
export function ownerOf(name: string, runtimes: RelayRuntime[]): RelayRuntime[] {
  return runtimes.filter((r) => r.supervisor.runningWorkers().some((w) => w.subscription === name));
}
