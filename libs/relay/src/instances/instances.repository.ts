import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RELAY_MODELS } from '../module/relay-models';
import type { InstanceRecord } from './instance.schema';
import type { Instance } from './instance.types';

/** The `instances` collection: one heartbeat document per running process. */
@Injectable()
export class InstancesRepository {
  constructor(@InjectModel(RELAY_MODELS.instance) private readonly model: Model<InstanceRecord>) {}

  /** Upserts this process's document with `lastSeen` = now. */
  async heartbeat(instance: Omit<Instance, 'lastSeen'>): Promise<void> {
    const { id, maxSubscriptions, ...rest } = instance;
    const update =
      maxSubscriptions !== undefined
        ? { $set: { ...rest, maxSubscriptions, lastSeen: new Date() } }
        : { $set: { ...rest, lastSeen: new Date() }, $unset: { maxSubscriptions: 1 } };
    await this.model.updateOne({ _id: id }, update, { upsert: true }).exec();
  }

  /** Sorted by id. */
  async list(): Promise<Instance[]> {
    const records = await this.model.find().sort({ _id: 1 }).lean<InstanceRecord[]>().exec();
    return records.map(fromRecord);
  }

  /** Instances whose last heartbeat is at most `staleAfterMs` old. */
  async listLive(staleAfterMs: number): Promise<Instance[]> {
    const since = new Date(Date.now() - staleAfterMs);
    const records = await this.model
      .find({ lastSeen: { $gte: since } })
      .sort({ _id: 1 })
      .lean<InstanceRecord[]>()
      .exec();
    return records.map(fromRecord);
  }

  /** A graceful shutdown removes the process from the list. */
  async remove(id: string): Promise<void> {
    await this.model.deleteOne({ _id: id }).exec();
  }
}

function fromRecord(record: InstanceRecord): Instance {
  return {
    id: record._id,
    service: record.service,
    handlers: [...record.handlers],
    version: record.version,
    ...(record.maxSubscriptions != null ? { maxSubscriptions: record.maxSubscriptions } : {}),
    startedAt: record.startedAt,
    lastSeen: record.lastSeen,
  };
}
