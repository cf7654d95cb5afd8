import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import type { Timestamp } from 'mongodb';
import {
  ChangeHandler,
  CheckpointsRepository,
  ChangeRelayModule,
  RelaySupervisor,
  SubscriptionsRepository,
  type ChangeEventEnvelope,
  type ChangeRelayOptions,
  type EventHandler,
  type HandlerSpec,
  type Subscription,
} from '../../src';
import { buildSubscription } from '../../test/support/subscription.fixture';

export const NOOP_HANDLER = 'bench-noop';

interface Expectation {
  count: number;
  seen: number;
  firstAt: number;
  latencies?: number[];
  resolve(timing: { firstToLastMs: number; latencies: number[] }): void;
}

/** Counts what the no-op handler received, per subscription, and resolves waiters. */
export class DeliveryTally {
  private readonly expectations = new Map<string, Expectation>();
  private readonly counts = new Map<string, number>();

  /** A live count of what `subscription` received from now on. */
  counter(subscription: string): () => number {
    this.counts.set(subscription, 0);
    return () => this.counts.get(subscription) ?? 0;
  }

  expect(
    subscription: string,
    count: number,
    options: { latencies?: boolean } = {},
  ): Promise<{ firstToLastMs: number; latencies: number[] }> {
    return new Promise((resolve) =>
      this.expectations.set(subscription, {
        count,
        seen: 0,
        firstAt: 0,
        ...(options.latencies ? { latencies: [] } : {}),
        resolve,
      }),
    );
  }

  hit(event: ChangeEventEnvelope): void {
    const count = this.counts.get(event.subscription);
    if (count !== undefined) {
      this.counts.set(event.subscription, count + 1);
    }
    const expectation = this.expectations.get(event.subscription);
    if (!expectation) {
      return;
    }
    const now = performance.now();
    if (expectation.seen === 0) {
      expectation.firstAt = now;
    }
    expectation.seen += 1;
    if (expectation.latencies) {
      const sentAt = (event.fullDocument as { sentAt?: unknown } | undefined)?.sentAt;
      if (typeof sentAt === 'number') {
        expectation.latencies.push(Date.now() - sentAt);
      }
    }
    if (expectation.seen === expectation.count) {
      this.expectations.delete(event.subscription);
      expectation.resolve({
        firstToLastMs: now - expectation.firstAt,
        latencies: expectation.latencies ?? [],
      });
    }
  }
}

export const tally = new DeliveryTally();

@Injectable()
@ChangeHandler(NOOP_HANDLER)
class NoopHandler implements EventHandler {
  handle(event: ChangeEventEnvelope): Promise<void> {
    tally.hit(event);
    return Promise.resolve();
  }
}

/**
 * Change Relay as a service embeds it: MongooseModule + ChangeRelayModule (supervisor, leases,
 * workers with their delivery engines, checkpoints, metrics recorder), booted with Nest.
 * Checkpoint writes are counted by wrapping the repository's `save` (one call, one write), not
 * by command monitoring: a monitored connection decodes every reply a second time for its
 * events, which would charge the relay a cost the raw loop does not pay.
 */
export class RelayHarness {
  private checkpointWrites = 0;

  private constructor(private readonly app: INestApplicationContext) {
    const checkpoints = app.get(CheckpointsRepository);
    const save = checkpoints.save.bind(checkpoints);
    checkpoints.save = (...args) => {
      this.checkpointWrites += 1;
      return save(...args);
    };
  }

  static async start(
    uri: string,
    metaDb: string,
    relay: Partial<ChangeRelayOptions> = {},
  ): Promise<RelayHarness> {
    @Module({
      imports: [
        MongooseModule.forRoot(uri, { dbName: metaDb }),
        ChangeRelayModule.forRoot({
          instanceId: 'bench-e2e',
          serviceName: 'bench',
          builtInHandlers: ['webhook'],
          webhookTargets: { allowPrivate: true },
          reconcileIntervalMs: 1_000,
          ...relay,
        }),
      ],
      providers: [NoopHandler],
    })
    class BenchModule {}
    const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
    await app.init();
    return new RelayHarness(app);
  }

  get<T>(token: abstract new (...args: never[]) => T): T {
    return this.app.get(token);
  }

  runningWorkers(): number {
    return this.app.get(RelaySupervisor).runningWorkers().length;
  }

  get writesOfCheckpoints(): number {
    return this.checkpointWrites;
  }

  /** Creates a subscription; its worker starts on this instance (the only one). */
  async subscribe(
    name: string,
    database: string,
    startAtOperationTime: Timestamp,
    options: {
      handler?: HandlerSpec;
      delivery?: Partial<Subscription['delivery']>;
      collections?: string[];
    },
  ): Promise<void> {
    await this.app.get(SubscriptionsRepository).create(
      buildSubscription({
        name,
        serviceName: 'bench',
        handler: options.handler ?? { type: 'provider', name: NOOP_HANDLER },
        source: { database, collections: options.collections ?? [] },
        startAtOperationTime,
        delivery: options.delivery,
      }),
    );
  }

  /** Deletes the subscription and waits until its worker has stopped. */
  async unsubscribe(name: string): Promise<void> {
    await this.app.get(SubscriptionsRepository).delete(name);
    const supervisor = this.app.get(RelaySupervisor);
    const deadline = Date.now() + 30_000;
    while (supervisor.runningWorkers().some((worker) => worker.subscription === name)) {
      if (Date.now() > deadline) {
        throw new Error(`The worker of ${name} did not stop`);
      }
      await supervisor.reconcileNow();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
