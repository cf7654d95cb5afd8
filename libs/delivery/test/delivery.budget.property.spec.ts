import fc from 'fast-check';
import { BufferBudget } from '../src/buffer.budget';
import { DeliveryEngine } from '../src/delivery.engine';
import { NonRetryableError } from '../src/delivery.errors';
import type { DeliveryEvent, SubmitOutcome } from '../src/delivery.types';
import type { Ordering } from '../src/engine.options';
import { flushMicrotasks, ManualClock } from '../src/testing/manual.clock';
import { PushableSource } from '../src/testing/pushable.source';

/**
 * Many engines on one BufferBudget (DESIGN.md section 8), with random handler latencies,
 * transient and poison failures, late joins, engines that finish (and leave) early, crashes,
 * and submitted events (dead-letter replays) mixed into the lanes. Checked at every step: the
 * engines together never hold more than `maxEvents` (and the budget's count is theirs), bytes
 * stay within one event per member of `maxBytes`, no engine passes its own `maxInFlight`, a key
 * is never in two calls of one engine at once (submitted events included). At the end: every
 * event of an engine that was not crashed is delivered or dead-lettered, every submission
 * resolved as planned, and the whole budget is back.
 */

const SCALE = Number(process.env.DELIVERY_PROPERTY_SCALE ?? 1);
const MAX_STEPS = 20_000;
const MAX_WEIGHT = 30;
const MAX_ATTEMPTS = 3;

interface EventPlan {
  key: number;
  weight: number;
  latency: number;
  /** Failed attempts before it succeeds. */
  failures: number;
  poison: boolean;
}

interface EnginePlan {
  ordering: Ordering;
  maxInFlight: number;
  concurrency: number;
  batchSize: number;
  joinAtStep: number;
  crashAtStep: number | null;
  events: EventPlan[];
  submits: { atStep: number; event: EventPlan }[];
}

interface Payload {
  id: string;
  plan: EventPlan;
}

interface Coverage {
  budgetFullSteps: number;
  lateJoins: number;
  leavesWhileFull: number;
  crashes: number;
  submitted: number;
  submitFailed: number;
}

const eventPlan: fc.Arbitrary<EventPlan> = fc.record({
  key: fc.nat(3),
  weight: fc.nat(MAX_WEIGHT),
  latency: fc.integer({ min: 1, max: 40 }),
  failures: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 3 })),
  poison: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, fc.constant(true)),
});

const enginePlan: fc.Arbitrary<EnginePlan> = fc.record({
  ordering: fc.constantFrom<Ordering>('key', 'key', 'strict', 'none'),
  maxInFlight: fc.integer({ min: 1, max: 8 }),
  concurrency: fc.integer({ min: 1, max: 4 }),
  batchSize: fc.integer({ min: 1, max: 3 }),
  joinAtStep: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.nat(60)),
  crashAtStep: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, fc.nat(120)),
  events: fc.array(eventPlan, { maxLength: 15 }),
  submits: fc.array(fc.record({ atStep: fc.nat(80), event: eventPlan }), { maxLength: 2 }),
});

const scenario = fc.record({
  maxEvents: fc.integer({ min: 1, max: 60 }),
  maxBytes: fc.integer({ min: 1, max: 400 }),
  engines: fc.array(enginePlan, { minLength: 5, maxLength: 50 }),
});

class EngineRun {
  readonly source = new PushableSource<Payload>();
  readonly settled = new Set<string>();
  readonly activeKeys = new Map<string, number>();
  readonly outcomes = new Map<string, SubmitOutcome>();
  readonly appearances = new Map<string, number>();
  engine: DeliveryEngine<Payload> | undefined;
  finished = false;
  crashed = false;
  draining = false;
  sourceEnded = false;

  constructor(
    readonly index: number,
    readonly plan: EnginePlan,
  ) {}
}

async function runScenario(
  maxEvents: number,
  maxBytes: number,
  plans: EnginePlan[],
  coverage: Coverage,
): Promise<string[]> {
  const violations: string[] = [];
  const clock = new ManualClock();
  const budget = new BufferBudget({ maxEvents, maxBytes });
  const runs = plans.map((plan, index) => new EngineRun(index, plan));

  const handle = (run: EngineRun, events: DeliveryEvent<Payload>[]): Promise<void> => {
    const keys = run.plan.ordering === 'none' ? [] : events.map((event) => event.key);
    if (run.plan.ordering === 'strict') {
      keys.splice(0, keys.length, '*');
    }
    for (const key of new Set(keys)) {
      if ((run.activeKeys.get(key) ?? 0) > 0 && !run.crashed) {
        violations.push(`engine ${run.index}: key ${key} in two calls at once`);
      }
      run.activeKeys.set(key, (run.activeKeys.get(key) ?? 0) + 1);
    }
    let failure: Error | undefined;
    let latency = 0;
    for (const { payload } of events) {
      const seen = run.appearances.get(payload.id) ?? 0;
      run.appearances.set(payload.id, seen + 1);
      latency = Math.max(latency, payload.plan.latency);
      if (payload.plan.poison) {
        failure = new NonRetryableError('poison');
      } else if (seen < payload.plan.failures) {
        failure ??= new Error('transient');
      }
    }
    return new Promise((resolve, reject) =>
      clock.setTimeout(() => {
        for (const key of new Set(keys)) {
          run.activeKeys.set(key, (run.activeKeys.get(key) ?? 1) - 1);
        }
        if (failure !== undefined) {
          reject(failure);
          return;
        }
        events.forEach((event) => {
          if (event.submitted === undefined) {
            run.settled.add(event.payload.id);
          }
        });
        resolve();
      }, latency),
    );
  };

  const startEngine = (run: EngineRun): void => {
    const { plan } = run;
    run.engine = new DeliveryEngine<Payload>({
      source: run.source,
      handler: (events) => handle(run, events),
      deadLetter: async (event) => {
        run.settled.add(event.payload.id);
      },
      onCheckpoint: async () => undefined,
      clock,
      random: () => 0.5,
      budget: budget.join(),
      weigh: (payload) => payload.plan.weight,
      options: {
        ordering: plan.ordering,
        maxInFlight: plan.maxInFlight,
        concurrency: plan.concurrency,
        batchSize: plan.batchSize,
        timeoutMs: 0,
        retry: { maxAttempts: MAX_ATTEMPTS, initialDelayMs: 5, maxDelayMs: 20 },
      },
    });
    plan.events.forEach((event, i) =>
      run.source.event(`k${event.key}`, { id: `e${run.index}.${i}`, plan: event }),
    );
    run.source.end();
    void run.engine.sourceDone.then(() => (run.sourceEnded = true));
    run.engine.start();
  };

  const check = (): void => {
    const usage = budget.usage();
    let held = 0;
    let heldBytes = 0;
    for (const run of runs) {
      if (run.engine === undefined || run.finished || run.crashed) {
        continue;
      }
      const stats = run.engine.stats();
      held += stats.inFlight;
      heldBytes += stats.bufferedBytes;
      if (stats.inFlight > run.plan.maxInFlight) {
        violations.push(
          `engine ${run.index}: ${stats.inFlight} in flight > ${run.plan.maxInFlight}`,
        );
      }
    }
    if (usage.events > maxEvents) {
      violations.push(`budget holds ${usage.events} events > maxEvents ${maxEvents}`);
    }
    if (usage.events !== held || usage.bytes !== heldBytes) {
      violations.push(
        `budget counts ${usage.events}/${usage.bytes}, engines hold ${held}/${heldBytes}`,
      );
    }
    if (usage.bytes > maxBytes + MAX_WEIGHT * Math.max(1, usage.members)) {
      violations.push(`budget holds ${usage.bytes} bytes, maxBytes ${maxBytes}`);
    }
    coverage.budgetFullSteps += usage.events === maxEvents ? 1 : 0;
  };

  for (let step = 0; violations.length === 0; step++) {
    await flushMicrotasks();
    check();
    if (step >= MAX_STEPS) {
      violations.push(`no end after ${MAX_STEPS} steps`);
      break;
    }
    let acted = false;
    for (const run of runs) {
      if (run.engine === undefined && step >= run.plan.joinAtStep) {
        coverage.lateJoins += step > 0 ? 1 : 0;
        startEngine(run);
        acted = true;
      }
      const { engine } = run;
      if (engine === undefined || run.finished) {
        continue;
      }
      for (const [j, { atStep, event }] of run.plan.submits.entries()) {
        if (atStep === step && !run.draining) {
          const id = `s${run.index}.${j}`;
          run.outcomes.set(id, { status: 'cancelled' });
          coverage.submitted++;
          void engine
            .submit({ key: `k${event.key}`, payload: { id, plan: event }, id })
            .then((outcome) => run.outcomes.set(id, outcome));
        }
      }
      if (run.plan.crashAtStep === step && !run.draining) {
        const full = budget.usage().events === maxEvents;
        engine.stop();
        run.crashed = run.finished = true;
        coverage.crashes++;
        coverage.leavesWhileFull += full ? 1 : 0;
        acted = true;
        continue;
      }
      const stats = engine.stats();
      const submitsDue = run.plan.submits.some(({ atStep }) => atStep > step);
      if (
        !run.draining &&
        !submitsDue &&
        run.sourceEnded &&
        stats.inFlight === 0 &&
        stats.submitWaiting === 0
      ) {
        run.draining = true;
        const full = budget.usage().events === maxEvents;
        coverage.leavesWhileFull += full ? 1 : 0;
        void engine.drain(1_000_000).then(() => (run.finished = true));
        acted = true;
      }
    }
    if (runs.every((run) => run.finished)) {
      break;
    }
    if (acted) {
      continue;
    }
    if (clock.pendingTimers > 0) {
      clock.fireNext();
      continue;
    }
    // Nothing scheduled: only a later step (a join, a submission) or a drain finishing can help.
    const later = runs.some(
      (run) =>
        run.engine === undefined ||
        (run.draining && !run.finished) ||
        run.plan.submits.some(({ atStep }) => atStep > step),
    );
    if (!later) {
      violations.push(
        `stuck with nothing pending: ${JSON.stringify(runs.map((run) => run.engine?.stats()))}`,
      );
    }
  }
  if (violations.length > 0) {
    return violations;
  }
  for (const run of runs) {
    if (!run.crashed) {
      run.plan.events.forEach((_event, i) => {
        if (!run.settled.has(`e${run.index}.${i}`)) {
          violations.push(`engine ${run.index}: event ${i} neither delivered nor dead-lettered`);
        }
      });
      for (const [id, outcome] of run.outcomes) {
        const plan = run.plan.submits[Number(id.split('.')[1])];
        const shouldFail =
          plan !== undefined && (plan.event.poison || plan.event.failures >= MAX_ATTEMPTS);
        const expected = shouldFail ? 'failed' : 'delivered';
        coverage.submitFailed += outcome.status === 'failed' ? 1 : 0;
        if (outcome.status !== expected) {
          violations.push(
            `engine ${run.index}: submission ${id} ${outcome.status}, expected ${expected}`,
          );
        }
      }
    }
  }
  const usage = budget.usage();
  if (usage.events !== 0 || usage.bytes !== 0 || usage.members !== 0) {
    violations.push(`budget not returned: ${JSON.stringify(usage)}`);
  }
  return violations;
}

describe(`${BufferBudget.name} shared by many engines (property)`, () => {
  it('keeps the engines within the budget and their own maxInFlight, delivers everything, and gets the budget back', async () => {
    const coverage: Coverage = {
      budgetFullSteps: 0,
      lateJoins: 0,
      leavesWhileFull: 0,
      crashes: 0,
      submitted: 0,
      submitFailed: 0,
    };
    await fc.assert(
      fc.asyncProperty(scenario, async ({ maxEvents, maxBytes, engines }) => {
        const violations = await runScenario(maxEvents, maxBytes, engines, coverage);
        expect(violations).toEqual([]);
      }),
      { numRuns: Math.round(100 * SCALE), endOnFailure: true },
    );
    // The generators reach the hard cases: a full budget, late joins, leaves while full.
    expect(Object.entries(coverage).filter(([, count]) => count === 0)).toEqual([]);
  });
});
