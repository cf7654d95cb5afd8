/** Types of a property scenario and the state of one engine run inside it. */

export type FailureKind = 'fail' | 'hang';

export interface EventPlan {
  key: number;
  /** Always throws NonRetryableError. */
  poison: boolean;
  /** Outcome of this event's n-th handler appearance; then it succeeds. */
  failures: FailureKind[];
  /** The dead-letter store rejects this event's first n writes. */
  sinkFailures: number;
}

export type StreamItem = { kind: 'event'; plan: EventPlan } | { kind: 'idle' };

export interface Call {
  keys: Set<string>;
}

/** One engine's life (between a start and a crash, a drain or the end). */
export class RunState {
  closed = false;
  crashed = false;
  paused = false;
  draining = false;
  yieldedEvents = 0;
  lastYielded = -1;
  lastCheckpointSeq = 0;
  readonly settled = new Set<number>();
  readonly active = new Set<Call>();
  readonly lastSuccessByKey = new Map<string, number>();
  lastSuccess = -1;

  constructor(
    readonly id: number,
    /** Stream index this run resumes at (the one after the persisted checkpoint). */
    readonly startIndex: number,
  ) {}
}

/** What a scenario exercised, so the suite can prove its generators reach the hard cases. */
export interface Coverage {
  calls: number;
  batchedCalls: number;
  timeouts: number;
  deadLetters: number;
  sinkFailures: number;
  checkpointFailures: number;
  crashes: number;
  redeliveredAfterCrash: number;
  abandonedDrains: number;
  pausedRuns: number;
}

export function emptyCoverage(): Coverage {
  return {
    calls: 0,
    batchedCalls: 0,
    timeouts: 0,
    deadLetters: 0,
    sinkFailures: 0,
    checkpointFailures: 0,
    crashes: 0,
    redeliveredAfterCrash: 0,
    abandonedDrains: 0,
    pausedRuns: 0,
  };
}
