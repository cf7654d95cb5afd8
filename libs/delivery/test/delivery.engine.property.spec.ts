import fc from 'fast-check';
import type { EngineOptions, Ordering } from '../src/engine.options';
import type { Fault, Scenario } from './delivery.driver';
import { runScenario } from './delivery.driver';
import type { Coverage, EventPlan, FailureKind, StreamItem } from './delivery.run-state';
import { emptyCoverage } from './delivery.run-state';

/**
 * Property-based tests of the delivery guarantees (DESIGN.md section 4) over random streams,
 * keys, handler failures (transient, hanging past the timeout, poison), dead-letter and
 * checkpoint store outages, pauses, change-stream errors and crashes (stop, then restart from
 * the last persisted checkpoint), with promise interleavings chosen by fc.scheduler().
 *
 * Checked while running (see DeliveryWorld and the driver): in-flight never exceeds
 * maxInFlight; calls never exceed concurrency; a key is never in two calls at once; first
 * successes per key (globally in strict mode) follow stream order within a run; nothing is
 * redelivered within a run once settled, nor after a restart unless after the checkpoint; a
 * checkpoint never passes an unsettled event; a free slot never idles while an event is ready;
 * nothing is dead-lettered that had fewer planned failures than maxAttempts. At the end:
 * every event was delivered or dead-lettered and the checkpoint reached the end of the stream.
 */

const failureKind = fc.constantFrom<FailureKind>('fail', 'fail', 'hang');

const eventPlan: fc.Arbitrary<EventPlan> = fc.record({
  key: fc.integer({ min: 0, max: 3 }),
  poison: fc.oneof(
    { weight: 9, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  failures: fc.oneof(
    { weight: 3, arbitrary: fc.constant<FailureKind[]>([]) },
    { weight: 2, arbitrary: fc.array(failureKind, { minLength: 1, maxLength: 4 }) },
  ),
  sinkFailures: fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) },
  ),
});

const streamItem: fc.Arbitrary<StreamItem> = fc.oneof(
  { weight: 5, arbitrary: eventPlan.map((plan) => ({ kind: 'event' as const, plan })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'idle' as const }) },
);

function engineOptions(ordering: Ordering): fc.Arbitrary<EngineOptions> {
  return fc.record({
    ordering: fc.constant(ordering),
    concurrency: fc.integer({ min: 1, max: 3 }),
    maxInFlight: fc.integer({ min: 1, max: 6 }),
    batchSize: fc.integer({ min: 1, max: 3 }),
    batchWaitMs: fc.constantFrom(0, 0, 5),
    timeoutMs: fc.constant(100),
    retry: fc
      .record({
        maxAttempts: fc.integer({ min: 1, max: 3 }),
        initialDelayMs: fc.integer({ min: 1, max: 20 }),
        extraMaxMs: fc.integer({ min: 0, max: 50 }),
        multiplier: fc.integer({ min: 1, max: 3 }),
        jitter: fc.constantFrom<'full' | 'none'>('full', 'none'),
      })
      .map(({ extraMaxMs, ...retry }) => ({
        ...retry,
        maxDelayMs: retry.initialDelayMs + extraMaxMs,
      })),
    checkpointIntervalMs: fc.integer({ min: 10, max: 50 }),
    checkpointEvery: fc.integer({ min: 1, max: 4 }),
  });
}

const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant('crash' as const), afterSteps: fc.nat(80) }),
  fc.record({
    kind: fc.constant('sourceError' as const),
    afterItems: fc.nat(20),
    graceMs: fc.constantFrom(0, 20, 1000),
  }),
);

function scenario(ordering: Ordering, faults: fc.Arbitrary<Fault[]>): fc.Arbitrary<Scenario> {
  return fc.record({
    options: engineOptions(ordering),
    stream: fc.array(streamItem, { maxLength: 40, size: 'medium' }),
    faults,
    checkpointFailures: fc.array(fc.boolean(), { maxLength: 6 }),
    pause: fc.option(fc.record({ atStep: fc.nat(60), forSteps: fc.integer({ min: 1, max: 30 }) }), {
      nil: null,
    }),
    eagerTimers: fc.boolean(),
    seed: fc.integer(),
  });
}

async function assertGuarantees(
  arbitrary: fc.Arbitrary<Scenario>,
  numRuns: number,
): Promise<Coverage> {
  const total = emptyCoverage();
  await fc.assert(
    fc.asyncProperty(arbitrary, fc.scheduler(), async (input, s) => {
      const world = await runScenario(input, s);
      expect(world.violations).toEqual([]);
      for (const [name, count] of Object.entries(world.coverage)) {
        total[name as keyof Coverage] += count;
      }
    }),
    { numRuns: numRuns * RUN_SCALE },
  );
  if (process.env.DELIVERY_COVERAGE) {
    console.log(total);
  }
  return total;
}

/** DELIVERY_PROPERTY_SCALE=20 multiplies the runs, for a soak before a release. */
const RUN_SCALE = Number(process.env.DELIVERY_PROPERTY_SCALE ?? 1);

/** The coverage counters among `names` that stayed at zero. */
function unexercised(coverage: Coverage, ...names: (keyof Coverage)[]): string[] {
  return names.filter((name) => coverage[name] === 0);
}

describe('delivery engine guarantees (property-based)', () => {
  const noFaults = fc.constant<Fault[]>([]);
  const someFaults = fc.array(fault, { minLength: 1, maxLength: 2 });

  // The coverage checks prove the generators reach the hard cases, so a pass means something.
  it.each<Ordering>(['strict', 'key', 'none'])(
    'hold in %s mode without crashes',
    async (ordering) => {
      const coverage = await assertGuarantees(scenario(ordering, noFaults), 200);
      expect(
        unexercised(
          coverage,
          'batchedCalls',
          'timeouts',
          'deadLetters',
          'sinkFailures',
          'checkpointFailures',
          'pausedRuns',
        ),
      ).toEqual([]);
    },
  );

  it.each<Ordering>(['strict', 'key', 'none'])(
    'hold in %s mode across crashes and stream errors',
    async (ordering) => {
      const coverage = await assertGuarantees(scenario(ordering, someFaults), 250);
      expect(
        unexercised(coverage, 'crashes', 'redeliveredAfterCrash', 'abandonedDrains', 'deadLetters'),
      ).toEqual([]);
    },
  );
});
