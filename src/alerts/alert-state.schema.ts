import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { AlertCondition } from './alert.rules';

export const ALERT_STATE_MODEL = 'AlertState';

/**
 * One document per subscription: what its alert receivers were last told, and when. Plus one
 * `~evaluator` document: the lease of the instance that evaluates alerts.
 */
@Schema({ collection: 'alert_states', versionKey: false })
export class AlertStateRecord {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Object })
  condition?: AlertCondition;

  @Prop({ type: Date })
  sentAt?: Date;

  @Prop({ type: Number })
  version?: number;

  /** The evaluator lease: holder and expiry. */
  @Prop({ type: String })
  owner?: string;

  @Prop({ type: Date })
  expiresAt?: Date;
}

export const AlertStateSchema = SchemaFactory.createForClass(AlertStateRecord);
