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
  /** Warning when the oplog margin is under this % of the oplog window, or under oplogWarningMs. */
  oplogWarningPct: number;
  oplogWarningMs: number;
  /** Critical when the oplog margin is under this % of the window, or under oplogCriticalMs. */
  oplogCriticalPct: number;
  oplogCriticalMs: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  criticalErrorPct: 5,
  warningErrorPct: 1,
  warningDeliveredPct: 95,
  warningLagMs: 300_000,
  degradedHandlerMs: 5_000,
  oplogWarningPct: 25,
  oplogWarningMs: 3_600_000,
  oplogCriticalPct: 10,
  oplogCriticalMs: 900_000,
};

/** How much history a subscription has left before its position rolls off the oplog. */
export interface OplogMarginFigures {
  /** Its position's cluster time minus the oplog's first entry time. */
  marginMs: number;
  /** The time the oplog spans (last entry − first entry). */
  windowMs: number;
  /**
   * Whether the oplog is full, so entries roll off as new ones come (false: nothing is dropped
   * yet, the margin does not shrink, no alarm).
   */
  rolling: boolean;
}

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
  /** Unknown (absent) when the oplog cannot be read or the subscription does not run. */
  oplog?: OplogMarginFigures;
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
  const oplog = f.oplog && !f.stale ? evaluateOplogMargin(f.oplog, t) : undefined;
  if (oplog && oplog.status !== 'Healthy') {
    fired.push([oplog.status, oplog.reason]);
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

/**
 * Critical under `oplogCriticalPct` of the window or `oplogCriticalMs`, Warning under
 * `oplogWarningPct` or `oplogWarningMs`: the margin left before the subscription's position rolls
 * off the oplog (then it turns stale and must be resynced).
 */
export function evaluateOplogMargin(
  m: OplogMarginFigures,
  t: Pick<
    HealthThresholds,
    'oplogWarningPct' | 'oplogWarningMs' | 'oplogCriticalPct' | 'oplogCriticalMs'
  >,
): { status: HealthStatus; reason: string } {
  const pct = m.windowMs > 0 ? (100 * m.marginMs) / m.windowMs : 100;
  const described = `oplog margin ${formatDuration(m.marginMs)} (${round(pct)}% of the ${formatDuration(m.windowMs)} oplog window)`;
  if (!m.rolling) {
    return { status: 'Healthy', reason: `${described}; the oplog is not full, nothing rolls off` };
  }
  if (pct < t.oplogCriticalPct || m.marginMs < t.oplogCriticalMs) {
    return {
      status: 'Critical',
      reason: `${described} < ${limits(t.oplogCriticalPct, t.oplogCriticalMs)}: resync soon or history is lost`,
    };
  }
  if (pct < t.oplogWarningPct || m.marginMs < t.oplogWarningMs) {
    return {
      status: 'Warning',
      reason: `${described} < ${limits(t.oplogWarningPct, t.oplogWarningMs)}`,
    };
  }
  return { status: 'Healthy', reason: described };
}

function limits(pct: number, ms: number): string {
  return ms > 0 ? `${pct}% or ${formatDuration(ms)}` : `${pct}%`;
}

/** 42 s, 12 min, 3.5 h, 2.1 d. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 60_000) {
    return `${sign}${Math.round(abs / 1_000)} s`;
  }
  if (abs < 3_600_000) {
    return `${sign}${Math.round(abs / 60_000)} min`;
  }
  if (abs < 86_400_000) {
    return `${sign}${Math.round(abs / 360_000) / 10} h`;
  }
  return `${sign}${Math.round(abs / 8_640_000) / 10} d`;
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
