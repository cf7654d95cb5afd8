import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Shipment } from './shipment.schema';

export const SHIPPING_CONNECTION = 'shipping';

@Injectable()
export class ShipmentsRepository {
  constructor(
    @InjectModel(Shipment.name, SHIPPING_CONNECTION) private readonly model: Model<Shipment>,
  ) {}

  /** Schedules the order's shipment once: a redelivered event finds it and changes nothing. */
  async scheduleOnce(shipment: Shipment): Promise<boolean> {
    const { _id, ...fields } = shipment;
    const result = await this.model
      .updateOne({ _id }, { $setOnInsert: fields }, { upsert: true })
      .exec();
    return result.upsertedCount > 0;
  }

  async findByOrder(orderId: string): Promise<Shipment | null> {
    return this.model.findById(orderId).lean<Shipment>().exec();
  }
}
