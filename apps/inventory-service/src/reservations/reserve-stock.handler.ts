import { Logger } from '@nestjs/common';
import {
  ChangeHandler,
  NonRetryableError,
  type ChangeEventEnvelope,
  type EventHandler,
  type HandlerContext,
} from '@app/relay';
import { ReservationsRepository } from './reservations.repository';

interface OrderDocument {
  _id: unknown;
  sku?: unknown;
  quantity?: unknown;
}

/**
 * Reserves stock when an order is inserted. An operator subscribes it to the orders collection
 * with `handler: { type: 'provider', name: 'inventory.reserve-stock' }` and `operationTypes:
 * ['insert']`. Idempotent by event id, as every handler must be (delivery is at least once).
 */
@ChangeHandler('inventory.reserve-stock')
export class ReserveStockHandler implements EventHandler {
  private readonly logger = new Logger(ReserveStockHandler.name);

  constructor(private readonly reservations: ReservationsRepository) {}

  async handle(event: ChangeEventEnvelope, _ctx: HandlerContext): Promise<void> {
    const order = event.fullDocument as OrderDocument | null | undefined;
    if (event.operationType !== 'insert' || !order) {
      return;
    }
    if (
      typeof order.sku !== 'string' ||
      typeof order.quantity !== 'number' ||
      order.quantity <= 0
    ) {
      // Retrying cannot fix a malformed order: straight to the dead-letter queue.
      throw new NonRetryableError(`Order ${String(order._id)} has no valid sku/quantity`);
    }
    const created = await this.reservations.reserveOnce({
      _id: event.id,
      orderId: String(order._id),
      sku: order.sku,
      quantity: order.quantity,
      reservedAt: new Date(),
    });
    if (created) {
      this.logger.log(`Reserved ${order.quantity} x ${order.sku} for order ${String(order._id)}`);
    }
  }
}
