import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { CommandState } from './command.types';

/** Days a finished command is kept (a TTL index on `expireAt` removes it). */
export const COMMAND_RETENTION_DAYS = 7;

@Schema({ collection: 'commands', versionKey: false, minimize: false })
export class CommandRecord {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  subscription: string;

  @Prop({ type: String, required: true })
  type: string;

  @Prop({ type: Object, required: true })
  args: Record<string, unknown>;

  @Prop({ type: String, required: true })
  state: CommandState;

  @Prop({ type: Date, required: true })
  createdAt: Date;

  @Prop({ type: Date, required: true })
  updatedAt: Date;

  @Prop({ type: String })
  owner?: string;

  @Prop({ type: Number })
  leaseToken?: number;

  @Prop({ type: Date })
  startedAt?: Date;

  @Prop({ type: Date })
  finishedAt?: Date;

  @Prop({ type: Object })
  progress?: Record<string, unknown>;

  @Prop({ type: Object })
  result?: Record<string, unknown>;

  @Prop({ type: Object })
  error?: { message: string; code?: string };

  @Prop({ type: Date, required: true, expires: 0 })
  expireAt: Date;
}

export const CommandSchema = SchemaFactory.createForClass(CommandRecord);
CommandSchema.index({ subscription: 1, state: 1, createdAt: 1 });
