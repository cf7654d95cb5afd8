import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { ErrorTally } from './metrics.errors';
import type { DurationSummary, RecordedError, SubscriptionCounters } from './metrics.types';

/** Days a minute rollup is kept (a TTL index on `expireAt` removes it). */
export const METRICS_RETENTION_DAYS = 30;

/**
 * One document per subscription and minute, `_id` = `${subscription}|${minute ISO}`. Owners
 * `$inc` their deltas into it every few seconds, so counts from several owners of one minute
 * (a handover) add up instead of overwriting each other.
 */
@Schema({ collection: 'metrics_minutely', versionKey: false, minimize: false })
export class MetricsMinuteRecord {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  subscription: string;

  @Prop({ type: String, required: true })
  service: string;

  @Prop({ type: Date, required: true })
  minute: Date;

  @Prop({ type: Object, required: true })
  counters: SubscriptionCounters;

  @Prop({ type: Object, required: true })
  handler: DurationSummary;

  @Prop({ type: Object })
  latency?: DurationSummary;

  @Prop({ type: Object })
  byOperation?: Record<string, number>;

  @Prop({ type: Object })
  byCollection?: Record<string, number>;

  @Prop({ type: Number })
  lagMaxMs?: number;

  @Prop({ type: Date })
  lastEventAt?: Date;

  @Prop({ type: Object })
  lastError?: RecordedError;

  /**
   * Failures by error signature (at most `MAX_ERROR_SIGNATURES` + `(other)` per owner and
   * minute). Not `errors`: mongoose reserves that path name.
   */
  @Prop({ type: Object })
  failures?: Record<string, ErrorTally>;

  @Prop({ type: Date, required: true, expires: 0 })
  expireAt: Date;
}

export const MetricsMinuteSchema = SchemaFactory.createForClass(MetricsMinuteRecord);
MetricsMinuteSchema.index({ subscription: 1, minute: 1 });
