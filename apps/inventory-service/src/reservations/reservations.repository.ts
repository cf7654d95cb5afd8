import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Reservation } from './reservation.schema';

export const INVENTORY_CONNECTION = 'inventory';

@Injectable()
export class ReservationsRepository {
  constructor(
    @InjectModel(Reservation.name, INVENTORY_CONNECTION) private readonly model: Model<Reservation>,
  ) {}

  /** Records a reservation once: a redelivered event finds its id taken and changes nothing. */
  async reserveOnce(reservation: Reservation): Promise<boolean> {
    const { _id, ...fields } = reservation;
    const result = await this.model
      .updateOne({ _id }, { $setOnInsert: fields }, { upsert: true })
      .exec();
    return result.upsertedCount > 0;
  }

  async findByOrder(orderId: string): Promise<Reservation[]> {
    return this.model.find({ orderId }).sort({ sku: 1 }).lean<Reservation[]>().exec();
  }
}
