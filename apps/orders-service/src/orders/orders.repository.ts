import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Order } from './order.schema';

export const SHOP_CONNECTION = 'shop';

@Injectable()
export class OrdersRepository {
  constructor(@InjectModel(Order.name, SHOP_CONNECTION) private readonly model: Model<Order>) {}

  /**
   * Moves a placed order to `shipping`. Only from `placed`: a redelivered or late event never
   * moves an order back or twice.
   */
  async markShipping(orderId: string, carrier: string): Promise<boolean> {
    const result = await this.model
      .updateOne({ _id: orderId, status: 'placed' }, { $set: { status: 'shipping', carrier } })
      .exec();
    return result.modifiedCount > 0;
  }

  async findById(orderId: string): Promise<Order | null> {
    return this.model.findById(orderId).lean<Order>().exec();
  }
}
