import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Timestamp } from 'bson';
import type { StreamPosition } from './checkpoint.types';

/** One per subscription, `_id` = subscription name. */
@Schema({ collection: 'checkpoints', versionKey: false, minimize: false })
export class CheckpointRecord {
  @Prop({ type: String, required: true })
  _id: string;

  /** A tagged position (BSON types kept as the driver gives them). */
  @Prop({ type: Object })
  position?: StreamPosition;

  @Prop({ type: Number })
  epoch?: number;

  @Prop({ type: Date, required: true })
  updatedAt: Date;

  @Prop({ type: Number, required: true })
  leaseToken: number;

  /** Before tagged positions: the resume token and its cluster time (read, never written). */
  @Prop({ type: Object })
  resumeToken?: unknown;

  @Prop({ type: Object })
  clusterTime?: Timestamp;
}

export const CheckpointSchema = SchemaFactory.createForClass(CheckpointRecord);
