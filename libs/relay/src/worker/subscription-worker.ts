import {
  DeliveryEngine,
  type BufferBudget,
  type Checkpoint as EngineCheckpoint,
  type DrainResult,
  type SubmitOutcome,
} from '@app/delivery';
import type { Logger } from '@nestjs/common';
import type { MongoClient } from 'mongodb';
import type { CheckpointsRepository } from '../checkpoints/checkpoints.repository';
import { CommandRunner } from '../commands/command-runner';
import type { CommandsRepository } from '../commands/commands.repository';
import type { OwnerCommandRegistry } from '../commands/owner-command.registry';
import { checkpointBelongsTo, type StreamPosition } from '../checkpoints/checkpoint.types';
import type { DeadLettersRepository } from '../dead-letters/dead-letters.repository';
import type { AnyEventHandler } from '../handlers/handler.types';
import type { JournalWriter } from '../journal/journal.writer';
import type { LeasesRepository } from '../leases/leases.repository';
import type { Lease } from '../leases/lease.types';
import type { MetricsRecorder } from '../metrics/metrics.recorder';
import type { ResolvedChangeRelayOptions } from '../module/change-relay.options';
import type { RawChangeEvent } from '../source/change-event.mapper';
import { classifyStreamError } from '../source/change-stream.errors';
import { eventWeight } from '../source/event-weight';
import type { WorkerSource } from '../source/worker-source';
import type { WorkerSourceFactory } from '../source/worker-source.factory';
import type { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { Subscription } from '../subscriptions/subscription.types';
import { combineHooks } from './combine-hooks';
import { deadLetterSinkFor, engineHandlerFor, engineOptionsFor } from './delivery-adapters';
import { LeaseKeeper, LeaseLostError } from './lease-keeper';
import { InterruptibleSleep } from './interruptible-sleep';
import { WorkerStatusTracker } from './worker-status.tracker';

export interface SubscriptionWorkerDeps {
  subscription: Subscription;
  /** Freshly acquired by the supervisor. */
  lease: Lease;
  handler: AnyEventHandler;
  /** Built-in handlers see the whole subscription; others a view without secrets. */
  handlerIsBuiltIn: boolean;
  getClient: () => Promise<MongoClient>;
  sources: WorkerSourceFactory;
  checkpoints: CheckpointsRepository;
  leases: LeasesRepository;
  subscriptions: SubscriptionsRepository;
  deadLetters: DeadLettersRepository;
  metrics: MetricsRecorder;
  /** Journals handled events of subscriptions with `journal.enabled` (off the delivery path). */
  journal: JournalWriter;
  commands: CommandsRepository;
  commandHandlers: OwnerCommandRegistry;
  /** The process-wide budget of buffered events; each engine life takes a share. */
  budget: BufferBudget;
  options: ResolvedChangeRelayOptions;
  logger: Logger;
}

export type WorkerExitReason = 'stopped' | 'lease-lost' | 'stale' | 'halted';

export interface WorkerExit {
  reason: WorkerExitReason;
  detail?: string;
}

/** A run of the source that ended, and the last checkpoint it got accepted (if any). */
interface RunResult {
  error?: unknown;
  position: StreamPosition | null;
}

/**
 * Runs one subscription while this instance holds its lease: a position (the claimed
 * checkpoint, or the subscription's start), a source built from it, and a delivery engine.
 * Source failures drain what was admitted and restart from the last checkpoint with backoff;
 * fatal ones (history lost...) mark the subscription stale. A lost lease, or a checkpoint
 * write refused because a newer owner claimed the checkpoint, stops it at once.
 */
export class SubscriptionWorker {
  readonly name: string;
  private readonly status: WorkerStatusTracker;
  private readonly keeper: LeaseKeeper;
  private readonly commandRunner: CommandRunner;
  private engine: DeliveryEngine<RawChangeEvent> | undefined;
  private source: WorkerSource | undefined;
  private drainRequest: Promise<DrainResult> | undefined;
  private stopMode: 'graceful' | 'abort' | 'halt' | 'lease-lost' | undefined;
  private leaseLostReason: string | undefined;
  private readonly pause = new InterruptibleSleep();
  private running: Promise<WorkerExit> | undefined;

  constructor(private readonly deps: SubscriptionWorkerDeps) {
    this.name = deps.subscription.name;
    this.status = new WorkerStatusTracker(this.name, deps.logger, deps.lease.status);
    this.keeper = new LeaseKeeper({
      lease: deps.lease,
      leases: deps.leases,
      ttlMs: deps.options.leaseTtlMs,
      logger: deps.logger,
      onLost: (reason) => this.leaseLost(reason),
    });
    this.commandRunner = new CommandRunner({
      subscription: this.name,
      owner: deps.lease.owner,
      leaseToken: deps.lease.token,
      commands: deps.commands,
      registry: deps.commandHandlers,
      engineStats: () => {
        const stats = this.engine?.stats();
        return stats && { ...stats };
      },
      submit: (key, payload, id) => this.submit(key, payload, id),
      logger: deps.logger,
    });
  }

  /**
   * Submits an event into the running engine. Between two stream runs (backoff, restart) it
   * waits for the next engine; an engine that drained under it cancels the submission, which
   * is then made again to its successor. `cancelled` once the worker stops.
   */
  private async submit(
    key: string,
    payload: Record<string, unknown>,
    id: string,
  ): Promise<SubmitOutcome> {
    for (;;) {
      if (this.stopMode) {
        return { status: 'cancelled' };
      }
      const engine = this.engine;
      if (engine && engine.stats().state === 'running') {
        const outcome = await engine.submit({ key, payload: payload as RawChangeEvent, id });
        if (outcome.status !== 'cancelled' || this.stopMode) {
          return outcome;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A command for this subscription arrived: run it (in order, inside this worker). */
  commandsWaiting(): void {
    this.commandRunner.wake();
  }

  get subscription(): Subscription {
    return this.deps.subscription;
  }

  get leaseToken(): number {
    return this.deps.lease.token;
  }

  /** Resolves when the worker has exited, for whatever reason. */
  get done(): Promise<WorkerExit> {
    return this.running ?? Promise.resolve({ reason: 'stopped' });
  }

  start(): void {
    this.running ??= this.run();
  }

  /**
   * Graceful: stop reading, finish admitted events, write the final checkpoint and the metrics,
   * release the lease. Abort (subscription deleted): stop at once, release the lease.
   */
  async stop(mode: 'graceful' | 'abort'): Promise<WorkerExit> {
    if (!this.stopMode) {
      this.stopMode = mode;
      if (mode === 'graceful') {
        this.drainRequest = this.engine?.drain(this.deps.options.shutdownTimeoutMs);
      } else {
        this.engine?.stop();
      }
      void this.source?.close();
      this.pause.wake();
    }
    return this.done;
  }

  /** As a crash would: nothing more is written, the lease is left to expire. */
  halt(): void {
    this.stopMode = 'halt';
    this.abandon();
  }

  private leaseLost(reason: string): void {
    if (this.stopMode === 'halt' || this.stopMode === 'lease-lost') {
      return;
    }
    this.deps.logger.warn(`Subscription "${this.name}": ${reason}; stopping its worker`);
    this.leaseLostReason = reason;
    this.stopMode = 'lease-lost';
    this.abandon();
  }

  /** Stops everything at once: no renewal, no drain, no further reads or deliveries. */
  private abandon(): void {
    this.keeper.stop();
    this.engine?.stop();
    void this.source?.close();
    this.pause.wake();
  }

  private async run(): Promise<WorkerExit> {
    const { checkpoints, subscription, options, logger } = this.deps;
    this.keeper.start();
    let exit: WorkerExit = { reason: 'stopped' };
    try {
      const claim = await checkpoints.claim(this.name, this.leaseToken);
      if (!claim.claimed) {
        this.leaseLost('a newer lease owner claimed the checkpoint');
      } else {
        this.commandRunner.start();
      }
      let position: StreamPosition =
        claim.checkpoint && checkpointBelongsTo(claim.checkpoint, subscription)
          ? claim.checkpoint.position
          : initialPosition(subscription);
      let failures = 0;
      while (!this.stopMode) {
        const startedAt = Date.now();
        const result = await this.runSource(position);
        if (result.position) {
          position = result.position;
        }
        if (this.stopMode || result.error === undefined) {
          break;
        }
        const fatal = classifyStreamError(result.error);
        if (fatal) {
          exit = await this.markStale(fatal.reason, fatal.code);
          break;
        }
        failures =
          result.position || Date.now() - startedAt > options.restartBackoffMs.max
            ? 1
            : failures + 1;
        await this.backoff(failures, result.error);
      }
    } catch (error) {
      // A repository call failed outside a source run (claim, markStale): give the lease up so
      // this or another instance retries on its next reconcile.
      logger.error(`Subscription "${this.name}" worker failed: ${(error as Error).message}`);
      this.status.recordError(error);
    } finally {
      this.keeper.stop();
      await this.commandRunner.stop();
      exit = await this.finish(exit);
    }
    return exit;
  }

  /** One life of the source and its engine. */
  private async runSource(position: StreamPosition): Promise<RunResult> {
    const { subscription, handler, options, handlerIsBuiltIn } = this.deps;
    let client: MongoClient;
    try {
      client = await this.deps.getClient();
    } catch (error) {
      this.status.recordError(error);
      return { error, position: null };
    }
    const share = this.deps.budget.join();
    const source = (this.source = this.deps.sources.create({
      client,
      subscription,
      position,
      maxAwaitTimeMs: options.maxAwaitTimeMs,
      // What the driver buffers ahead of the engine stays within this worker's share too.
      batchSize: Math.max(
        1,
        Math.min(
          options.maxInFlight,
          Math.floor(options.maxBufferedEvents / this.deps.budget.usage().members),
        ),
      ),
      idleIntervalMs: options.idleCheckpointIntervalMs,
    }));
    const engine = new DeliveryEngine<RawChangeEvent>({
      source: Object.assign(() => source.next(), { ready: source.ready }),
      handler: engineHandlerFor(subscription, handler, handlerIsBuiltIn),
      deadLetter: deadLetterSinkFor(subscription, this.deps.deadLetters, this.deps.logger),
      onCheckpoint: (checkpoint) => this.saveCheckpoint(source, checkpoint),
      hooks: combineHooks<RawChangeEvent>(
        this.status.hooks(),
        this.deps.metrics.hooksFor(subscription.name, subscription.serviceName, () =>
          this.engine?.stats(),
        ),
        this.deps.journal.hooksFor(subscription) ?? {},
      ),
      options: engineOptionsFor(subscription, handler, options),
      // The engine leaves its share when it is stopped or drained.
      budget: share,
      // The journal takes each event's size from its `received` hook (one walk per event).
      weigh: eventWeight,
    });
    this.engine = engine;
    if (this.stopMode) {
      engine.stop(); // gives its budget share back
      await source.close();
      return { position: null };
    }
    source.open();
    engine.start();
    this.setState('running');

    const outcome = await engine.sourceDone;
    if (outcome.status === 'stopped') {
      // stop(), halt() or a lost lease closed the engine; a graceful stop drains it.
      const drained = this.drainRequest ? await this.drainRequest : undefined;
      await source.close();
      const last = drained?.checkpoint ?? engine.stats().lastCheckpoint;
      return { position: last ? source.positionOf(last.token) : null };
    }
    const error =
      outcome.status === 'failed' ? outcome.error : new Error('The change stream ended');
    this.deps.logger.warn(
      `Subscription "${this.name}": change stream failed: ${(error as Error).message}`,
    );
    this.status.recordError(error);
    // Deliver what was admitted and checkpoint it before the source is opened again.
    const drained = await engine.drain(options.shutdownTimeoutMs);
    await source.close();
    return {
      error,
      position: drained.checkpoint ? source.positionOf(drained.checkpoint.token) : null,
    };
  }

  /**
   * One conditional write. Refused means a newer owner claimed the checkpoint: stop delivering
   * now (abandon the engine), not at the next lease renewal.
   */
  private async saveCheckpoint(source: WorkerSource, checkpoint: EngineCheckpoint): Promise<void> {
    const { subscription } = this.deps;
    const saved = await this.deps.checkpoints.save(
      this.name,
      source.positionOf(checkpoint.token),
      subscription.epoch,
      this.leaseToken,
    );
    if (!saved) {
      this.leaseLost('a checkpoint write was refused (another instance owns the subscription)');
      throw new LeaseLostError('checkpoint write refused');
    }
  }

  /**
   * Fenced: only while this worker's lease is current, and only if the subscription is still at
   * the epoch this worker runs (an operator's reset meanwhile is never overwritten).
   */
  private async markStale(reason: string, code: number | undefined): Promise<WorkerExit> {
    const { checkpoints, leases, subscriptions, subscription, logger } = this.deps;
    if (!(await leases.holds(this.name, this.leaseToken))) {
      this.leaseLost('the lease moved before the subscription could be marked stale');
      return { reason: 'lease-lost', detail: reason };
    }
    const checkpoint = await checkpoints.find(this.name);
    const marked = await subscriptions.markStale(
      this.name,
      {
        reason,
        ...(code !== undefined ? { code } : {}),
        at: new Date(),
        ...(checkpoint ? { lastCheckpointAt: checkpoint.updatedAt } : {}),
      },
      subscription.epoch,
    );
    if (!marked) {
      logger.warn(
        `Subscription "${this.name}": ${reason}, but it was reset (or deleted) meanwhile; not marking it stale`,
      );
      return { reason: 'stopped', detail: 'superseded by a reset' };
    }
    logger.error(`Subscription "${this.name}" is stale: ${reason}`);
    return { reason: 'stale', detail: reason };
  }

  private async backoff(failures: number, error: unknown): Promise<void> {
    const { initial, max } = this.deps.options.restartBackoffMs;
    const delayMs = Math.min(max, initial * 2 ** (failures - 1));
    this.deps.logger.warn(
      `Subscription "${this.name}": restarting its change stream in ${delayMs} ms (${(error as Error).message})`,
    );
    this.setState('backoff');
    if (!this.stopMode) {
      await this.pause.sleep(delayMs);
    }
  }

  private setState(state: 'running' | 'backoff'): void {
    this.status.setState(state);
    this.deps.leases
      .setStatus(this.name, this.leaseToken, this.status.snapshot())
      .catch(() => undefined);
  }

  /**
   * Flushes this subscription's metrics (before the lease goes, so the next owner's counts add
   * to complete ones) and releases the lease, unless it was lost or the worker was halted.
   */
  private async finish(exit: WorkerExit): Promise<WorkerExit> {
    this.deps.metrics.detach(this.name);
    this.deps.journal.detach(this.name);
    if (this.stopMode === 'halt') {
      return { reason: 'halted' };
    }
    await this.deps.metrics.flush(this.name);
    if (this.stopMode === 'lease-lost') {
      return { reason: 'lease-lost', detail: this.leaseLostReason };
    }
    this.status.setState('stopped');
    const { leases, lease } = this.deps;
    await leases
      .release(this.name, lease.owner, lease.token, this.status.snapshot())
      .catch((error: Error) => {
        this.deps.logger.warn(`Releasing the lease of "${this.name}" failed: ${error.message}`);
      });
    return exit;
  }
}

/** Where a subscription starts without a checkpoint of its epoch: a snapshot first, or the stream. */
function initialPosition(subscription: Subscription): StreamPosition {
  if (subscription.snapshotFirst) {
    return {
      kind: 'snapshot',
      clusterTime: subscription.startAtOperationTime,
      copied: 0,
      startedAt: new Date(),
    };
  }
  return { kind: 'time', clusterTime: subscription.startAtOperationTime };
}
