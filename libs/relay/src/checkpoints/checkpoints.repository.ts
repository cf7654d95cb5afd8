import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RELAY_MODELS, isDuplicateKeyError } from '../module/relay-models';
import type { CheckpointRecord } from './checkpoint.schema';
import type { Checkpoint, CheckpointClaim, StreamPosition } from './checkpoint.types';

/**
 * The `checkpoints` collection, fenced by lease tokens: a write carries the writer's lease token
 * and is refused once a newer owner has claimed the checkpoint.
 */
@Injectable()
export class CheckpointsRepository {
  constructor(
    @InjectModel(RELAY_MODELS.checkpoint) private readonly model: Model<CheckpointRecord>,
  ) {}

  async find(name: string): Promise<Checkpoint | null> {
    const record = await this.model.findById(name).lean<CheckpointRecord>().exec();
    return record ? fromRecord(record) : null;
  }

  /** The checkpoints of these subscriptions, in one read. */
  async findMany(names: readonly string[]): Promise<Map<string, Checkpoint>> {
    const records = await this.model
      .find({ _id: { $in: [...names] } })
      .lean<CheckpointRecord[]>()
      .exec();
    return new Map(records.map((record) => [record._id, fromRecord(record)]));
  }

  async delete(name: string): Promise<void> {
    await this.model.deleteOne({ _id: name }).exec();
  }

  /**
   * Called by a new lease owner before it reads the stream position: stamps its token on the
   * checkpoint (so a previous owner, stalled or still draining, can no longer move it) and
   * returns the position in the same atomic step. No checkpoint yet: claimed, nothing to resume.
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
   * One conditional write: refused (false, nothing written) when the stored checkpoint carries a
   * greater lease token, i.e. a newer owner claimed it. Safe without looking at the lease: a new
   * owner claims the checkpoint before it reads it, so whatever an old owner wrote before that
   * claim is simply where the new one resumes, and nothing after it lands. A concurrent newer
   * write turns the upsert into a duplicate-key refusal rather than an overwrite.
   */
  async save(
    name: string,
    position: StreamPosition,
    epoch: number,
    leaseToken: number,
  ): Promise<boolean> {
    try {
      const result = await this.model
        .updateOne(
          { _id: name, leaseToken: { $lte: leaseToken } },
          {
            $set: { position, epoch, updatedAt: new Date(), leaseToken },
            $unset: { resumeToken: 1, clusterTime: 1 },
          },
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
  const position: StreamPosition = record.position ?? {
    kind: 'token',
    resumeToken: record.resumeToken ?? null,
    ...(record.clusterTime ? { clusterTime: record.clusterTime } : {}),
  };
  return {
    subscription: record._id,
    position,
    epoch: record.epoch ?? 0,
    updatedAt: record.updatedAt,
    leaseToken: record.leaseToken,
  };
}
