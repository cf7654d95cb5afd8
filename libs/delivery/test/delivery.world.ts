import type { Scheduler } from 'fast-check';
import { HandlerTimeoutError, NonRetryableError } from '../src/delivery.errors';
import type { Checkpoint, DeliveryEvent, HandlerContext, SourceItem } from '../src/delivery.types';
import type { EngineOptions } from '../src/engine.options';

import type { Call, FailureKind, RunState, StreamItem } from './delivery.run-state';
import { emptyCoverage } from './delivery.run-state';

/**
 * The outside world of a property run: a change stream, a flaky handler, a flaky dead-letter
 * store and a flaky checkpoint store. It records what really happened (across crashes) and
 * checks every guarantee at the moment it could be broken, collecting violations (throwing
 * inside a callback would only look like a handler failure to the engine).
 */

export class DeliveryWorld {
  readonly violations: string[] = [];
  readonly coverage = emptyCoverage();
  readonly succeeded = new Map<number, number>();
  readonly deadLettered = new Set<number>();
  /** Token (stream index) of the last checkpoint the store accepted; -1 = none. */
  persisted = -1;
  private readonly appearances: number[];
  private readonly sinkCalls: number[];
  private checkpointWrites = 0;

  constructor(
    readonly stream: StreamItem[],
    readonly options: EngineOptions,
    private readonly checkpointFailures: boolean[],
    private readonly s: Scheduler,
    /** Timers may fire before pending promises (so healthy calls can time out too). */
    readonly eagerTimers: boolean,
  ) {
    this.appearances = stream.map(() => 0);
    this.sinkCalls = stream.map(() => 0);
  }

  violation(message: string): void {
    this.violations.push(message);
  }

  isSettled(index: number): boolean {
    return this.succeeded.has(index) || this.deadLettered.has(index);
  }

  get concurrency(): number {
    return this.options.ordering === 'strict' ? 1 : this.options.concurrency;
  }

  /** The change stream, resumed after the persisted checkpoint; may throw at `failAt`. */
  async *source(run: RunState, failAt: number | undefined): AsyncGenerator<SourceItem<number>> {
    for (let index = run.startIndex; index < this.stream.length; index++) {
      // Runs when the engine calls next(): it must not read while paused.
      if (run.paused && !run.closed) {
        this.violation(`run ${run.id}: source read while paused`);
      }
      await this.s.schedule(Promise.resolve(), 'source');
      if (failAt !== undefined && index - run.startIndex === failAt) {
        throw new Error('change stream error');
      }
      const item = this.stream[index];
      run.lastYielded = index;
      if (item.kind === 'idle') {
        yield { kind: 'idle', token: index };
        continue;
      }
      run.yieldedEvents++;
      if (!run.closed && run.yieldedEvents - run.settled.size > this.options.maxInFlight) {
        this.violation(
          `run ${run.id}: more than maxInFlight (${this.options.maxInFlight}) events admitted`,
        );
      }
      yield { kind: 'event', token: index, key: `k${item.plan.key}`, payload: index };
    }
  }

  async handle(run: RunState, events: DeliveryEvent<number>[], ctx: HandlerContext): Promise<void> {
    this.checkCallStart(run, events);
    this.coverage.calls++;
    this.coverage.batchedCalls += events.length > 1 ? 1 : 0;
    const call: Call = { keys: new Set(events.map((event) => event.key)) };
    run.active.add(call);
    const { signal } = ctx;
    // An aborted call no longer counts as running: the engine gave its slot away.
    signal.addEventListener('abort', () => {
      run.active.delete(call);
      this.coverage.timeouts += signal.reason instanceof HandlerTimeoutError ? 1 : 0;
    });
    const outcome = this.outcomeOf(events);
    try {
      if (outcome === 'hang') {
        await new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        );
      }
      await this.s.schedule(Promise.resolve(), 'handler');
      if (signal.aborted) {
        throw signal.reason;
      }
      if (outcome === 'poison') {
        throw new NonRetryableError('poison event');
      }
      if (outcome === 'fail') {
        throw new Error('transient failure');
      }
      events.forEach((event) => this.recordSuccess(run, event));
    } finally {
      run.active.delete(call);
    }
  }

  async deadLetter(run: RunState, event: DeliveryEvent<number>, attempts: number): Promise<void> {
    const index = event.payload;
    if (run.closed) {
      this.violation(`run ${run.id}: dead-letter write after stop`);
    }
    if (attempts < 1 || event.attempt !== attempts) {
      this.violation(
        `event ${index}: dead-lettered with attempts ${attempts}, event.attempt ${event.attempt}`,
      );
    }
    if (run.settled.has(index)) {
      this.violation(`event ${index}: dead-lettered after it was settled in run ${run.id}`);
    }
    await this.s.schedule(Promise.resolve(), 'dead-letter');
    const item = this.stream[index];
    if (item.kind !== 'event') {
      this.violation(`idle item ${index} reached the dead-letter store`);
      return;
    }
    if (this.sinkCalls[index]++ < item.plan.sinkFailures) {
      this.coverage.sinkFailures++;
      throw new Error('dead-letter store unavailable');
    }
    this.coverage.deadLetters++;
    // Stored, even if the engine crashed meanwhile: the store is outside the engine.
    this.deadLettered.add(index);
    run.settled.add(index);
    const { plan } = item;
    if (
      !this.eagerTimers &&
      !plan.poison &&
      plan.failures.length < this.options.retry.maxAttempts
    ) {
      this.violation(
        `event ${index}: dead-lettered with only ${plan.failures.length} planned failures`,
      );
    }
  }

  async checkpoint(run: RunState, checkpoint: Checkpoint): Promise<void> {
    const index = checkpoint.token as number;
    if (run.closed) {
      this.violation(`run ${run.id}: checkpoint write after stop`);
    }
    for (let i = 0; i <= index; i++) {
      if (this.stream[i].kind === 'event' && !this.isSettled(i)) {
        this.violation(`checkpoint at ${index} passes unsettled event ${i}`);
        break;
      }
    }
    // Strictly past the last accepted write; a failed write may be retried at the same place.
    if (checkpoint.seq < run.lastCheckpointSeq || index <= this.persisted) {
      this.violation(`checkpoint ${index} (seq ${checkpoint.seq}) does not move forward`);
    }
    if (checkpoint.seq !== index - run.startIndex + 1) {
      this.violation(`checkpoint seq ${checkpoint.seq} does not match token ${index}`);
    }
    run.lastCheckpointSeq = checkpoint.seq;
    await this.s.schedule(Promise.resolve(), 'checkpoint');
    if (this.checkpointFailures[this.checkpointWrites++]) {
      this.coverage.checkpointFailures++;
      throw new Error('checkpoint store unavailable');
    }
    if (run.crashed) {
      // Fencing: a crashed owner's late write is refused (the lease moved on).
      throw new Error('fenced: lease lost');
    }
    this.persisted = index;
  }

  private checkCallStart(run: RunState, events: DeliveryEvent<number>[]): void {
    const label = `run ${run.id}: call [${events.map((event) => event.payload).join(',')}]`;
    if (run.closed) {
      this.violation(`${label} started after stop`);
    }
    if (run.paused && !run.draining) {
      this.violation(`${label} started while paused`);
    }
    if (events.length === 0 || events.length > this.options.batchSize) {
      this.violation(`${label} has ${events.length} events, batchSize ${this.options.batchSize}`);
    }
    if (run.active.size >= this.concurrency) {
      this.violation(`${label} exceeds concurrency ${this.concurrency}`);
    }
    for (const event of events) {
      if (run.settled.has(event.payload)) {
        this.violation(`${label} redelivers event ${event.payload}, already settled in this run`);
      }
      if (event.payload < run.startIndex) {
        this.violation(`${label} redelivers event ${event.payload}, before the checkpoint`);
      }
    }
    const { ordering } = this.options;
    if (ordering === 'key') {
      for (const active of run.active) {
        const shared = events.find((event) => active.keys.has(event.key));
        if (shared !== undefined) {
          this.violation(`${label} runs key ${shared.key} while another call holds it`);
        }
      }
    }
    if (ordering !== 'none') {
      events.forEach((event, i) => {
        const earlier = events
          .slice(0, i)
          .find((other) => other.key === event.key || ordering === 'strict');
        if (earlier !== undefined && earlier.payload > event.payload) {
          this.violation(`${label} is out of stream order`);
        }
      });
    }
  }

  private outcomeOf(events: DeliveryEvent<number>[]): FailureKind | 'poison' | 'ok' {
    let outcome: FailureKind | 'poison' | 'ok' = 'ok';
    for (const event of events) {
      const item = this.stream[event.payload];
      if (item.kind !== 'event') {
        continue;
      }
      const n = this.appearances[event.payload]++;
      const own = item.plan.poison ? 'poison' : (item.plan.failures[n] ?? 'ok');
      if (
        own === 'poison' ||
        (own === 'hang' && outcome !== 'poison') ||
        (own === 'fail' && outcome === 'ok')
      ) {
        outcome = own;
      }
    }
    return outcome;
  }

  private recordSuccess(run: RunState, event: DeliveryEvent<number>): void {
    const index = event.payload;
    if (this.succeeded.has(index)) {
      this.coverage.redeliveredAfterCrash++;
    }
    this.succeeded.set(index, (this.succeeded.get(index) ?? 0) + 1);
    run.settled.add(index);
    const { ordering } = this.options;
    if (ordering === 'key') {
      const previous = run.lastSuccessByKey.get(event.key) ?? -1;
      if (index <= previous) {
        this.violation(`run ${run.id}: key ${event.key} delivered ${index} after ${previous}`);
      }
      run.lastSuccessByKey.set(event.key, index);
    }
    if (ordering === 'strict' && index <= run.lastSuccess) {
      this.violation(`run ${run.id}: delivered ${index} after ${run.lastSuccess} in strict mode`);
    }
    run.lastSuccess = Math.max(run.lastSuccess, index);
  }
}
