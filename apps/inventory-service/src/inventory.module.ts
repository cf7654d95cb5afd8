import { DynamicModule, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ChangeRelayModule, type ChangeRelayOptions } from '@app/relay';
import { version } from '../../../package.json';
import type { InventoryConfig } from './inventory.config';
import { Reservation, ReservationSchema } from './reservations/reservation.schema';
import {
  INVENTORY_CONNECTION,
  ReservationsRepository,
} from './reservations/reservations.repository';
import { ReserveStockHandler } from './reservations/reserve-stock.handler';

/**
 * An example microservice embedding the Change Relay runtime: its handler runs the
 * subscriptions that name it, wherever they were created (REST, GraphQL).
 */
/** An unreachable MongoDB stops the start within seconds, with the reason, instead of retrying. */
const FAIL_FAST = { serverSelectionTimeoutMS: 5_000, retryAttempts: 0 };

@Module({})
export class InventoryModule {
  static forRoot(config: InventoryConfig, relay: Partial<ChangeRelayOptions> = {}): DynamicModule {
    return {
      module: InventoryModule,
      imports: [
        // Default connection: Change Relay's metadata database (subscriptions, leases, ...).
        MongooseModule.forRoot(config.mongodbUri, { dbName: config.metadataDb, ...FAIL_FAST }),
        // The service's own data.
        MongooseModule.forRoot(config.mongodbUri, {
          dbName: config.inventoryDb,
          connectionName: INVENTORY_CONNECTION,
          ...FAIL_FAST,
        }),
        MongooseModule.forFeature(
          [{ name: Reservation.name, schema: ReservationSchema }],
          INVENTORY_CONNECTION,
        ),
        ChangeRelayModule.forRoot({
          instanceId: config.instanceId,
          serviceName: 'inventory',
          leaseTtlMs: config.leaseTtlMs,
          version,
          secretKeys: config.secretKeys,
          webhookTargets: {
            allowPrivate: config.webhookAllowPrivate,
            allowedHosts: config.webhookAllowedHosts,
          },
          ...relay,
        }),
      ],
      providers: [ReservationsRepository, ReserveStockHandler],
    };
  }
}
