import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { ROLES, type Role } from './roles';

/** An API token as stored: only the SHA-256 of the token, never the token itself. */
@Schema({ collection: 'api_tokens', versionKey: false })
export class ApiTokenRecord {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  name: string;

  @Prop({ type: String, enum: ROLES, required: true })
  role: Role;

  /** Absent: every service. */
  @Prop({ type: [String], default: undefined })
  services?: string[];

  /** Hex SHA-256 of the token. */
  @Prop({ type: String, required: true, unique: true })
  hash: string;

  /** The first characters of the token, to recognise it in a list. */
  @Prop({ type: String, required: true })
  prefix: string;

  @Prop({ type: String, required: true })
  createdBy: string;

  @Prop({ type: Date, required: true })
  createdAt: Date;

  @Prop({ type: Date })
  expiresAt?: Date;

  @Prop({ type: Date })
  revokedAt?: Date;
}

export const ApiTokenSchema = SchemaFactory.createForClass(ApiTokenRecord);
export const API_TOKEN_MODEL = 'ApiToken';
