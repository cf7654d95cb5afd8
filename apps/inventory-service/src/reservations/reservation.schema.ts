import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** Stock reserved for one order line; `_id` is the change event id, which makes it idempotent. */
@Schema({ collection: 'reservations', versionKey: false })
export class Reservation {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  orderId: string;

  @Prop({ type: String, required: true })
  sku: string;

  @Prop({ type: Number, required: true })
  quantity: number;

  @Prop({ type: Date, required: true })
  reservedAt: Date;
}

export const ReservationSchema = SchemaFactory.createForClass(Reservation);
