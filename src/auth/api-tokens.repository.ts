import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { API_TOKEN_MODEL, type ApiTokenRecord } from './api-token.schema';
import type { Role } from './roles';

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  services?: string[];
  hash: string;
  prefix: string;
  createdBy: string;
  createdAt: Date;
  expiresAt?: Date;
  revokedAt?: Date;
}

/** The `api_tokens` collection. Returns plain objects; the id is stored as `_id`. */
@Injectable()
export class ApiTokensRepository {
  constructor(@InjectModel(API_TOKEN_MODEL) private readonly model: Model<ApiTokenRecord>) {}

  async create(token: ApiToken): Promise<ApiToken> {
    const { id, ...rest } = token;
    const created = await this.model.create({ _id: id, ...rest });
    return fromRecord(created.toObject());
  }

  async findByHash(hash: string): Promise<ApiToken | null> {
    const record = await this.model.findOne({ hash }).lean<ApiTokenRecord>().exec();
    return record ? fromRecord(record) : null;
  }

  async findById(id: string): Promise<ApiToken | null> {
    const record = await this.model.findById(id).lean<ApiTokenRecord>().exec();
    return record ? fromRecord(record) : null;
  }

  /** Newest first. */
  async list(): Promise<ApiToken[]> {
    const records = await this.model.find().sort({ createdAt: -1 }).lean<ApiTokenRecord[]>().exec();
    return records.map(fromRecord);
  }

  /** Marks the token revoked; null when no token has this id. Revoking twice keeps the first time. */
  async revoke(id: string, at: Date): Promise<ApiToken | null> {
    await this.model.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: at } }).exec();
    const record = await this.model.findById(id).lean<ApiTokenRecord>().exec();
    return record ? fromRecord(record) : null;
  }

  /** Whether an admin token is usable at `now` (not revoked, not expired). */
  async hasUsableAdmin(now: Date): Promise<boolean> {
    const count = await this.model
      .countDocuments({
        role: 'admin',
        revokedAt: null,
        $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
      })
      .exec();
    return count > 0;
  }
}

function fromRecord(record: ApiTokenRecord): ApiToken {
  const { _id, services, expiresAt, revokedAt, ...rest } = record;
  return {
    id: _id,
    ...rest,
    ...(services != null ? { services } : {}),
    ...(expiresAt != null ? { expiresAt } : {}),
    ...(revokedAt != null ? { revokedAt } : {}),
  };
}
