import type { BudgetShare } from '../src/buffer.budget';
import { DeliveryEngine } from '../src/delivery.engine';
import type {
  Checkpoint,
  DeadLetterSink,
  DeliveryEvent,
  EngineHooks,
  Handler,
  HandlerContext,
} from '../src/delivery.types';
import type { EngineOptionsInput } from '../src/engine.options';
import { flushMicrotasks, ManualClock } from '../src/testing/manual.clock';
import { PushableSource } from '../src/testing/pushable.source';

export interface HandlerCall<T> {
  events: DeliveryEvent<T>[];
  ctx: HandlerContext;
  resolve(): void;
  reject(error: unknown): void;
}

/** A handler whose calls stay pending until the test resolves or rejects them. */
export function deferredHandler<T>(): { handler: Handler<T>; calls: HandlerCall<T>[] } {
  const calls: HandlerCall<T>[] = [];
  const handler: Handler<T> = (events, ctx) =>
    new Promise<void>((resolve, reject) => calls.push({ events, ctx, resolve, reject }));
  return { handler, calls };
}

export interface FixtureConfig<T> {
  options?: EngineOptionsInput;
  handler?: Handler<T>;
  deadLetter?: DeadLetterSink<T>;
  onCheckpoint?: (checkpoint: Checkpoint) => Promise<void>;
  hooks?: EngineHooks<T>;
  random?: () => number;
  budget?: BudgetShare;
  weigh?: (payload: T) => number;
}

/**
 * An engine on a manual clock and a hand-fed source. By default the handler records what it
 * got, the dead-letter sink and checkpoint sink record what they stored.
 */
export function engineFixture<T = string>(config: FixtureConfig<T> = {}) {
  const clock = new ManualClock();
  const source = new PushableSource<T>();
  const delivered: DeliveryEvent<T>[] = [];
  const deadLetters: { event: DeliveryEvent<T>; error: unknown; attempts: number }[] = [];
  const checkpoints: Checkpoint[] = [];
  const engine = new DeliveryEngine<T>({
    source,
    clock,
    random: config.random ?? (() => 0.5),
    handler:
      config.handler ??
      (async (events) => {
        delivered.push(...events);
      }),
    deadLetter:
      config.deadLetter ??
      (async (event, error, attempts) => {
        deadLetters.push({ event, error, attempts });
      }),
    onCheckpoint:
      config.onCheckpoint ??
      (async (checkpoint) => {
        checkpoints.push(checkpoint);
      }),
    hooks: config.hooks,
    budget: config.budget,
    weigh: config.weigh,
    options: { checkpointEvery: 1000, checkpointIntervalMs: 100, timeoutMs: 0, ...config.options },
  });
  return { engine, clock, source, delivered, deadLetters, checkpoints, flush: flushMicrotasks };
}

/** Payloads of a list of events, for compact assertions. */
export function payloads<T>(events: readonly DeliveryEvent<T>[]): T[] {
  return events.map((event) => event.payload);
}
