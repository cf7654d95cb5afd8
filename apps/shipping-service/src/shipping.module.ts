import { DynamicModule, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ChangeRelayModule, type ChangeRelayOptions } from '@app/relay';
import { version } from '../../../package.json';
import { ScheduleShipmentHandler } from './shipments/schedule-shipment.handler';
import { Shipment, ShipmentSchema } from './shipments/shipment.schema';
import { SHIPPING_CONNECTION, ShipmentsRepository } from './shipments/shipments.repository';
import type { ShippingConfig } from './shipping.config';

/** An unreachable MongoDB stops the start within seconds, with the reason, instead of retrying. */
const FAIL_FAST = { serverSelectionTimeoutMS: 5_000, retryAttempts: 0 };

/** The shipping example: schedules a shipment for every stock reservation. */
@Module({})
export class ShippingModule {
  static forRoot(config: ShippingConfig, relay: Partial<ChangeRelayOptions> = {}): DynamicModule {
    return {
      module: ShippingModule,
      imports: [
        // Default connection: Change Relay's metadata database (subscriptions, leases, ...).
        MongooseModule.forRoot(config.mongodbUri, { dbName: config.metadataDb, ...FAIL_FAST }),
        MongooseModule.forRoot(config.mongodbUri, {
          dbName: config.shippingDb,
          connectionName: SHIPPING_CONNECTION,
          ...FAIL_FAST,
        }),
        MongooseModule.forFeature(
          [{ name: Shipment.name, schema: ShipmentSchema }],
          SHIPPING_CONNECTION,
        ),
        ChangeRelayModule.forRoot({
          instanceId: config.instanceId,
          serviceName: 'shipping',
          version,
          ...relay,
        }),
      ],
      providers: [ShipmentsRepository, ScheduleShipmentHandler],
    };
  }
}
