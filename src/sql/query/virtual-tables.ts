import type { HealthThresholds } from '../../analytics/health.rules';

export type Stage = Record<string, unknown>;
export type ColumnType = 'string' | 'number' | 'boolean' | 'date' | 'json';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  doc: string;
  /** The aggregation expression computing it from the stored document. */
  expr: unknown;
}

/** What a query reads from: a collection and the stages turning its documents into rows. */
export interface VirtualTable {
  name: string;
  /** Written with parentheses in the product this syntax comes from (`EVENT_SUBSCRIPTIONS()`). */
  callable: boolean;
  collection: string;
  doc: string;
  /** The stored field holding the service name, for callers limited to some services. */
  serviceField: string;
  columns: ColumnSpec[];
  /** An object column whose entries can be named as columns (the journal's business fields). */
  dynamicColumns?: string;
  /** Stages before the columns are computed (joins to other collections of Change Relay). */
  prelude?: (context: TableContext) => Stage[];
}

export interface TableContext {
  now: Date;
  health: HealthThresholds;
}

/** The collection of the event journal (issue 15: `event_journal` in the metadata database). */
export const JOURNAL_COLLECTION = 'event_journal';

const HOUR_MS = 3_600_000;

function col(name: string, type: ColumnType, expr: unknown, doc: string): ColumnSpec {
  return { name, type, expr, doc };
}

const ifNull = (expr: unknown, fallback: unknown = null) => ({ $ifNull: [expr, fallback] });

/** The last hour's rollups of a subscription, summed: what its health and lag are judged on. */
function lastHourFigures(now: Date): Stage {
  return {
    $lookup: {
      from: 'metrics_minutely',
      let: { name: '$_id' },
      pipeline: [
        {
          $match: {
            $expr: {
              $and: [
                { $eq: ['$subscription', '$$name'] },
                { $gte: ['$minute', { $literal: new Date(now.getTime() - HOUR_MS) }] },
              ],
            },
          },
        },
        {
          $group: {
            _id: null,
            received: { $sum: '$counters.received' },
            delivered: { $sum: '$counters.delivered' },
            failedAttempts: { $sum: '$counters.failedAttempts' },
            deadLettered: { $sum: '$counters.deadLettered' },
            handlerCount: { $sum: '$handler.count' },
            handlerSumMs: { $sum: '$handler.sumMs' },
            lagMaxMs: { $max: '$lagMaxMs' },
            lastEventAt: { $max: '$lastEventAt' },
          },
        },
      ],
      as: '__hour',
    },
  };
}

/** The health rules of src/analytics/health.rules.ts as an aggregation expression. */
function healthExpression(t: HealthThresholds): unknown {
  const h = (field: string) => ifNull({ $first: `$__hour.${field}` }, 0);
  const settled = { $add: [h('delivered'), h('deadLettered')] };
  const errorPct = {
    $cond: [
      { $eq: [settled, 0] },
      0,
      { $divide: [{ $multiply: [100, h('deadLettered')] }, settled] },
    ],
  };
  const deliveredPct = {
    $cond: [
      { $eq: [h('received'), 0] },
      100,
      { $min: [100, { $divide: [{ $multiply: [100, h('delivered')] }, h('received')] }] },
    ],
  };
  const handlerMs = {
    $cond: [
      { $eq: [h('handlerCount'), 0] },
      0,
      { $divide: [h('handlerSumMs'), h('handlerCount')] },
    ],
  };
  return {
    $switch: {
      branches: [
        {
          case: {
            $or: [{ $gt: [ifNull('$stale', null), null] }, { $gt: [errorPct, t.criticalErrorPct] }],
          },
          then: 'Critical',
        },
        {
          case: {
            $or: [
              { $gt: [errorPct, t.warningErrorPct] },
              { $lt: [deliveredPct, t.warningDeliveredPct] },
              { $gt: [h('lagMaxMs'), t.warningLagMs] },
            ],
          },
          then: 'Warning',
        },
        { case: { $gt: [handlerMs, t.degradedHandlerMs] }, then: 'Degraded' },
      ],
      default: 'Healthy',
    },
  };
}

const liveLease = (now: Date) => ({
  $lookup: {
    from: 'leases',
    let: { name: '$_id' },
    pipeline: [
      {
        $match: {
          $expr: {
            $and: [{ $eq: ['$_id', '$$name'] }, { $gt: ['$expiresAt', { $literal: now }] }],
          },
        },
      },
    ],
    as: '__lease',
  },
});

const checkpointOf = {
  $lookup: {
    from: 'checkpoints',
    let: { name: '$_id' },
    pipeline: [{ $match: { $expr: { $eq: ['$_id', '$$name'] } } }, { $project: { updatedAt: 1 } }],
    as: '__checkpoint',
  },
};

const first = (path: string) => ({ $first: path });

export const VIRTUAL_TABLES: readonly VirtualTable[] = [
  {
    name: 'event_subscriptions',
    callable: true,
    collection: 'subscriptions',
    doc: 'Subscription definitions with their state, owner, checkpoint, lag and health (health and lag over the last hour of rollups)',
    serviceField: 'serviceName',
    prelude: ({ now }) => [lastHourFigures(now), liveLease(now), checkpointOf],
    columns: [
      col('name', 'string', '$_id', 'subscription name'),
      col('service_name', 'string', '$serviceName', 'owning service'),
      col('description', 'string', '$description', 'free text'),
      col('created_by', 'string', ifNull('$createdBy'), 'who it is attributed to'),
      col('database_name', 'string', '$source.database', 'watched database'),
      col('watch_collections', 'json', '$source.collections', 'watched collections (empty: all)'),
      col(
        'event_types',
        'json',
        '$source.operationTypes',
        'delivered operation types (empty: all)',
      ),
      col(
        'handler',
        'string',
        { $cond: [{ $eq: ['$handler.type', 'webhook'] }, 'webhook', '$handler.name'] },
        'handler name (`webhook` for webhooks)',
      ),
      col('handler_type', 'string', '$handler.type', 'provider or webhook'),
      col('webhook_url', 'string', ifNull('$handler.url'), 'webhook target'),
      col('ordering', 'string', '$delivery.ordering', 'key, strict or none'),
      col('concurrency', 'number', '$delivery.concurrency', 'handler calls in flight'),
      col('batch_size', 'number', '$delivery.batchSize', 'events per handler call'),
      col('processing_timeout_ms', 'number', '$delivery.timeoutMs', 'timeout of one attempt'),
      col('max_attempts', 'number', '$retry.maxAttempts', 'attempts in all'),
      col('dead_letter_queue_enabled', 'boolean', '$deadLetter.enabled', 'dead letters kept'),
      col('desired_state', 'string', '$desiredState', 'active or paused, as asked'),
      col(
        'state',
        'string',
        { $cond: [{ $gt: [ifNull('$stale'), null] }, 'stale', '$desiredState'] },
        'active, paused or stale',
      ),
      col('stale_reason', 'string', ifNull('$stale.reason'), 'why it is stale'),
      col(
        'owner',
        'string',
        ifNull(first('$__lease.owner')),
        'instance holding its lease (null: none)',
      ),
      col(
        'worker_state',
        'string',
        ifNull(first('$__lease.status.state')),
        "the owner's worker state",
      ),
      col(
        'checkpoint_at',
        'date',
        ifNull(first('$__checkpoint.updatedAt')),
        'last checkpoint write',
      ),
      col(
        'lag_ms',
        'number',
        ifNull(first('$__hour.lagMaxMs'), 0),
        'largest checkpoint lag of the last hour',
      ),
      col(
        'events_last_hour',
        'number',
        ifNull(first('$__hour.received'), 0),
        'events received in the last hour',
      ),
      col(
        'delivered_last_hour',
        'number',
        ifNull(first('$__hour.delivered'), 0),
        'events delivered in the last hour',
      ),
      col(
        'dead_lettered_last_hour',
        'number',
        ifNull(first('$__hour.deadLettered'), 0),
        'events dead-lettered in the last hour',
      ),
      col(
        'last_event_at',
        'date',
        ifNull(first('$__hour.lastEventAt')),
        'last event of the last hour',
      ),
      col(
        'health',
        'string',
        null,
        'Healthy, Degraded, Warning or Critical: the analytics rules over the last hour',
      ),
      col('revision', 'number', '$revision', 'bumped on every change'),
      col('created_at', 'date', '$createdAt', 'created at'),
      col('updated_at', 'date', '$updatedAt', 'last changed at'),
    ],
  },
  {
    name: 'active_change_streams',
    callable: true,
    collection: 'leases',
    doc: 'The change streams running now: one row per subscription whose lease is held',
    serviceField: '__service',
    prelude: ({ now }) => [
      { $match: { $expr: { $gt: ['$expiresAt', { $literal: now }] } } },
      {
        $lookup: {
          from: 'subscriptions',
          let: { name: '$_id' },
          pipeline: [
            { $match: { $expr: { $eq: ['$_id', '$$name'] } } },
            { $project: { serviceName: 1, source: 1 } },
          ],
          as: '__subscription',
        },
      },
      { $set: { __service: first('$__subscription.serviceName') } },
      {
        $lookup: {
          from: 'checkpoints',
          let: { name: '$_id' },
          pipeline: [
            { $match: { $expr: { $eq: ['$_id', '$$name'] } } },
            { $project: { updatedAt: 1 } },
          ],
          as: '__checkpoint',
        },
      },
    ],
    columns: [
      col('subscription_name', 'string', '$_id', 'subscription'),
      col('service_name', 'string', ifNull('$__service'), 'owning service'),
      col(
        'database_name',
        'string',
        ifNull(first('$__subscription.source.database')),
        'watched database',
      ),
      col(
        'watch_collections',
        'json',
        ifNull(first('$__subscription.source.collections'), []),
        'watched collections',
      ),
      col('owner', 'string', '$owner', 'instance running it'),
      col('lease_token', 'number', '$token', 'fencing token'),
      col('worker_state', 'string', '$status.state', "the worker's state"),
      col(
        'last_error',
        'string',
        ifNull('$status.lastError.message'),
        "the worker's last stream error",
      ),
      col('acquired_at', 'date', '$acquiredAt', 'when the owner took the lease'),
      col('expires_at', 'date', '$expiresAt', 'lease expiry (renewed while running)'),
      col(
        'checkpoint_at',
        'date',
        ifNull(first('$__checkpoint.updatedAt')),
        'last checkpoint write',
      ),
    ],
  },
  {
    name: 'dead_letter_events',
    callable: true,
    collection: 'dead_letters',
    doc: 'Dead-letter queue entries',
    serviceField: 'service',
    columns: [
      col('id', 'string', { $toString: '$_id' }, 'entry id'),
      col('subscription_name', 'string', '$subscription', 'subscription'),
      col('service_name', 'string', '$service', 'owning service'),
      col('event_id', 'string', '$eventId', 'event id'),
      col('operation_type', 'string', ifNull('$event.operationType'), 'insert, update, ...'),
      col('database_name', 'string', ifNull('$event.ns.db'), 'database of the change'),
      col('collection_name', 'string', ifNull('$event.ns.coll'), 'collection of the change'),
      col('document_key', 'string', '$key', 'the ordering key (documentKey)'),
      col('attempts', 'number', '$attempts', 'attempts made'),
      col('error_name', 'string', ifNull('$error.name'), 'error class'),
      col('error_message', 'string', ifNull('$error.message'), 'last error'),
      col('error_code', 'string', ifNull({ $toString: '$error.code' }), 'error code'),
      col('status', 'string', '$status', 'pending, replayed or discarded'),
      col('replay_count', 'number', ifNull('$replayCount', 0), 'replays tried'),
      col('discard_reason', 'string', ifNull('$discardReason'), 'why it was discarded'),
      col(
        'truncated_fields',
        'json',
        ifNull('$truncated.droppedFields'),
        'fields of an event too large to keep whole that are not stored (null: whole)',
      ),
      col('first_failed_at', 'date', '$firstFailedAt', 'first failure'),
      col('last_failed_at', 'date', '$lastFailedAt', 'last failure'),
      col('created_at', 'date', '$createdAt', 'stored at'),
      col('updated_at', 'date', '$updatedAt', 'last changed at'),
    ],
  },
  {
    name: 'event_metrics',
    callable: false,
    collection: 'metrics_minutely',
    doc: 'Per-minute rollups per subscription: what the analytics endpoints sum',
    serviceField: 'service',
    columns: [
      col('subscription_name', 'string', '$subscription', 'subscription'),
      col('service_name', 'string', '$service', 'owning service'),
      col('minute', 'date', '$minute', 'start of the minute (UTC)'),
      col('received', 'number', ifNull('$counters.received', 0), 'events read from the stream'),
      col('delivered', 'number', ifNull('$counters.delivered', 0), 'events the handler accepted'),
      col(
        'failed_attempts',
        'number',
        ifNull('$counters.failedAttempts', 0),
        'failed handler attempts',
      ),
      col('retried', 'number', ifNull('$counters.retried', 0), 'retries scheduled'),
      col('dead_lettered', 'number', ifNull('$counters.deadLettered', 0), 'events dead-lettered'),
      col('replayed', 'number', ifNull('$counters.replayed', 0), 'replays delivered'),
      col('replay_failed', 'number', ifNull('$counters.replayFailed', 0), 'replays that failed'),
      col('handler_count', 'number', ifNull('$handler.count', 0), 'successful handler calls timed'),
      col('handler_sum_ms', 'number', ifNull('$handler.sumMs', 0), 'their total time'),
      col('handler_max_ms', 'number', ifNull('$handler.maxMs', 0), 'the longest'),
      col(
        'avg_handler_ms',
        'number',
        {
          $cond: [
            { $gt: [ifNull('$handler.count', 0), 0] },
            { $divide: ['$handler.sumMs', '$handler.count'] },
            0,
          ],
        },
        'handler_sum_ms / handler_count',
      ),
      col('latency_count', 'number', ifNull('$latency.count', 0), 'end-to-end latencies measured'),
      col('latency_sum_ms', 'number', ifNull('$latency.sumMs', 0), 'their total'),
      col('latency_max_ms', 'number', ifNull('$latency.maxMs', 0), 'the largest'),
      col('lag_max_ms', 'number', ifNull('$lagMaxMs', 0), 'largest checkpoint lag in the minute'),
      col('last_event_at', 'date', ifNull('$lastEventAt'), 'last event in the minute'),
      col('last_error_message', 'string', ifNull('$lastError.message'), 'last delivery error'),
      col('last_error_at', 'date', ifNull('$lastError.at'), 'when'),
    ],
  },
  {
    name: 'change_stream_events',
    callable: true,
    collection: JOURNAL_COLLECTION,
    doc: 'The event journal: one row per handled event of subscriptions with the journal enabled; each journal field (journal_fields) is a column too',
    serviceField: 'service',
    dynamicColumns: 'fields',
    columns: [
      col('event_id', 'string', '$eventId', 'event id (resume token)'),
      col('subscription_name', 'string', '$subscription', 'subscription'),
      col('service_name', 'string', '$service', 'the subscriber service'),
      col(
        'source_service',
        'string',
        ifNull('$sourceService'),
        'the service owning the watched collection',
      ),
      col('database_name', 'string', ifNull('$ns.db'), 'database of the change'),
      col('collection_name', 'string', ifNull('$ns.coll'), 'collection of the change'),
      col('operation_type', 'string', '$operationType', 'insert, update, ...'),
      col(
        'document_id',
        'string',
        ifNull({ $toString: '$documentKey._id' }),
        'the changed document _id',
      ),
      col('correlation_id', 'string', '$correlationId', 'business process id'),
      col('process_id', 'string', ifNull('$processId'), 'process id'),
      col(
        'processing_status',
        'string',
        '$outcome',
        'delivered, failed, dead-lettered or replayed',
      ),
      col('attempts', 'number', '$attempts', 'handler attempts'),
      col(
        'event_timestamp',
        'date',
        ifNull('$changedAt', '$receivedAt'),
        'when the change happened',
      ),
      col('received_at', 'date', '$receivedAt', 'when it was read'),
      col(
        'processed_at',
        'date',
        ifNull('$completedAt'),
        'when its outcome was reached (null while pending)',
      ),
      col('processing_duration_ms', 'number', '$handlingMs', 'time in the handler'),
      col('latency_ms', 'number', '$latencyMs', 'change to outcome'),
      col('size_bytes', 'number', '$sizeBytes', 'event size'),
      col('error_message', 'string', ifNull('$error.message'), 'last error'),
      col('fields', 'json', ifNull('$fields', {}), "the subscription's journal fields"),
    ],
  },
];

export function findTable(name: string): VirtualTable | undefined {
  const lower = name.toLowerCase();
  return VIRTUAL_TABLES.find((table) => table.name === lower);
}

/** The stages producing a table's rows (one field per column) for a caller. */
export function tableRowStages(
  table: VirtualTable,
  context: TableContext,
  services: readonly string[] | undefined,
): Stage[] {
  const stages: Stage[] = [];
  const scope = services ? { [table.serviceField]: { $in: [...services] } } : undefined;
  if (scope && table.serviceField !== '__service') {
    stages.push({ $match: scope });
  }
  stages.push(...(table.prelude?.(context) ?? []));
  if (scope && table.serviceField === '__service') {
    stages.push({ $match: scope });
  }
  const project: Record<string, unknown> = { _id: 0 };
  for (const column of table.columns) {
    project[column.name] =
      column.name === 'health' && table.name === 'event_subscriptions'
        ? healthExpression(context.health)
        : column.expr;
  }
  stages.push({ $project: project });
  return stages;
}
