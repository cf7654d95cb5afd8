// Shapes of the GraphQL answers the dashboard reads (only the fields it asks for).

export interface HealthVerdict {
  status: string;
  reasons: string[];
}

export interface Latency {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  averageHandlerMs: number;
}

export interface Counts {
  received: number;
  delivered: number;
  failedAttempts: number;
  retried: number;
  deadLettered: number;
  replayed: number;
}

export interface Recommendation {
  action: string;
  reason: string;
  value: number;
}

export interface SubscriptionAnalytics {
  name: string;
  service: string;
  state: string;
  lagMs: number;
  successRate: number;
  pendingDeadLetters: number;
  health: HealthVerdict;
  counts: Counts;
  latency: Latency;
  recommendations: Recommendation[];
}

export interface ServiceHealth {
  service: string;
  subscriptions: number;
  successRate: number;
  health: HealthVerdict;
}

export interface Overview {
  range: string;
  eventsPerMinute: number;
  successRate: number;
  largestLagMs: number;
  pendingDeadLetters: number;
  health: HealthVerdict;
  latency: Latency;
  totals: Counts;
  services: ServiceHealth[];
  subscriptions: SubscriptionAnalytics[];
}

export interface TrendPoint {
  at: string;
  received: number;
  delivered: number;
  failedAttempts: number;
  retried: number;
  deadLettered: number;
}

export interface Trends {
  bucket: string;
  series: { key: string; points: TrendPoint[] }[];
}

export interface Instance {
  id: string;
  service: string;
  version: string;
  live: boolean;
  lastSeen: string;
  startedAt: string;
  handlers: string[];
  subscriptions: string[];
}

export interface OplogStatus {
  available: boolean;
  reason: string | null;
  windowMs: number | null;
  marginMs: number | null;
  marginPct: number | null;
  timeToLossMs: number | null;
  status: string | null;
}

export interface SubscriptionStatus {
  name: string;
  state: string;
  desiredState: string;
  actualState: string;
  owner: string | null;
  lagMs: number | null;
  handler: string;
  lastEventAt: string | null;
  warnings: string[];
  /** Only in the detail query. */
  oplog?: OplogStatus | null;
  lastError: { at: string; message: string; code: number | null } | null;
  stale: { at: string; reason: string; code: number | null } | null;
  checkpoint: { ageMs: number; clusterTime: string | null; updatedAt: string } | null;
  counters: {
    received: number;
    delivered: number;
    failedAttempts: number;
    retried: number;
    deadLettered: number;
    replayed: number;
    replayFailed: number;
  };
}

export interface Subscription {
  name: string;
  serviceName: string;
  description: string;
  state: string;
  desiredState: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
  startAt: string;
  source: {
    database: string;
    collections: string[];
    operationTypes: string[];
    pipeline: unknown[];
    fullDocument: string;
    fullDocumentBeforeChange: string;
  };
  handler: {
    type: string;
    name: string;
    url: string | null;
    timeoutMs: number | null;
    secretSet: boolean | null;
    headers: Record<string, string> | null;
  };
  delivery: {
    ordering: string;
    concurrency: number;
    batchSize: number;
    batchWaitMs: number;
    timeoutMs: number;
  };
  retry: {
    maxAttempts: number;
    initialDelayMs: number;
    maxDelayMs: number;
    multiplier: number;
    jitter: string;
  };
  deadLetter: { enabled: boolean; retentionDays: number };
}

export interface DeadLetterError {
  name: string;
  message: string;
  code: string | null;
  httpStatus: number | null;
  responseBody: string | null;
}

export interface DeadLetter {
  id: string;
  subscription: string;
  service: string;
  status: string;
  key: string;
  eventId: string;
  attempts: number;
  replayCount: number;
  firstFailedAt: string;
  lastFailedAt: string;
  discardReason: string | null;
  error: DeadLetterError;
  event?: unknown;
  replays?: { at: string; outcome: string; attempts: number; jobId: string | null }[];
}

export interface ReplayJob {
  id: string | null;
  subscription: string;
  state: string | null;
  waitingFor: string | null;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  dryRun: boolean;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One delivery of the live tail (GraphQL subscription `subscriptionEvents`). */
export interface LiveDelivery {
  subscription: string;
  id: string;
  operationType: string;
  ns: { db: string; coll: string };
  documentKey: string;
  outcome: string;
  attempt: number;
  latencyMs: number | null;
  handlerMs: number | null;
  error: string | null;
  at: string;
  sampleRate: number;
}
