import type { Scheduler } from 'fast-check';
import { DeliveryEngine } from '../src/delivery.engine';
import type { DrainResult, SourceOutcome } from '../src/delivery.types';
import type { EngineOptions } from '../src/engine.options';
import { flushMicrotasks, ManualClock } from '../src/testing/manual.clock';
import type { StreamItem } from './delivery.run-state';
import { RunState } from './delivery.run-state';
import { DeliveryWorld } from './delivery.world';

/** How a run ends early: a crash after some steps, or a change-stream error then a drain. */
export type Fault =
  | { kind: 'crash'; afterSteps: number }
  | { kind: 'sourceError'; afterItems: number; graceMs: number };

export interface Scenario {
  options: EngineOptions;
  stream: StreamItem[];
  faults: Fault[];
  checkpointFailures: boolean[];
  pause: { atStep: number; forSteps: number } | null;
  eagerTimers: boolean;
  seed: number;
}

/** A run that takes more steps than this is considered stuck (a liveness failure). */
const MAX_STEPS = 5000;
const FINAL_GRACE_MS = 1_000_000;

/**
 * Runs the scenario: one engine per fault (crash, or source error then drain), each restarted
 * from the last persisted checkpoint, then a last engine that runs to the end of the stream
 * and drains. Returns the world with what happened and every violation seen.
 */
export async function runScenario(scenario: Scenario, s: Scheduler): Promise<DeliveryWorld> {
  const world = new DeliveryWorld(
    scenario.stream,
    scenario.options,
    scenario.checkpointFailures,
    s,
    scenario.eagerTimers,
  );
  const rng = lcg(scenario.seed);
  for (let runId = 0; runId <= scenario.faults.length; runId++) {
    const finished = await runOnce(world, scenario, s, rng, runId, scenario.faults[runId]);
    if (world.violations.length > 0 || finished) {
      break;
    }
  }
  if (world.violations.length === 0) {
    checkEnd(world);
  }
  return world;
}

/** Returns true when the run reached the end of the stream and drained. */
async function runOnce(
  world: DeliveryWorld,
  scenario: Scenario,
  s: Scheduler,
  rng: () => number,
  runId: number,
  fault: Fault | undefined,
): Promise<boolean> {
  const run = new RunState(runId, world.persisted + 1);
  const clock = new ManualClock();
  const failAt = fault?.kind === 'sourceError' ? fault.afterItems : undefined;
  const engine = new DeliveryEngine<number>({
    source: world.source(run, failAt),
    handler: (events, ctx) => world.handle(run, events, ctx),
    deadLetter: (event, _error, attempts) => world.deadLetter(run, event, attempts),
    onCheckpoint: (checkpoint) => world.checkpoint(run, checkpoint),
    options: scenario.options,
    clock,
    random: rng,
  });
  let sourceOutcome: SourceOutcome | undefined;
  let drainResult: DrainResult | undefined;
  let draining = false;
  void engine.sourceDone.then((outcome) => (sourceOutcome = outcome));
  engine.start();
  for (let step = 0; ; step++) {
    await flushMicrotasks();
    checkStep(world, engine, run);
    if (world.violations.length > 0) {
      engine.stop();
      return true;
    }
    if (drainResult !== undefined) {
      run.closed = true;
      checkNothingScheduled(world, run, clock, 'drain');
      checkDrain(world, run, drainResult);
      return sourceOutcome?.status === 'ended';
    }
    if (step >= MAX_STEPS) {
      world.violation(
        `run ${runId}: no end after ${MAX_STEPS} steps: ${JSON.stringify(engine.stats())}`,
      );
      continue;
    }
    if (fault?.kind === 'crash' && step >= fault.afterSteps && !draining) {
      engine.stop();
      run.closed = true;
      run.crashed = true;
      world.coverage.crashes++;
      checkNothingScheduled(world, run, clock, 'stop()');
      return false;
    }
    if (scenario.pause && step === scenario.pause.atStep && !draining) {
      run.paused = true;
      world.coverage.pausedRuns++;
      engine.pause();
    } else if (
      run.paused &&
      step >= (scenario.pause?.atStep ?? 0) + (scenario.pause?.forSteps ?? 0)
    ) {
      run.paused = false;
      engine.resume();
      continue;
    }
    if (
      !draining &&
      sourceOutcome !== undefined &&
      (sourceOutcome.status === 'failed' || engine.stats().inFlight === 0)
    ) {
      draining = run.draining = true;
      const graceMs =
        sourceOutcome.status === 'failed' && fault?.kind === 'sourceError'
          ? fault.graceMs
          : FINAL_GRACE_MS;
      void engine.drain(graceMs).then((result) => (drainResult = result));
      continue;
    }
    const timersFirst = scenario.eagerTimers && clock.pendingTimers > 0 && rng() < 0.3;
    if (s.count() > 0 && !timersFirst) {
      await s.waitNext(1);
    } else if (clock.pendingTimers > 0) {
      clock.fireNext();
    } else if (run.paused) {
      run.paused = false;
      engine.resume();
    } else {
      world.violation(
        `run ${runId}: stuck with nothing pending: ${JSON.stringify(engine.stats())}`,
      );
    }
  }
}

function checkStep(world: DeliveryWorld, engine: DeliveryEngine<number>, run: RunState): void {
  const stats = engine.stats();
  const { maxInFlight, batchWaitMs } = world.options;
  if (stats.inFlight > maxInFlight) {
    world.violation(`run ${run.id}: ${stats.inFlight} in flight, maxInFlight ${maxInFlight}`);
  }
  if (stats.activeCalls > world.concurrency) {
    world.violation(
      `run ${run.id}: ${stats.activeCalls} calls running, concurrency ${world.concurrency}`,
    );
  }
  // Work conservation: a free slot and a ready event never coexist, so a stuck key cannot
  // hold up other keys (no head-of-line blocking).
  if (
    stats.state === 'running' &&
    !stats.paused &&
    batchWaitMs === 0 &&
    stats.activeCalls < world.concurrency &&
    stats.ready > 0
  ) {
    world.violation(
      `run ${run.id}: ${stats.ready} events ready but only ${stats.activeCalls} calls running`,
    );
  }
}

/** A finished engine must leave no timer behind (it would fire into an abandoned engine). */
function checkNothingScheduled(
  world: DeliveryWorld,
  run: RunState,
  clock: ManualClock,
  after: string,
): void {
  if (clock.pendingTimers > 0) {
    world.violation(`run ${run.id}: ${clock.pendingTimers} timers still pending after ${after}`);
  }
}

function checkDrain(world: DeliveryWorld, run: RunState, result: DrainResult): void {
  world.coverage.abandonedDrains += result.drained ? 0 : 1;
  if (result.drained && result.checkpointError === undefined && run.lastYielded >= run.startIndex) {
    if (world.persisted !== run.lastYielded) {
      world.violation(
        `run ${run.id}: drained but the final checkpoint is ${world.persisted}, not ${run.lastYielded}`,
      );
    }
  }
}

function checkEnd(world: DeliveryWorld): void {
  world.stream.forEach((item, index) => {
    if (item.kind === 'event' && !world.isSettled(index)) {
      world.violation(`event ${index} was neither delivered nor dead-lettered`);
    }
  });
  if (world.stream.length > 0 && world.persisted !== world.stream.length - 1) {
    world.violation(
      `final checkpoint ${world.persisted}, stream ends at ${world.stream.length - 1}`,
    );
  }
}

/** A small seeded generator, so jitter and timer interleavings replay with the seed. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
