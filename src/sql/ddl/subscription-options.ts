import type { SqlLocation, SqlOption } from '../parser/sql-script.parser';
import { SqlErrors } from '../sql.errors';
import { jsonValue, type JsonValue, type SqlParams } from './sql-values';

/**
 * The options of CREATE / ALTER EVENT_SUBSCRIPTION and where each lands in the subscription
 * model (the REST body). The README's option table is this list.
 */
export interface SubscriptionOptionSpec {
  name: string;
  /** The REST field it sets (what validation errors about that field are reported against). */
  field: string;
  /** What the README says about it. */
  doc: string;
  /** Only at creation (the start position cannot change). */
  createOnly?: boolean;
}

export const SUBSCRIPTION_OPTIONS: readonly SubscriptionOptionSpec[] = [
  { name: 'service_name', field: 'serviceName', doc: 'the owning service (default: SERVICE_NAME)' },
  { name: 'description', field: 'description', doc: 'free text' },
  {
    name: 'created_by',
    field: 'createdBy',
    doc: 'who it is attributed to (default: the caller)',
    createOnly: true,
  },
  {
    name: 'subscription_id',
    field: '',
    doc: "accepted for compatibility and not stored: the statement's name identifies the subscription (a notice says so)",
  },
  {
    name: 'database',
    field: 'source.database',
    doc: 'the watched database (default: SQL_DEFAULT_DATABASE, with a notice)',
  },
  {
    name: 'watch_collections',
    field: 'source.collections',
    doc: 'JSON_ARRAY of collection names (empty: all)',
  },
  {
    name: 'event_types',
    field: 'source.operationTypes',
    doc: 'JSON_ARRAY of operation types (empty: all)',
  },
  {
    name: 'event_filter',
    field: 'source.pipeline',
    doc: "JSON_OBJECT: a `$match` on the change event, the pipeline's first stage",
  },
  {
    name: 'pipeline',
    field: 'source.pipeline',
    doc: 'JSON_ARRAY of further stages, after event_filter',
  },
  {
    name: 'full_document',
    field: 'source.fullDocument',
    doc: 'default, updateLookup, whenAvailable, required',
  },
  {
    name: 'full_document_before_change',
    field: 'source.fullDocumentBeforeChange',
    doc: 'off, whenAvailable, required',
  },
  {
    name: 'handler',
    field: 'handler.name',
    doc: 'a @ChangeHandler name (`log` is built in); `webhook` with webhook_url',
  },
  {
    name: 'webhook_url',
    field: 'handler.url',
    doc: "the webhook handler's URL (implies handler = 'webhook')",
  },
  { name: 'webhook_secret', field: 'handler.secret', doc: 'its signing secret (write-only)' },
  { name: 'webhook_timeout_ms', field: 'handler.timeoutMs', doc: 'its request timeout' },
  {
    name: 'webhook_headers',
    field: 'handler.headers',
    doc: 'JSON_OBJECT of extra headers (values stored encrypted)',
  },
  {
    name: 'webhook_public_headers',
    field: 'handler.publicHeaders',
    doc: 'JSON_ARRAY of header names stored in clear',
  },
  {
    name: 'preserve_order',
    field: 'delivery.ordering',
    doc: 'true: `strict` (one at a time, stream order); false: `none`',
  },
  {
    name: 'ordering',
    field: 'delivery.ordering',
    doc: 'key, strict, none (key: in order per document)',
  },
  { name: 'concurrency', field: 'delivery.concurrency', doc: 'handler calls in flight' },
  {
    name: 'batch_processing',
    field: 'delivery.batchSize',
    doc: 'false: one event per call (batch_size is then ignored); true: batch_size events per call (default 100)',
  },
  { name: 'batch_size', field: 'delivery.batchSize', doc: 'events per handler call' },
  { name: 'batch_wait_ms', field: 'delivery.batchWaitMs', doc: 'how long a partial batch waits' },
  {
    name: 'processing_timeout_ms',
    field: 'delivery.timeoutMs',
    doc: 'timeout of one handler attempt',
  },
  {
    name: 'max_retry_attempts',
    field: 'retry.maxAttempts',
    doc: 'retries after the first attempt: retry.maxAttempts = max_retry_attempts + 1',
  },
  { name: 'retry_delay_ms', field: 'retry.initialDelayMs', doc: 'delay before the first retry' },
  {
    name: 'exponential_backoff',
    field: 'retry.multiplier',
    doc: 'true: multiplier 2 (or retry_multiplier); false: multiplier 1 (a fixed delay)',
  },
  { name: 'retry_multiplier', field: 'retry.multiplier', doc: 'factor between delays' },
  { name: 'retry_max_delay_ms', field: 'retry.maxDelayMs', doc: 'upper bound of a delay' },
  { name: 'retry_jitter', field: 'retry.jitter', doc: 'full or none' },
  {
    name: 'dead_letter_queue_enabled',
    field: 'deadLetter.enabled',
    doc: 'store events whose retries are spent',
  },
  {
    name: 'dead_letter_retention_days',
    field: 'deadLetter.retentionDays',
    doc: 'days a dead letter is kept',
  },
  {
    name: 'owner_service',
    field: 'source.ownerService',
    doc: 'the service owning the watched collections (journal analytics)',
  },
  {
    name: 'journal_enabled',
    field: 'journal.enabled',
    doc: 'record each handled event in the event journal',
  },
  {
    name: 'journal_retention_hours',
    field: 'journal.retentionHours',
    doc: 'hours a journal record is kept',
  },
  {
    name: 'journal_sample_rate',
    field: 'journal.sampleRate',
    doc: 'share of events journaled (0 to 1)',
  },
  {
    name: 'journal_fields',
    field: 'journal.fields',
    doc: 'JSON_OBJECT: business field name → path into the change event',
  },
  {
    name: 'correlation_id_path',
    field: 'correlation.idPath',
    doc: 'path of the business process id in the change event',
  },
  {
    name: 'correlation_process_path',
    field: 'correlation.processPath',
    doc: 'path of the process type',
  },
  {
    name: 'start_position',
    field: 'startFrom.position',
    doc: 'now or timestamp',
    createOnly: true,
  },
  {
    name: 'start_timestamp',
    field: 'startFrom.timestamp',
    doc: "with start_position = 'timestamp': ISO 8601 time",
    createOnly: true,
  },
  { name: 'state', field: 'desiredState', doc: 'active or paused (ALTER: pauses or resumes)' },
];

const BY_NAME = new Map(SUBSCRIPTION_OPTIONS.map((spec) => [spec.name, spec]));

/** When batch_processing = true names no batch_size. */
export const DEFAULT_SQL_BATCH_SIZE = 100;

/** Each option given, its value and where it was written. */
export interface GivenOptions {
  values: Map<string, JsonValue>;
  locations: Map<string, SqlLocation>;
}

/** Checks names (unknown, duplicate, not allowed here) and reads the values. */
export function readOptions(options: SqlOption[], params: SqlParams, alter: boolean): GivenOptions {
  const values = new Map<string, JsonValue>();
  const locations = new Map<string, SqlLocation>();
  for (const option of options) {
    const name = option.name.toLowerCase();
    const spec = BY_NAME.get(name);
    if (!spec) {
      throw SqlErrors.unknownOption(option.name, option.nameLoc.start, suggestOption(name));
    }
    if (values.has(name)) {
      throw SqlErrors.badOption(name, 'is given twice', option.nameLoc.start);
    }
    if (alter && spec.createOnly) {
      throw SqlErrors.badOption(
        name,
        'can only be set by CREATE (RESET starts again from now)',
        option.nameLoc.start,
      );
    }
    values.set(name, jsonValue(option.value, params, name));
    locations.set(name, option.value.loc);
  }
  return { values, locations };
}

/** The closest option name, when it is close enough to be a typo. */
export function suggestOption(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const spec of SUBSCRIPTION_OPTIONS) {
    const distance = editDistance(name, spec.name);
    if (distance < bestDistance) {
      best = spec.name;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

/** The REST field paths that an option sets, for reporting a validation error against it. */
export function optionForField(field: string, given: GivenOptions): string | undefined {
  const candidates = SUBSCRIPTION_OPTIONS.filter(
    (spec) =>
      spec.field &&
      (field === spec.field ||
        field.startsWith(`${spec.field}.`) ||
        spec.field.startsWith(`${field}.`)),
  ).filter((spec) => given.values.has(spec.name));
  return candidates[0]?.name;
}

type Body = Record<string, unknown>;

function section(body: Body, key: string): Body {
  body[key] ??= {};
  return body[key] as Body;
}

export interface BuiltBody {
  body: Body;
  notices: string[];
}

/**
 * The REST body (create or merge patch) the options stand for. Types are left to the same
 * validation as REST; only what the mapping itself needs is checked here.
 */
export function bodyFromOptions(given: GivenOptions, mode: 'create' | 'alter'): BuiltBody {
  const { values } = given;
  const body: Body = {};
  const notices: string[] = [];
  const set = (path: string, value: unknown) => {
    const parts = path.split('.');
    let target = body;
    for (const part of parts.slice(0, -1)) {
      target = section(target, part);
    }
    target[parts[parts.length - 1]] = value;
  };
  const direct: [string, string][] = [
    ['service_name', 'serviceName'],
    ['description', 'description'],
    ['created_by', 'createdBy'],
    ['database', 'source.database'],
    ['watch_collections', 'source.collections'],
    ['event_types', 'source.operationTypes'],
    ['full_document', 'source.fullDocument'],
    ['full_document_before_change', 'source.fullDocumentBeforeChange'],
    ['ordering', 'delivery.ordering'],
    ['concurrency', 'delivery.concurrency'],
    ['batch_wait_ms', 'delivery.batchWaitMs'],
    ['processing_timeout_ms', 'delivery.timeoutMs'],
    ['retry_delay_ms', 'retry.initialDelayMs'],
    ['retry_max_delay_ms', 'retry.maxDelayMs'],
    ['retry_multiplier', 'retry.multiplier'],
    ['retry_jitter', 'retry.jitter'],
    ['dead_letter_queue_enabled', 'deadLetter.enabled'],
    ['dead_letter_retention_days', 'deadLetter.retentionDays'],
    ['owner_service', 'source.ownerService'],
    ['journal_enabled', 'journal.enabled'],
    ['journal_retention_hours', 'journal.retentionHours'],
    ['journal_sample_rate', 'journal.sampleRate'],
    ['journal_fields', 'journal.fields'],
    ['correlation_id_path', 'correlation.idPath'],
    ['correlation_process_path', 'correlation.processPath'],
    ['start_position', 'startFrom.position'],
    ['start_timestamp', 'startFrom.timestamp'],
    ['webhook_secret', 'handler.secret'],
    ['webhook_timeout_ms', 'handler.timeoutMs'],
    ['webhook_headers', 'handler.headers'],
    ['webhook_public_headers', 'handler.publicHeaders'],
  ];
  for (const [option, path] of direct) {
    if (values.has(option)) {
      set(path, values.get(option));
    }
  }
  if (values.has('subscription_id')) {
    notices.push(
      `subscription_id ${JSON.stringify(values.get('subscription_id'))} is not stored: the subscription is identified by its name`,
    );
  }
  mapPipeline(given, set);
  mapHandler(given, set, mode);
  mapOrdering(given, set);
  mapBatching(given, set, notices);
  mapRetry(given, set);
  if (values.has('state')) {
    if (mode === 'create') {
      set('desiredState', values.get('state'));
    }
    // ALTER: the service pauses or resumes after the update (see SqlSubscriptionsService).
  }
  return { body, notices };
}

type Setter = (path: string, value: unknown) => void;

function location(given: GivenOptions, name: string) {
  return (given.locations.get(name) as SqlLocation).start;
}

function mapPipeline(given: GivenOptions, set: Setter): void {
  const filter = given.values.get('event_filter');
  const stages = given.values.get('pipeline');
  if (filter === undefined && stages === undefined) {
    return;
  }
  const pipeline: unknown[] = [];
  if (filter !== undefined && filter !== null) {
    if (typeof filter !== 'object' || Array.isArray(filter)) {
      throw SqlErrors.badOption(
        'event_filter',
        'must be a JSON_OBJECT (a $match on the change event)',
        location(given, 'event_filter'),
      );
    }
    pipeline.push({ $match: filter });
  }
  if (stages !== undefined && stages !== null) {
    if (!Array.isArray(stages)) {
      throw SqlErrors.badOption(
        'pipeline',
        'must be a JSON_ARRAY of stages',
        location(given, 'pipeline'),
      );
    }
    pipeline.push(...stages);
  }
  set('source.pipeline', pipeline);
}

function mapHandler(given: GivenOptions, set: Setter, mode: 'create' | 'alter'): void {
  const handler = given.values.get('handler');
  const url = given.values.get('webhook_url');
  const webhookOnly = [
    'webhook_secret',
    'webhook_timeout_ms',
    'webhook_headers',
    'webhook_public_headers',
  ];
  if (url !== undefined || handler === 'webhook') {
    if (handler !== undefined && handler !== 'webhook') {
      throw SqlErrors.badOption(
        'handler',
        `cannot name a handler (${JSON.stringify(handler)}) together with webhook_url`,
        location(given, 'handler'),
      );
    }
    set('handler.type', 'webhook');
    if (url !== undefined) {
      set('handler.url', url);
    }
    return;
  }
  if (handler !== undefined) {
    set('handler.type', 'provider');
    set('handler.name', handler);
  }
  const stray = webhookOnly.find((name) => given.values.has(name));
  if (stray && (handler !== undefined || mode === 'create')) {
    throw SqlErrors.badOption(
      stray,
      'applies to the webhook handler only: add webhook_url',
      location(given, stray),
    );
  }
}

function mapOrdering(given: GivenOptions, set: Setter): void {
  const preserve = given.values.get('preserve_order');
  if (preserve === undefined) {
    return;
  }
  if (typeof preserve !== 'boolean') {
    throw SqlErrors.badOption(
      'preserve_order',
      'must be true or false',
      location(given, 'preserve_order'),
    );
  }
  if (given.values.has('ordering')) {
    throw SqlErrors.badOption(
      'preserve_order',
      'give either preserve_order or ordering, not both',
      location(given, 'preserve_order'),
    );
  }
  set('delivery.ordering', preserve ? 'strict' : 'none');
}

function mapBatching(given: GivenOptions, set: Setter, notices: string[]): void {
  const batching = given.values.get('batch_processing');
  const size = given.values.get('batch_size');
  if (batching !== undefined && typeof batching !== 'boolean') {
    throw SqlErrors.badOption(
      'batch_processing',
      'must be true or false',
      location(given, 'batch_processing'),
    );
  }
  if (batching === false) {
    set('delivery.batchSize', 1);
    if (size !== undefined && size !== 1) {
      notices.push(
        `batch_size ${JSON.stringify(size)} is ignored: batch_processing = false delivers one event per call`,
      );
    }
    return;
  }
  if (batching === true) {
    set('delivery.batchSize', size ?? DEFAULT_SQL_BATCH_SIZE);
    return;
  }
  if (size !== undefined) {
    set('delivery.batchSize', size);
  }
}

function mapRetry(given: GivenOptions, set: Setter): void {
  const retries = given.values.get('max_retry_attempts');
  if (retries !== undefined) {
    if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 99) {
      throw SqlErrors.badOption(
        'max_retry_attempts',
        'must be an integer from 0 to 99 (retries after the first attempt)',
        location(given, 'max_retry_attempts'),
      );
    }
    set('retry.maxAttempts', retries + 1);
  }
  const exponential = given.values.get('exponential_backoff');
  if (exponential === undefined) {
    return;
  }
  if (typeof exponential !== 'boolean') {
    throw SqlErrors.badOption(
      'exponential_backoff',
      'must be true or false',
      location(given, 'exponential_backoff'),
    );
  }
  const multiplier = given.values.get('retry_multiplier');
  if (!exponential) {
    if (multiplier !== undefined && multiplier !== 1) {
      throw SqlErrors.badOption(
        'retry_multiplier',
        'must be 1 (or left out) with exponential_backoff = false',
        location(given, 'retry_multiplier'),
      );
    }
    set('retry.multiplier', 1);
  } else if (multiplier === undefined) {
    set('retry.multiplier', 2);
  }
}
