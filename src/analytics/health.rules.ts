/** Verdicts, from best to worst. */
export const HEALTH_STATUSES = ['Healthy', 'Degraded', 'Warning', 'Critical'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** The configurable thresholds (HEALTH_* variables). */
export interface HealthThresholds {
  /** Critical when more than this share (%) of settled events failed for good. */
  criticalErrorPct: number;
  /** Warning over this error share (%). */
  warningErrorPct: number;
  /** Warning when less than this share (%) of received events were delivered. */
  warningDeliveredPct: number;
  /** Warning when the checkpoint lag passes this. */
  warningLagMs: number;
  /** Degraded when the average handler time passes this. */
  degradedHandlerMs: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  criticalErrorPct: 5,
  warningErrorPct: 1,
  warningDeliveredPct: 95,
  warningLagMs: 300_000,
  degradedHandlerMs: 5_000,
};

/** What the verdict of one subscription (or a group of them) is made of, over a range. */
export interface HealthFigures {
  received: number;
  delivered: number;
  deadLettered: number;
  failedAttempts: number;
  retried: number;
  handlerCount: number;
  handlerSumMs: number;
  lagMs: number;
  stale: boolean;
}

export interface HealthVerdict {
  status: HealthStatus;
  /** Why, one sentence per rule that fired (empty when Healthy). */
  reasons: string[];
}

/** Failed for good, as a share (%) of the events that reached an outcome. */
export function errorPct(f: Pick<HealthFigures, 'delivered' | 'deadLettered'>): number {
  const settled = f.delivered + f.deadLettered;
  return settled === 0 ? 0 : (100 * f.deadLettered) / settled;
}

/** Delivered, as a share (%) of received (100 with nothing received). */
export function deliveredPct(f: Pick<HealthFigures, 'received' | 'delivered'>): number {
  return f.received === 0 ? 100 : Math.min(100, (100 * f.delivered) / f.received);
}

export function averageHandlerMs(f: Pick<HealthFigures, 'handlerCount' | 'handlerSumMs'>): number {
  return f.handlerCount === 0 ? 0 : f.handlerSumMs / f.handlerCount;
}

/**
 * Critical: error rate over `criticalErrorPct`, or stale. Warning: error rate over
 * `warningErrorPct`, delivered under `warningDeliveredPct` of received, or lag over
 * `warningLagMs`. Degraded: average handler time over `degradedHandlerMs`. Else Healthy.
 * Every rule that fires is listed; the verdict is the worst.
 */
export function evaluateHealth(f: HealthFigures, t: HealthThresholds): HealthVerdict {
  const fired: [HealthStatus, string][] = [];
  const errors = errorPct(f);
  if (f.stale) {
    fired.push(['Critical', 'the subscription is stale']);
  }
  if (errors > t.criticalErrorPct) {
    fired.push(['Critical', `error rate ${round(errors)}% > ${t.criticalErrorPct}%`]);
  } else if (errors > t.warningErrorPct) {
    fired.push(['Warning', `error rate ${round(errors)}% > ${t.warningErrorPct}%`]);
  }
  const delivered = deliveredPct(f);
  if (delivered < t.warningDeliveredPct) {
    fired.push([
      'Warning',
      `delivered ${round(delivered)}% of received < ${t.warningDeliveredPct}%`,
    ]);
  }
  if (f.lagMs > t.warningLagMs) {
    fired.push(['Warning', `lag ${Math.round(f.lagMs / 1_000)} s > ${t.warningLagMs / 1_000} s`]);
  }
  const handlerMs = averageHandlerMs(f);
  if (handlerMs > t.degradedHandlerMs) {
    fired.push([
      'Degraded',
      `average handling time ${Math.round(handlerMs)} ms > ${t.degradedHandlerMs} ms`,
    ]);
  }
  return {
    status: worst(fired.map(([status]) => status)),
    reasons: fired.map(([, reason]) => reason),
  };
}

/** The worst of several verdicts (Healthy for none). */
export function worst(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>(
    (current, status) =>
      HEALTH_STATUSES.indexOf(status) > HEALTH_STATUSES.indexOf(current) ? status : current,
    'Healthy',
  );
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
