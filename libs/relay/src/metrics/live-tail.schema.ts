import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { LiveDelivery } from './live-tail.types';

/** Seconds a published live-tail batch is kept (readers follow inserts as they happen). */
export const LIVE_TAIL_TTL_S = 60;

/** A batch of one subscription's deliveries, published by its owner while someone watches. */
@Schema({ collection: 'live_tail', versionKey: false })
export class LiveTailRecord {
  @Prop({ type: String, required: true })
  subscription: string;

  @Prop({ type: Date, required: true, expires: LIVE_TAIL_TTL_S })
  at: Date;

  @Prop({ type: [Object], required: true })
  deliveries: LiveDelivery[];

  @Prop({ type: Number, required: true })
  seen: number;
}

export const LiveTailSchema = SchemaFactory.createForClass(LiveTailRecord);

/** Someone (a GraphQL subscription on some instance) watches a subscription's live tail. */
@Schema({ collection: 'live_tail_watchers', versionKey: false })
export class LiveTailWatcherRecord {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true, index: true })
  subscription: string;

  /** Renewed by the watcher while it listens; expired watchers are ignored, then removed. */
  @Prop({ type: Date, required: true, expires: 0 })
  expiresAt: Date;
}

export const LiveTailWatcherSchema = SchemaFactory.createForClass(LiveTailWatcherRecord);
