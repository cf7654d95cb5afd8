import { DEFAULT_EMBEDDED_MONGO_PORT, loadConfig } from '../../../src/config/app-config';
import { LOCAL_CHANGE_RELAY_URI as ORDERS_URI } from '../../orders-service/src/orders.config';
import { LOCAL_CHANGE_RELAY_URI as SHIPPING_URI } from '../../shipping-service/src/shipping.config';
import { LOCAL_CHANGE_RELAY_URI, loadInventoryConfig } from './inventory.config';

describe(loadInventoryConfig.name, () => {
  it("joins a local server's embedded backend and metadata database with no setting", () => {
    const server = loadConfig({});
    expect(LOCAL_CHANGE_RELAY_URI).toBe(
      `mongodb://127.0.0.1:${DEFAULT_EMBEDDED_MONGO_PORT}/?replicaSet=rs0`,
    );
    expect(server.embeddedMongoPort).toBe(DEFAULT_EMBEDDED_MONGO_PORT);
    expect([ORDERS_URI, SHIPPING_URI]).toEqual([LOCAL_CHANGE_RELAY_URI, LOCAL_CHANGE_RELAY_URI]);
    expect(loadInventoryConfig({})).toMatchObject({
      mongodbUri: LOCAL_CHANGE_RELAY_URI,
      metadataDb: server.mongodbDb,
      inventoryDb: 'inventory',
    });
  });
});
