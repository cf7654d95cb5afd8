import { Logger } from '@nestjs/common';
import {
  ChangeHandler,
  NonRetryableError,
  type ChangeEventEnvelope,
  type EventHandler,
  type HandlerContext,
} from '@app/relay';
import { ShipmentsRepository } from './shipments.repository';

interface ReservationDocument {
  orderId?: unknown;
  sku?: unknown;
  quantity?: unknown;
}

/**
 * Schedules a shipment when the inventory service reserves stock for an order: subscribed to
 * `inventory.reservations` inserts with `handler: { type: 'provider', name:
 * 'shipping.schedule-shipment' }`. Idempotent by order id (delivery is at least once).
 */
@ChangeHandler('shipping.schedule-shipment')
export class ScheduleShipmentHandler implements EventHandler {
  private readonly logger = new Logger(ScheduleShipmentHandler.name);

  constructor(private readonly shipments: ShipmentsRepository) {}

  async handle(event: ChangeEventEnvelope, _ctx: HandlerContext): Promise<void> {
    const reservation = event.fullDocument as ReservationDocument | null | undefined;
    if (event.operationType !== 'insert' || !reservation) {
      return;
    }
    const { orderId, sku, quantity } = reservation;
    if (typeof orderId !== 'string' || typeof sku !== 'string' || typeof quantity !== 'number') {
      throw new NonRetryableError(`Reservation ${event.id} has no orderId/sku/quantity`);
    }
    const created = await this.shipments.scheduleOnce({
      _id: orderId,
      orderId,
      sku,
      quantity,
      carrier: quantity > 10 ? 'freight' : 'parcel-post',
      status: 'scheduled',
      scheduledAt: new Date(),
    });
    if (created) {
      this.logger.log(`Scheduled shipment of ${quantity} x ${sku} for order ${orderId}`);
    }
  }
}
