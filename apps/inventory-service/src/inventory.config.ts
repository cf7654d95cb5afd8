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
  };
}
