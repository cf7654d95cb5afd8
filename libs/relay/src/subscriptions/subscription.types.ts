import type { Timestamp } from 'bson';

/**
 * The subscription as stored in `subscriptions` and passed around the runtime (plain objects,
 * never mongoose documents). The admin API's DTOs produce it; workers consume it.
 */

export const OPERATION_TYPES = [
  'insert',
  'update',
  'replace',
  'delete',
  'drop',
  'rename',
  'dropDatabase',
  'invalidate',
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

export const FULL_DOCUMENT_MODES = [
  'default',
  'updateLookup',
  'whenAvailable',
  'required',
] as const;
export type FullDocumentMode = (typeof FULL_DOCUMENT_MODES)[number];

export const FULL_DOCUMENT_BEFORE_CHANGE_MODES = ['off', 'whenAvailable', 'required'] as const;
export type FullDocumentBeforeChangeMode = (typeof FULL_DOCUMENT_BEFORE_CHANGE_MODES)[number];

export const ORDERING_MODES = ['key', 'strict', 'none'] as const;
export type OrderingMode = (typeof ORDERING_MODES)[number];

export const JITTER_MODES = ['full', 'none'] as const;
export type JitterMode = (typeof JITTER_MODES)[number];

export const START_POSITIONS = ['now', 'timestamp', 'snapshot'] as const;
export type StartPosition = (typeof START_POSITIONS)[number];

export const DESIRED_STATES = ['active', 'paused'] as const;
export type DesiredState = (typeof DESIRED_STATES)[number];

/** Pipeline stages a subscription may use: they filter or reshape, never change `_id`. */
export const ALLOWED_PIPELINE_STAGES = [
  '$match',
  '$project',
  '$addFields',
  '$set',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
  '$redact',
] as const;

/** Server-side JavaScript operators refused anywhere in a pipeline. */
export const FORBIDDEN_PIPELINE_OPERATORS = ['$where', '$function', '$accumulator'] as const;

export interface SubscriptionSource {
  database: string;
  /** Empty: every collection of the database. */
  collections: string[];
  /** Empty: every operation type. */
  operationTypes: OperationType[];
  pipeline: Record<string, unknown>[];
  fullDocument: FullDocumentMode;
  fullDocumentBeforeChange: FullDocumentBeforeChangeMode;
  /** The service that owns the watched collections (the journal's `sourceService`). */
  ownerService?: string;
}

export interface ProviderHandlerSpec {
  type: 'provider';
  /** The name given to @ChangeHandler('name'). */
  name: string;
}

export interface WebhookHandlerSpec {
  type: 'webhook';
  url: string;
  /** Standard Webhooks signing secret. Never returned by an API nor logged. */
  secret?: string;
  timeoutMs: number;
  headers: Record<string, string>;
}

export type HandlerSpec = ProviderHandlerSpec | WebhookHandlerSpec;

export interface DeliverySettings {
  ordering: OrderingMode;
  concurrency: number;
  batchSize: number;
  batchWaitMs: number;
  /** Per-attempt handler timeout. */
  timeoutMs: number;
}

export interface RetrySettings {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  jitter: JitterMode;
}

export interface DeadLetterSettings {
  enabled: boolean;
  retentionDays: number;
}

/** The event journal of a subscription (see `libs/relay/src/journal`). */
export interface JournalSettings {
  enabled: boolean;
  /** Records expire this many hours after the event completed (TTL). */
  retentionHours: number;
  /** Fraction of events journaled, 0 < sampleRate <= 1 (sampled per correlation id). */
  sampleRate: number;
  /** Business fields recorded per event: name → path into the change event. */
  fields: Record<string, string>;
}

export const DEFAULT_JOURNAL_SETTINGS: JournalSettings = {
  enabled: false,
  retentionHours: 24,
  sampleRate: 1,
  fields: {},
};

/** How events are tied to a business process: paths into the change event. */
export interface CorrelationSettings {
  /** e.g. `fullDocument.orderId`: events with the same value share a correlation id. */
  idPath: string;
  /** Optional process id (e.g. the process type or instance). */
  processPath?: string;
}

export interface StartFrom {
  position: StartPosition;
  /** position=timestamp: the wall-clock time to start at. */
  timestamp?: Date;
}

/** Set when the stream cannot continue without skipping events (code 286, 280, ...). */
export interface StaleInfo {
  reason: string;
  code?: number;
  at: Date;
  /** When the last checkpoint was written, so an operator knows what a reset skips. */
  lastCheckpointAt?: Date;
}

export interface Subscription {
  name: string;
  serviceName: string;
  description: string;
  createdBy?: string;
  source: SubscriptionSource;
  handler: HandlerSpec;
  delivery: DeliverySettings;
  retry: RetrySettings;
  deadLetter: DeadLetterSettings;
  /** Missing on subscriptions stored before the journal existed (read as disabled). */
  journal?: JournalSettings;
  correlation?: CorrelationSettings;
  startFrom: StartFrom;
  /**
   * Where a worker starts when there is no checkpoint: the cluster time at which the
   * subscription was created or reset (position=now), or the requested timestamp.
   */
  startAtOperationTime: Timestamp;
  /**
   * Set by `startFrom: snapshot` and by a resync: with no checkpoint of its epoch, the worker
   * first copies the existing documents (snapshot events), then streams from
   * `startAtOperationTime` (the cluster time read when the snapshot was asked for).
   */
  snapshotFirst?: boolean;
  /**
   * The stream generation: set at creation and raised by every reset (later also rewind and
   * resync). Checkpoints and runtime writes carry it; those of another epoch are ignored or
   * refused, so neither a worker still draining nor a deleted namesake revives an old position.
   * Missing on subscriptions stored before it existed (read as 0).
   */
  epoch: number;
  desiredState: DesiredState;
  stale?: StaleInfo;
  /** Bumped on every change of the definition; workers restart when it moves. */
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A subscription's state as an operator sees it. */
export type SubscriptionState = 'active' | 'paused' | 'stale';

export function subscriptionState(
  subscription: Pick<Subscription, 'desiredState' | 'stale'>,
): SubscriptionState {
  if (subscription.stale) {
    return 'stale';
  }
  return subscription.desiredState;
}

/**
 * The epoch for a new subscription or a reset: the clock's milliseconds, and always above the
 * current one, so epochs differ across resets and across a delete and re-create of one name.
 */
export function nextEpoch(current?: number, now = Date.now()): number {
  return Math.max((current ?? 0) + 1, now);
}
