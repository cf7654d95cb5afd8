import type {
  DeadLetterSettings,
  DeliverySettings,
  RetrySettings,
  StartFrom,
  SubscriptionSource,
} from '@app/relay';

/**
 * What a subscription gets for each setting it leaves out. Documented in the OpenAPI schema and
 * README; chosen to be safe for a first subscription: order per document, a bounded retry budget
 * of about ten minutes, dead letters kept for two weeks.
 */
export const SUBSCRIPTION_DEFAULTS = {
  description: '',
  source: {
    collections: [],
    operationTypes: [],
    pipeline: [],
    fullDocument: 'default',
    fullDocumentBeforeChange: 'off',
  } satisfies Omit<SubscriptionSource, 'database'>,
  webhook: { timeoutMs: 10_000, headers: {} as Record<string, string> },
  delivery: {
    ordering: 'key',
    concurrency: 8,
    batchSize: 1,
    batchWaitMs: 0,
    timeoutMs: 30_000,
  } satisfies DeliverySettings,
  retry: {
    maxAttempts: 10,
    initialDelayMs: 500,
    maxDelayMs: 60_000,
    multiplier: 2,
    jitter: 'full',
  } satisfies RetrySettings,
  deadLetter: { enabled: true, retentionDays: 30 } satisfies DeadLetterSettings,
  startFrom: { position: 'now' } satisfies StartFrom,
} as const;

/** Bounds enforced on input; one place for the DTO decorators and the docs. */
export const SUBSCRIPTION_LIMITS = {
  nameMaxLength: 63,
  serviceNameMaxLength: 100,
  descriptionMaxLength: 1_000,
  createdByMaxLength: 200,
  databaseNameMaxLength: 63,
  collectionNameMaxLength: 255,
  collections: 100,
  pipelineStages: 50,
  handlerNameMaxLength: 100,
  urlMaxLength: 2_048,
  secretMinLength: 8,
  secretMaxLength: 512,
  webhookTimeoutMs: { min: 100, max: 120_000 },
  headers: 50,
  headerValueMaxLength: 4_096,
  concurrency: { min: 1, max: 256 },
  batchSize: { min: 1, max: 1_000 },
  batchWaitMs: { min: 0, max: 60_000 },
  deliveryTimeoutMs: { min: 100, max: 300_000 },
  maxAttempts: { min: 1, max: 100 },
  initialDelayMs: { min: 0, max: 3_600_000 },
  maxDelayMs: { min: 1, max: 86_400_000 },
  multiplier: { min: 1, max: 10 },
  retentionDays: { min: 1, max: 365 },
  journalRetentionHours: { min: 1, max: 8_760 },
  journalSampleRate: { min: 0.0001, max: 1 },
  journalFields: 20,
  journalFieldNameMaxLength: 64,
  eventPathMaxLength: 200,
} as const;

/** A dotted path into a change event: non-empty segments, none starting with `$`. */
export const EVENT_PATH_PATTERN = /^[^.$\s][^.\s]*(?:\.[^.$\s][^.\s]*)*$/;
export const EVENT_PATH_REASON =
  'must be a dotted path into the change event such as fullDocument.orderId (no empty segment, no segment starting with $, no spaces)';

/** Journal field names: stored as field names and used as SQL column names. */
export const JOURNAL_FIELD_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A lowercase slug: letters, digits and single dashes or underscores, e.g. `orders-to-billing`
 * or `user_service_events` (the SQL interface names subscriptions with SQL identifiers).
 */
export const SLUG_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
export const SLUG_REASON =
  'must be a slug: lowercase letters, digits and single dashes or underscores (e.g. orders-to-billing)';

/** Service and handler names: what @ChangeHandler('…') and SERVICE_NAME accept in practice. */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
export const IDENTIFIER_REASON =
  'must start with a letter or digit and contain only letters, digits, ".", "_", ":" and "-"';

/** MongoDB database names: no `/\. "$*<>:|?`; the system databases cannot be watched. */
export const DATABASE_NAME_PATTERN = /^(?!(?:admin|local|config)$)[^/\\. "$*<>:|?\0]+$/;
export const DATABASE_NAME_REASON =
  'must be a MongoDB database name (no /\\. "$*<>:|? characters), not admin, local or config';

/** Collection names: no `$` and no null character; `system.*` collections cannot be watched. */
export const COLLECTION_NAME_PATTERN = /^(?!system\.)[^$\0]+$/;
export const COLLECTION_NAME_REASON = 'must be a collection name (no "$", not system.*)';
