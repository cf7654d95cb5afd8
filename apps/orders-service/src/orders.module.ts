import { DynamicModule, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ChangeRelayModule, type ChangeRelayOptions } from '@app/relay';
import { version } from '../../../package.json';
import type { OrdersConfig } from './orders.config';
import { Order, OrderSchema } from './orders/order.schema';
import { OrdersRepository, SHOP_CONNECTION } from './orders/orders.repository';
import { TrackShipmentHandler } from './orders/track-shipment.handler';

/** An unreachable MongoDB stops the start within seconds, with the reason, instead of retrying. */
const FAIL_FAST = { serverSelectionTimeoutMS: 5_000, retryAttempts: 0 };

/** The orders example: where the flow starts (orders) and ends (orders become `shipping`). */
@Module({})
export class OrdersModule {
  static forRoot(config: OrdersConfig, relay: Partial<ChangeRelayOptions> = {}): DynamicModule {
    return {
      module: OrdersModule,
      imports: [
        // Default connection: Change Relay's metadata database (subscriptions, leases, ...).
        MongooseModule.forRoot(config.mongodbUri, { dbName: config.metadataDb, ...FAIL_FAST }),
        MongooseModule.forRoot(config.mongodbUri, {
          dbName: config.shopDb,
          connectionName: SHOP_CONNECTION,
          ...FAIL_FAST,
        }),
        MongooseModule.forFeature([{ name: Order.name, schema: OrderSchema }], SHOP_CONNECTION),
        ChangeRelayModule.forRoot({
          instanceId: config.instanceId,
          serviceName: 'orders',
          version,
          ...relay,
        }),
      ],
      providers: [OrdersRepository, TrackShipmentHandler],
    };
  }
}
