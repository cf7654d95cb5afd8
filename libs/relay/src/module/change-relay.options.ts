import type { WebhookTargetOptions } from '../handlers/webhook/webhook-target.policy';

/** What a host application passes to `ChangeRelayModule.forRoot()` / `forRootAsync()`. */
export interface ChangeRelayOptions {
  /** Unique per process: the lease owner and the `instances` id. */
  instanceId: string;
  /** The microservice this process belongs to (recorded in `instances`, put in envelopes). */
  serviceName: string;
  /** How long a lease lasts without renewal (default 15000, min 1000). Renewed every third of it. */
  leaseTtlMs?: number;
  /** Heartbeat into `instances` (default: a third of the lease TTL, at most 5000). */
  heartbeatIntervalMs?: number;
  /** Periodic reconcile, the fallback when the `subscriptions` watch misses something (default 5000). */
  reconcileIntervalMs?: number;
  /** False: repositories and handler discovery only, no workers (e.g. an API-only process). */
  runWorkers?: boolean;
  /** Reported in `instances` (default '0.0.0'). */
  version?: string;
  /** How often a worker persists its checkpoint at most (default 1000). */
  checkpointIntervalMs?: number;
  /** Events in flight per worker; the change stream is not read past it (default 1000). */
  maxInFlight?: number;
  /** How long a getMore waits for events (default 1000). */
  maxAwaitTimeMs?: number;
  /**
   * A quiet (or heavily filtered) stream advances its checkpoint from the cursor's resume token
   * at most this often (default 5000), so the token never ages out of the oplog.
   */
  idleCheckpointIntervalMs?: number;
  /** First and longest delay between restarts of a failing worker (defaults 500 / 30000). */
  restartBackoffMs?: { initial: number; max: number };
  /** Graceful shutdown: how long workers may drain before they are abandoned (default 5000). */
  shutdownTimeoutMs?: number;
  /**
   * The most subscriptions this instance runs at once (default: no limit beyond its fair share).
   * Other instances take over what it cannot.
   */
  maxSubscriptionsPerInstance?: number;
  /**
   * Built-in handlers this process runs besides its own `@ChangeHandler`s (default none: an
   * embedding microservice never takes other teams' webhook subscriptions or sees their
   * secrets). The Change Relay server runs both.
   */
  builtInHandlers?: BuiltInHandlerName[];
  /**
   * Process-wide cap on events buffered by all workers together (read from streams and not yet
   * settled), shared fairly between them; `maxInFlight` still caps each one (default 10000).
   */
  maxBufferedEvents?: number;
  /** Process-wide cap on the bytes of those events (BSON size; default 64 MiB). */
  maxBufferedBytes?: number;
  /** How often worker metrics are flushed into `metrics_minutely` (default 5000). */
  metricsFlushIntervalMs?: number;
  /** How often buffered event journal records are written (default 1000). */
  journalFlushIntervalMs?: number;
  /** Journal records written per bulk insert; a full batch is written at once (default 500). */
  journalBatchSize?: number;
  /**
   * Journal records buffered at most (default 10000); beyond, records are dropped and counted,
   * deliveries never wait for the journal.
   */
  journalMaxBuffered?: number;
  /** Where webhooks may go besides public addresses (default: public addresses only). */
  webhookTargets?: WebhookTargetOptions;
  /**
   * 32-byte keys that open webhook secrets sealed at rest (the first one seals; the others are
   * previous keys, kept for rotation). Default: none, and sealed secrets cannot be opened.
   */
  secretKeys?: readonly Buffer[];
  /**
   * Subscriptions of this instance that watch the same database with the same document modes,
   * and only filter (collections, operation types, `$match`), read one shared change stream
   * and are filtered in process (default false: one stream per subscription).
   */
  sharedStreams?: boolean;
}

export const BUILT_IN_HANDLER_NAMES = ['webhook', 'log'] as const;
export type BuiltInHandlerName = (typeof BUILT_IN_HANDLER_NAMES)[number];

export type ResolvedChangeRelayOptions = Required<
  Omit<ChangeRelayOptions, 'maxSubscriptionsPerInstance'>
> &
  Pick<ChangeRelayOptions, 'maxSubscriptionsPerInstance'>;

export const CHANGE_RELAY_OPTIONS = Symbol('CHANGE_RELAY_OPTIONS');

export const MIN_LEASE_TTL_MS = 1000;

/** Applies defaults and checks the bounds a misconfiguration would break silently. */
export function resolveChangeRelayOptions(options: ChangeRelayOptions): ResolvedChangeRelayOptions {
  if (!options.instanceId) {
    throw new Error('ChangeRelayModule: instanceId is required');
  }
  if (!options.serviceName) {
    throw new Error('ChangeRelayModule: serviceName is required');
  }
  const leaseTtlMs = options.leaseTtlMs ?? 15_000;
  if (!Number.isFinite(leaseTtlMs) || leaseTtlMs < MIN_LEASE_TTL_MS) {
    throw new Error(
      `ChangeRelayModule: leaseTtlMs must be >= ${MIN_LEASE_TTL_MS} (got ${leaseTtlMs})`,
    );
  }
  const { maxSubscriptionsPerInstance, builtInHandlers = [] } = options;
  if (
    maxSubscriptionsPerInstance !== undefined &&
    !(Number.isSafeInteger(maxSubscriptionsPerInstance) && maxSubscriptionsPerInstance >= 1)
  ) {
    throw new Error(
      `ChangeRelayModule: maxSubscriptionsPerInstance must be an integer >= 1 (got ${maxSubscriptionsPerInstance})`,
    );
  }
  const unknown = builtInHandlers.filter((name) => !BUILT_IN_HANDLER_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `ChangeRelayModule: builtInHandlers may only name ${BUILT_IN_HANDLER_NAMES.join(', ')} (got ${unknown.join(', ')})`,
    );
  }
  for (const [name, value] of Object.entries({
    maxBufferedEvents: options.maxBufferedEvents,
    maxBufferedBytes: options.maxBufferedBytes,
  })) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) {
      throw new Error(`ChangeRelayModule: ${name} must be an integer >= 1 (got ${value})`);
    }
  }
  return {
    instanceId: options.instanceId,
    serviceName: options.serviceName,
    leaseTtlMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? Math.min(5_000, Math.floor(leaseTtlMs / 3)),
    reconcileIntervalMs: options.reconcileIntervalMs ?? 5_000,
    runWorkers: options.runWorkers ?? true,
    version: options.version ?? '0.0.0',
    checkpointIntervalMs: options.checkpointIntervalMs ?? 1_000,
    maxInFlight: options.maxInFlight ?? 1_000,
    maxAwaitTimeMs: options.maxAwaitTimeMs ?? 1_000,
    idleCheckpointIntervalMs: options.idleCheckpointIntervalMs ?? 5_000,
    restartBackoffMs: options.restartBackoffMs ?? { initial: 500, max: 30_000 },
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000,
    maxSubscriptionsPerInstance,
    builtInHandlers: [...new Set(builtInHandlers)],
    maxBufferedEvents: options.maxBufferedEvents ?? 10_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 64 * 1024 * 1024,
    metricsFlushIntervalMs: options.metricsFlushIntervalMs ?? 5_000,
    journalFlushIntervalMs: options.journalFlushIntervalMs ?? 1_000,
    journalBatchSize: Math.max(1, options.journalBatchSize ?? 500),
    journalMaxBuffered: Math.max(1, options.journalMaxBuffered ?? 10_000),
    webhookTargets: options.webhookTargets ?? {},
    secretKeys: options.secretKeys ?? [],
    sharedStreams: options.sharedStreams ?? false,
  };
}
