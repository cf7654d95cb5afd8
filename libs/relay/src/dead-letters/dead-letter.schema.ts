import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { DeadLetterError, DeadLetterStatus } from './dead-letter.types';

@Schema({ collection: 'dead_letters', versionKey: false, minimize: false })
export class DeadLetterRecord {
  /** `${subscription}:${eventId}`: storing the same event twice updates one entry. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  subscription: string;

  @Prop({ type: String, required: true })
  eventId: string;

  @Prop({ type: Object, required: true })
  event: Record<string, unknown>;

  @Prop({ type: String, required: true })
  key: string;

  @Prop({ type: Number, required: true })
  attempts: number;

  @Prop({ type: Object, required: true })
  error: DeadLetterError;

  @Prop({ type: String, enum: ['pending', 'replayed', 'discarded'], required: true })
  status: DeadLetterStatus;

  @Prop({ type: Date, required: true })
  createdAt: Date;

  @Prop({ type: Date, required: true })
  updatedAt: Date;

  /** TTL: MongoDB removes the document once this time has passed. */
  @Prop({ type: Date, required: true, expires: 0 })
  expireAt: Date;
}

export const DeadLetterSchema = SchemaFactory.createForClass(DeadLetterRecord);
DeadLetterSchema.index({ subscription: 1, status: 1, createdAt: -1 });
