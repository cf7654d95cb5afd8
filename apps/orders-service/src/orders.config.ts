import { hostname } from 'node:os';

/** The embedded backend of a local `npm start` (its EMBEDDED_MONGO_PORT default). */
export const LOCAL_CHANGE_RELAY_URI = 'mongodb://127.0.0.1:27027/?replicaSet=rs0';

/** The example service's configuration, read once from the environment at boot. */
export interface OrdersConfig {
  mongodbUri: string;
  /** Change Relay's metadata database, shared with the Change Relay server. */
  metadataDb: string;
  /** This service's own data: the `orders` collection the flow starts from. */
  shopDb: string;
  instanceId: string;
}

export function loadOrdersConfig(env: Record<string, string | undefined>): OrdersConfig {
  return {
    mongodbUri: env.MONGODB_URI || LOCAL_CHANGE_RELAY_URI,
    metadataDb: env.MONGODB_DB || 'change_relay',
    shopDb: env.SHOP_DB || 'shop',
    instanceId: env.INSTANCE_ID || `orders-${hostname()}-${process.pid}`,
  };
}
