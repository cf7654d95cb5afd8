import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { LeaseRecord } from '../leases/lease.schema';
import { RELAY_MODELS, isDuplicateKeyError } from '../module/relay-models';
import type { CheckpointRecord } from './checkpoint.schema';
import type { Checkpoint, CheckpointClaim, CheckpointPosition } from './checkpoint.types';

/**
 * The `checkpoints` collection, fenced by lease tokens: a write carries the writer's lease token
 * and is refused when a newer owner has claimed the checkpoint or the writer's lease is gone.
 */
@Injectable()
export class CheckpointsRepository {
  constructor(
    @InjectModel(RELAY_MODELS.checkpoint) private readonly model: Model<CheckpointRecord>,
    @InjectModel(RELAY_MODELS.lease) private readonly leases: Model<LeaseRecord>,
  ) {}

  async find(name: string): Promise<Checkpoint | null> {
    const record = await this.model.findById(name).lean<CheckpointRecord>().exec();
    return record ? fromRecord(record) : null;
  }

  async delete(name: string): Promise<void> {
    await this.model.deleteOne({ _id: name }).exec();
  }

  /**
   * Called by a new lease owner before it reads the stream position: stamps its token on the
   * checkpoint (so a stalled previous owner can no longer move it) and returns the position in
   * the same atomic step. No checkpoint yet: claimed, with nothing to resume from.
   */
  async claim(name: string, leaseToken: number): Promise<CheckpointClaim> {
    const record = await this.model
      .findOneAndUpdate(
        { _id: name, leaseToken: { $lte: leaseToken } },
        { $set: { leaseToken } },
        { returnDocument: 'after' },
      )
      .lean<CheckpointRecord>()
      .exec();
    if (record) {
      return { claimed: true, checkpoint: fromRecord(record) };
    }
    const existing = await this.find(name);
    return existing
      ? { claimed: false, checkpoint: existing }
      : { claimed: true, checkpoint: null };
  }

  /**
   * Fenced write. Returns false, writing nothing, when the caller's lease (this token) is no
   * longer current, or the stored checkpoint carries a greater token. The conditional upsert
   * turns a concurrent newer write into a duplicate-key refusal rather than an overwrite.
   */
  async save(name: string, position: CheckpointPosition, leaseToken: number): Promise<boolean> {
    const holdsLease = await this.leases.exists({ _id: name, token: leaseToken }).exec();
    if (!holdsLease) {
      return false;
    }
    const update: Partial<CheckpointRecord> = {
      resumeToken: position.resumeToken,
      updatedAt: new Date(),
      leaseToken,
    };
    if (position.clusterTime) {
      update.clusterTime = position.clusterTime;
    }
    if (position.startAtOperationTime) {
      update.startAtOperationTime = position.startAtOperationTime;
    }
    try {
      const result = await this.model
        .updateOne(
          { _id: name, leaseToken: { $lte: leaseToken } },
          { $set: update },
          { upsert: true },
        )
        .exec();
      return result.matchedCount + result.upsertedCount > 0;
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        return false;
      }
      throw error;
    }
  }
}

function fromRecord(record: CheckpointRecord): Checkpoint {
  return {
    subscription: record._id,
    resumeToken: record.resumeToken ?? null,
    ...(record.clusterTime ? { clusterTime: record.clusterTime } : {}),
    ...(record.startAtOperationTime ? { startAtOperationTime: record.startAtOperationTime } : {}),
    updatedAt: record.updatedAt,
    leaseToken: record.leaseToken,
  };
}
