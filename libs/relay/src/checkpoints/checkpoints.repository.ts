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
    const found = new Map<string, Checkpoint>();
    for (const record of records) {
      const checkpoint = fromRecord(record);
      if (checkpoint) {
        found.set(record._id, checkpoint);
      }
    }
    return found;
  }

  async delete(name: string): Promise<void> {
    await this.model.deleteOne({ _id: name }).exec();
  }

  /**
   * Called by a new lease owner before it reads the stream position: stamps its token on the
   * checkpoint (so a previous owner, stalled or still draining, can no longer move it) and
   * returns the position in the same atomic step. With no checkpoint yet it stamps an empty
   * one, so the fence holds from the first moment too.
   */
  async claim(name: string, leaseToken: number): Promise<CheckpointClaim> {
    try {
      const record = await this.model
        .findOneAndUpdate(
          { _id: name, leaseToken: { $lte: leaseToken } },
          { $set: { leaseToken }, $setOnInsert: { updatedAt: new Date() } },
          { returnDocument: 'after', upsert: true },
        )
        .lean<CheckpointRecord>()
        .exec();
      return { claimed: true, checkpoint: record ? fromRecord(record) : null };
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        // A newer owner's token is on it.
        return { claimed: false, checkpoint: await this.find(name) };
      }
      throw error;
    }
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

/** Null for a claim that has no position yet. */
function fromRecord(record: CheckpointRecord): Checkpoint | null {
  const position: StreamPosition | undefined =
    record.position ??
    (record.resumeToken != null
      ? {
          kind: 'token',
          resumeToken: record.resumeToken,
          ...(record.clusterTime ? { clusterTime: record.clusterTime } : {}),
        }
      : undefined);
  if (!position) {
    return null;
  }
  return {
    subscription: record._id,
    position,
    epoch: record.epoch ?? 0,
    updatedAt: record.updatedAt,
    leaseToken: record.leaseToken,
  };
}
