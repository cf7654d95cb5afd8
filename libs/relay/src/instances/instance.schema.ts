import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** Heartbeat of one process, `_id` = instance id. Forgotten a day after its last beat. */
@Schema({ collection: 'instances', versionKey: false })
export class InstanceRecord {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  service: string;

  @Prop({ type: [String], required: true })
  handlers: string[];

  @Prop({ type: String, required: true })
  version: string;

  @Prop({ type: Number })
  maxSubscriptions?: number;

  @Prop({ type: Date, required: true })
  startedAt: Date;

  @Prop({ type: Date, required: true, expires: 86_400 })
  lastSeen: Date;
}

export const InstanceSchema = SchemaFactory.createForClass(InstanceRecord);
