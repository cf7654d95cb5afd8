import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Timestamp } from 'bson';

/** One per subscription, `_id` = subscription name. */
@Schema({ collection: 'checkpoints', versionKey: false, minimize: false })
export class CheckpointRecord {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Object })
  resumeToken: unknown;

  @Prop({ type: Object })
  clusterTime?: Timestamp;

  @Prop({ type: Object })
  startAtOperationTime?: Timestamp;

  @Prop({ type: Date, required: true })
  updatedAt: Date;

  @Prop({ type: Number, required: true })
  leaseToken: number;
}

export const CheckpointSchema = SchemaFactory.createForClass(CheckpointRecord);
