import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Timestamp } from 'bson';
import {
  DESIRED_STATES,
  type CorrelationSettings,
  type JournalSettings,
  type DeadLetterSettings,
  type DeliverySettings,
  type DesiredState,
  type HandlerSpec,
  type RetrySettings,
  type StaleInfo,
  type StartFrom,
  type SubscriptionSource,
} from './subscription.types';

/**
 * A subscription as stored: `_id` is the name, so uniqueness needs no index build and a delete
 * event's documentKey names the subscription. Nested parts are stored as given (the admin API
 * validates them); `minimize: false` keeps empty objects such as `headers: {}`.
 */
@Schema({ collection: 'subscriptions', versionKey: false, minimize: false })
export class SubscriptionRecord {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true, index: true })
  serviceName: string;

  @Prop({ type: String, default: '' })
  description: string;

  @Prop({ type: String })
  createdBy?: string;

  @Prop({ type: Object, required: true })
  source: SubscriptionSource;

  @Prop({ type: Object, required: true })
  handler: HandlerSpec;

  @Prop({ type: Object, required: true })
  delivery: DeliverySettings;

  @Prop({ type: Object, required: true })
  retry: RetrySettings;

  @Prop({ type: Object, required: true })
  deadLetter: DeadLetterSettings;

  @Prop({ type: Object })
  journal?: JournalSettings;

  @Prop({ type: Object })
  correlation?: CorrelationSettings;

  @Prop({ type: Object, required: true })
  startFrom: StartFrom;

  /** A BSON Timestamp (Mixed keeps the driver's type as is). */
  @Prop({ type: Object, required: true })
  startAtOperationTime: Timestamp;

  @Prop({ type: Boolean })
  snapshotFirst?: boolean;

  @Prop({ type: Number })
  epoch?: number;

  @Prop({ type: String, enum: DESIRED_STATES, required: true })
  desiredState: DesiredState;

  @Prop({ type: Object })
  stale?: StaleInfo;

  @Prop({ type: Number, required: true })
  revision: number;

  @Prop({ type: Date, required: true })
  createdAt: Date;

  @Prop({ type: Date, required: true })
  updatedAt: Date;
}

export const SubscriptionSchema = SchemaFactory.createForClass(SubscriptionRecord);
