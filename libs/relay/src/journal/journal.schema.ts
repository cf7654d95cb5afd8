import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import {
  JOURNAL_COLLECTION,
  JOURNAL_OUTCOMES,
  type JournalError,
  type JournalOutcome,
} from './journal.types';

/** See `JournalRecord` (journal.types.ts) for the meaning of each field. */
@Schema({ collection: JOURNAL_COLLECTION, versionKey: false, minimize: false })
export class JournalRecordDocument {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  eventId: string;

  @Prop({ type: String, required: true })
  subscription: string;

  @Prop({ type: String, required: true })
  service: string;

  @Prop({ type: String, default: null })
  sourceService: string | null;

  @Prop({ type: Object, required: true })
  ns: { db: string; coll: string | null };

  @Prop({ type: String, required: true })
  operationType: string;

  @Prop({ type: Object, default: null })
  documentKey: Record<string, unknown> | null;

  @Prop({ type: String, required: true })
  correlationId: string;

  @Prop({ type: String, default: null })
  processId: string | null;

  @Prop({ type: String, enum: JOURNAL_OUTCOMES, required: true })
  outcome: JournalOutcome;

  @Prop({ type: Number, required: true })
  attempts: number;

  @Prop({ type: Date, default: null })
  changedAt: Date | null;

  @Prop({ type: Date, required: true })
  receivedAt: Date;

  @Prop({ type: Date, default: null })
  completedAt: Date | null;

  @Prop({ type: Number, required: true })
  handlingMs: number;

  @Prop({ type: Number, required: true })
  latencyMs: number;

  @Prop({ type: Number, required: true })
  sizeBytes: number;

  @Prop({ type: Object, required: true })
  fields: Record<string, unknown>;

  @Prop({ type: Object, default: null })
  error: JournalError | null;

  /** TTL: MongoDB removes the record once this time has passed (per-subscription retention). */
  @Prop({ type: Date, required: true, expires: 0 })
  expireAt: Date;
}

export const JournalSchema = SchemaFactory.createForClass(JournalRecordDocument);
// Range queries of the analytics (processes, interactions): by receipt time (set on every
// record, pending ones included).
JournalSchema.index({ receivedAt: -1 });
// One process's timeline.
JournalSchema.index({ correlationId: 1, receivedAt: 1 });
// Per subscription / per service ranges (SQL table filters, service filter of processes).
JournalSchema.index({ subscription: 1, receivedAt: -1 });
JournalSchema.index({ service: 1, receivedAt: -1 });
