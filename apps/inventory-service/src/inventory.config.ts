import { hostname } from 'node:os';

/**
 * The embedded backend of a local `npm start` (EMBEDDED_MONGO_PORT's default): with no setting,
 * the example joins the Change Relay server running on this machine.
 */
export const LOCAL_CHANGE_RELAY_URI = 'mongodb://127.0.0.1:27027/?replicaSet=rs0';

/** The example service's configuration, read once from the environment at boot. */
export interface InventoryConfig {
  mongodbUri: string;
  /** Change Relay's metadata database, shared with the Change Relay server. */
  metadataDb: string;
  /** This service's own data. */
  inventoryDb: string;
  instanceId: string;
  leaseTtlMs: number;
  /**
   * The Change Relay server's SECRET_KEY (then SECRET_KEY_PREVIOUS): every process that runs
   * workers may run a webhook subscription, whose secrets are sealed with it.
   */
  secretKeys: Buffer[];
  webhookAllowPrivate: boolean;
  webhookAllowedHosts: string[];
}

export function loadInventoryConfig(env: Record<string, string | undefined>): InventoryConfig {
  const leaseTtlMs = Number(env.LEASE_TTL_MS ?? 15_000);
  if (!Number.isInteger(leaseTtlMs) || leaseTtlMs < 1_000) {
    throw new Error(`LEASE_TTL_MS must be an integer >= 1000 (got ${env.LEASE_TTL_MS})`);
  }
  return {
    mongodbUri: env.MONGODB_URI || LOCAL_CHANGE_RELAY_URI,
    metadataDb: env.MONGODB_DB || 'change_relay',
    inventoryDb: env.INVENTORY_DB || 'inventory',
    instanceId: env.INSTANCE_ID || `inventory-${hostname()}-${process.pid}`,
    leaseTtlMs,
    secretKeys: [env.SECRET_KEY, ...(env.SECRET_KEY_PREVIOUS ?? '').split(',')]
      .map((key) => key?.trim() ?? '')
      .filter((key) => key !== '')
      .map(decodeKey),
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE === 'true',
    webhookAllowedHosts: (env.WEBHOOK_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((host) => host.trim())
      .filter((host) => host !== ''),
  };
}

/** 64 hex digits or base64 of 32 bytes, as the Change Relay server reads SECRET_KEY. */
function decodeKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, 'hex')
    : Buffer.from(value, 'base64');
  if (key.length !== 32) {
    throw new Error('SECRET_KEY must be 64 hex digits or base64 of 32 bytes');
  }
  return key;
}
