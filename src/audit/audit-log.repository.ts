import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, QueryFilter } from 'mongoose';
import { AUDIT_ENTRY_MODEL, type AuditEntryRecord } from './audit-entry.schema';

export type AuditEntry = AuditEntryRecord & { id: string };

export interface AuditQuery {
  actorId?: string;
  since?: Date;
  limit: number;
}

/** The `audit_log` collection: append and read, newest first. */
@Injectable()
export class AuditLogRepository {
  constructor(@InjectModel(AUDIT_ENTRY_MODEL) private readonly model: Model<AuditEntryRecord>) {}

  async append(entry: AuditEntryRecord): Promise<void> {
    await this.model.create(entry);
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const filter: QueryFilter<AuditEntryRecord> = {};
    if (query.actorId !== undefined) {
      filter.actorId = query.actorId;
    }
    if (query.since !== undefined) {
      filter.at = { $gte: query.since };
    }
    const records = await this.model
      .find(filter)
      .sort({ at: -1, _id: -1 })
      .limit(query.limit)
      .lean<(AuditEntryRecord & { _id: { toHexString(): string } })[]>()
      .exec();
    return records.map(({ _id, ...rest }) => ({ id: _id.toHexString(), ...rest }));
  }
}
