import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export type OrderStatus = 'placed' | 'shipping';

/** An order: placed by a customer, `shipping` once the shipping service scheduled it. */
@Schema({ collection: 'orders', versionKey: false })
export class Order {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  sku: string;

  @Prop({ type: Number, required: true })
  quantity: number;

  @Prop({ type: String, required: true })
  status: OrderStatus;

  @Prop({ type: String })
  carrier?: string;

  @Prop({ type: Date, required: true })
  placedAt: Date;
}

export const OrderSchema = SchemaFactory.createForClass(Order);
