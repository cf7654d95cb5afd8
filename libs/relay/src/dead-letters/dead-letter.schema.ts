import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type {
  DeadLetterError,
  DeadLetterPosition,
  DeadLetterReplay,
  DeadLetterStatus,
  DeadLetterTruncation,
} from './dead-letter.types';

/** A replay job's hold on an entry, so two concurrent replays deliver it once. */
export interface DeadLetterClaim {
  by: string;
  until: Date;
}

@Schema({ collection: 'dead_letters', versionKey: false, minimize: false })
export class DeadLetterRecord {
  /** `${subscription}:${eventId}`: storing the same event twice updates one entry. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  subscription: string;

  @Prop({ type: String, required: true })
  service: string;

  @Prop({ type: String, required: true })
  eventId: string;

  @Prop({ type: Object, required: true })
  event: Record<string, unknown>;

  @Prop({ type: Object })
  truncated?: DeadLetterTruncation;

  @Prop({ type: String, required: true })
  key: string;

  @Prop({ type: Object, required: true })
  position: DeadLetterPosition;

  @Prop({ type: String, required: true })
  streamOrder: string;

  @Prop({ type: Number, required: true })
  attempts: number;

  @Prop({ type: Object, required: true })
  error: DeadLetterError;

  @Prop({ type: String, enum: ['pending', 'replayed', 'discarded'], required: true })
  status: DeadLetterStatus;

  @Prop({ type: Date, required: true })
  firstFailedAt: Date;

  @Prop({ type: Date, required: true })
  lastFailedAt: Date;

  @Prop({ type: Number, required: true })
  replayCount: number;

  @Prop({ type: [Object], required: true })
  replays: DeadLetterReplay[];

  @Prop({ type: String })
  discardReason?: string;

  @Prop({ type: Object })
  claim?: DeadLetterClaim | null;

  @Prop({ type: Date, required: true })
  createdAt: Date;

  @Prop({ type: Date, required: true })
  updatedAt: Date;

  /** TTL: MongoDB removes the document once this time has passed. */
  @Prop({ type: Date, required: true, expires: 0 })
  expireAt: Date;
}

export const DeadLetterSchema = SchemaFactory.createForClass(DeadLetterRecord);
// Listing: newest first, with a stable tie-break on the id.
DeadLetterSchema.index({ subscription: 1, status: 1, createdAt: -1, _id: -1 });
DeadLetterSchema.index({ createdAt: -1, _id: -1 });
// Replays: pending entries of one subscription in stream order.
DeadLetterSchema.index({ subscription: 1, status: 1, streamOrder: 1 });
