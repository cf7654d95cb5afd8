import { hostname } from 'node:os';

/** The embedded backend of a local `npm start` (its EMBEDDED_MONGO_PORT default). */
export const LOCAL_CHANGE_RELAY_URI = 'mongodb://127.0.0.1:27027/?replicaSet=rs0';

/** The example service's configuration, read once from the environment at boot. */
export interface ShippingConfig {
  mongodbUri: string;
  /** Change Relay's metadata database, shared with the Change Relay server. */
  metadataDb: string;
  /** This service's own data. */
  shippingDb: string;
  instanceId: string;
}

export function loadShippingConfig(env: Record<string, string | undefined>): ShippingConfig {
  return {
    mongodbUri: env.MONGODB_URI || LOCAL_CHANGE_RELAY_URI,
    metadataDb: env.MONGODB_DB || 'change_relay',
    shippingDb: env.SHIPPING_DB || 'shipping',
    instanceId: env.INSTANCE_ID || `shipping-${hostname()}-${process.pid}`,
  };
}
