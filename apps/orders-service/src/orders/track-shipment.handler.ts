import { Logger } from '@nestjs/common';
import {
  ChangeHandler,
  NonRetryableError,
  type ChangeEventEnvelope,
  type EventHandler,
  type HandlerContext,
} from '@app/relay';
import { OrdersRepository } from './orders.repository';

interface ShipmentDocument {
  orderId?: unknown;
  carrier?: unknown;
}

/**
 * Closes the loop of the example flow: when the shipping service schedules a shipment, the
 * order becomes `shipping`. Subscribed to `shipping.shipments` inserts with `handler: { type:
 * 'provider', name: 'orders.track-shipment' }`. Idempotent: only a placed order changes.
 */
@ChangeHandler('orders.track-shipment')
export class TrackShipmentHandler implements EventHandler {
  private readonly logger = new Logger(TrackShipmentHandler.name);

  constructor(private readonly orders: OrdersRepository) {}

  async handle(event: ChangeEventEnvelope, _ctx: HandlerContext): Promise<void> {
    const shipment = event.fullDocument as ShipmentDocument | null | undefined;
    if (event.operationType !== 'insert' || !shipment) {
      return;
    }
    const { orderId, carrier } = shipment;
    if (typeof orderId !== 'string' || typeof carrier !== 'string') {
      throw new NonRetryableError(`Shipment ${event.id} has no orderId/carrier`);
    }
    if (await this.orders.markShipping(orderId, carrier)) {
      this.logger.log(`Order ${orderId} is shipping (${carrier})`);
    }
  }
}
