import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** One mutation as the audit log keeps it. */
@Schema({ collection: 'audit_log', versionKey: false })
export class AuditEntryRecord {
  @Prop({ type: Date, required: true, index: true })
  at: Date;

  /** The principal id (token id, `admin-token`, `anonymous` with AUTH_DISABLED). */
  @Prop({ type: String, required: true })
  actorId: string;

  @Prop({ type: String, required: true })
  actorName: string;

  @Prop({ type: String, required: true })
  role: string;

  /** `POST /api/v1/subscriptions/:name/pause` or `mutation pauseSubscription`. */
  @Prop({ type: String, required: true })
  action: string;

  /** The subscription name or token id acted on, when there is one. */
  @Prop({ type: String })
  target?: string;

  /** `ok`, or the error status / code. */
  @Prop({ type: String, required: true })
  outcome: string;

  @Prop({ type: String, required: true })
  ip: string;

  @Prop({ type: String })
  userAgent?: string;
}

export const AuditEntrySchema = SchemaFactory.createForClass(AuditEntryRecord);
export const AUDIT_ENTRY_MODEL = 'AuditEntry';
