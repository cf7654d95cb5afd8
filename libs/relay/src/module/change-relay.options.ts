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
  /** Where webhooks may go besides public addresses (default: public addresses only). */
  webhookTargets?: WebhookTargetOptions;
  /**
   * 32-byte keys that open webhook secrets sealed at rest (the first one seals; the others are
   * previous keys, kept for rotation). Default: none, and sealed secrets cannot be opened.
   */
  secretKeys?: readonly Buffer[];
}

export type ResolvedChangeRelayOptions = Required<ChangeRelayOptions>;

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
    webhookTargets: options.webhookTargets ?? {},
    secretKeys: options.secretKeys ?? [],
  };
}
