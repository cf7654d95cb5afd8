import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** One shipment per order: `_id` is the order id, which makes scheduling idempotent. */
@Schema({ collection: 'shipments', versionKey: false })
export class Shipment {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  orderId: string;

  @Prop({ type: String, required: true })
  sku: string;

  @Prop({ type: Number, required: true })
  quantity: number;

  @Prop({ type: String, required: true })
  carrier: string;

  @Prop({ type: String, required: true })
  status: 'scheduled';

  @Prop({ type: Date, required: true })
  scheduledAt: Date;
}

export const ShipmentSchema = SchemaFactory.createForClass(Shipment);
