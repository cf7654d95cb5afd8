import type { Timestamp } from 'bson';
import type { Checkpoint, OplogWindowReading, Subscription } from '@app/relay';
import {
  evaluateOplogMargin,
  type HealthStatus,
  type HealthThresholds,
} from '../analytics/health.rules';

/** One subscription's distance to the end of the oplog. */
export interface OplogMargin {
  /** Its position's cluster time minus the oplog's first entry time (negative: history lost). */
  marginMs: number;
  /** The margin as a share (%) of the oplog window. */
  marginPct: number;
  windowMs: number;
  /** Whether the oplog is full (entries roll off); the rules fire only then. */
  rolling: boolean;
  /**
   * Margin lost per second of wall time, over the last samples (1: losing a second a second);
   * negative when it grows; absent until two samples exist.
   */
  shrinkRate?: number;
  /** At that rate, when history is lost (absent when the margin is not shrinking). */
  timeToLossMs?: number;
  status: HealthStatus;
  reason: string;
}

/**
 * Where a subscription's stream stands: its checkpoint of the current epoch (a snapshot in
 * progress stands at the time its stream will start from), or its start time.
 */
export function positionTime(
  subscription: Subscription,
  checkpoint: Checkpoint | null | undefined,
): Timestamp | undefined {
  const current = checkpoint && checkpoint.epoch === subscription.epoch ? checkpoint : null;
  return current ? current.position.clusterTime : subscription.startAtOperationTime;
}

interface Sample {
  at: number;
  marginMs: number;
}

/** Samples older than this do not count towards the shrink rate. */
const RATE_WINDOW_MS = 60_000;
/** A sample closer than this to the previous one is not kept (it still gets a rate). */
const MIN_SAMPLE_GAP_MS = 500;

/** The margins seen lately per subscription, for the rate at which each shrinks. */
export class MarginTrends {
  private readonly samples = new Map<string, Sample[]>();

  /** Records a margin and returns the shrink rate over the rate window (undefined: too few). */
  record(name: string, marginMs: number, at = Date.now()): number | undefined {
    const kept = (this.samples.get(name) ?? []).filter((s) => at - s.at <= RATE_WINDOW_MS);
    const last = kept.at(-1);
    if (!last || at - last.at >= MIN_SAMPLE_GAP_MS) {
      kept.push({ at, marginMs });
    }
    this.samples.set(name, kept);
    const first = kept[0];
    // At least a second apart: cluster times have second resolution.
    if (at - first.at < 1_000) {
      return undefined;
    }
    return (first.marginMs - marginMs) / (at - first.at);
  }

  forget(name: string): void {
    this.samples.delete(name);
  }
}

/** The margin of a position to the oplog window, with its verdict. */
export function marginOf(
  position: Timestamp,
  window: OplogWindowReading,
  thresholds: HealthThresholds,
  shrinkRate: number | undefined,
): OplogMargin {
  const marginMs = (position.t - window.first.t) * 1_000;
  const verdict = evaluateOplogMargin(
    { marginMs, windowMs: window.windowMs, rolling: window.rolling },
    thresholds,
  );
  const marginPct = window.windowMs > 0 ? (100 * marginMs) / window.windowMs : 100;
  return {
    marginMs,
    marginPct: Math.round(marginPct * 100) / 100,
    windowMs: window.windowMs,
    rolling: window.rolling,
    ...(shrinkRate !== undefined ? { shrinkRate: Math.round(shrinkRate * 1000) / 1000 } : {}),
    ...(shrinkRate !== undefined && shrinkRate > 0
      ? { timeToLossMs: Math.max(0, Math.round(marginMs / shrinkRate)) }
      : {}),
    status: verdict.status,
    reason: verdict.reason,
  };
}
