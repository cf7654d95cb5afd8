import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { WorkerStatus } from './lease.types';

/** One per subscription, `_id` = subscription name. */
@Schema({ collection: 'leases', versionKey: false, minimize: false })
export class LeaseRecord {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  owner: string;

  @Prop({ type: Number, required: true })
  token: number;

  @Prop({ type: Date, required: true })
  expiresAt: Date;

  @Prop({ type: Date, required: true })
  acquiredAt: Date;

  @Prop({ type: Object, required: true })
  status: WorkerStatus;
}

export const LeaseSchema = SchemaFactory.createForClass(LeaseRecord);
