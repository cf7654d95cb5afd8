import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RELAY_MODELS, isDuplicateKeyError } from '../module/relay-models';
import type { LeaseRecord } from './lease.schema';
import { RELEASED_AT, type Lease, type WorkerStatus } from './lease.types';

/**
 * The `leases` collection: who may run a subscription, until when. Times come from this
 * process's clock, so instances sharing a database need roughly synchronised clocks (NTP);
 * the token, not the clock, is what makes checkpoint writes safe.
 */
@Injectable()
export class LeasesRepository {
  constructor(@InjectModel(RELAY_MODELS.lease) private readonly model: Model<LeaseRecord>) {}

  async find(name: string): Promise<Lease | null> {
    const record = await this.model.findById(name).lean<LeaseRecord>().exec();
    return record ? fromRecord(record) : null;
  }

  /** Every lease, or those of the given subscriptions. */
  async list(names?: string[]): Promise<Lease[]> {
    const filter = names ? { _id: { $in: names } } : {};
    const records = await this.model.find(filter).lean<LeaseRecord[]>().exec();
    return records.map(fromRecord);
  }

  /**
   * Takes the lease when it is free (expired or released) or already ours, with a new, greater
   * token. Null when another owner holds it.
   */
  async tryAcquire(name: string, owner: string, ttlMs: number): Promise<Lease | null> {
    const now = new Date();
    const taken = await this.model
      .findOneAndUpdate(
        { _id: name, $or: [{ expiresAt: { $lte: now } }, { owner }] },
        {
          $set: {
            owner,
            expiresAt: new Date(now.getTime() + ttlMs),
            acquiredAt: now,
            status: { state: 'starting', updatedAt: now },
          },
          $inc: { token: 1 },
        },
        { returnDocument: 'after' },
      )
      .lean<LeaseRecord>()
      .exec();
    if (taken) {
      return fromRecord(taken);
    }
    try {
      // First lease of this subscription. The token starts at the clock's milliseconds so it is
      // greater than any token a previous subscription of the same name left on a checkpoint.
      const created = await this.model.create({
        _id: name,
        owner,
        token: now.getTime(),
        expiresAt: new Date(now.getTime() + ttlMs),
        acquiredAt: now,
        status: { state: 'starting', updatedAt: now },
      });
      return fromRecord(created.toObject());
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        return null;
      }
      throw error;
    }
  }

  /**
   * Extends our lease. Null when the lease was taken over: the caller must stop its worker at
   * once.
   */
  async renew(name: string, owner: string, token: number, ttlMs: number): Promise<Lease | null> {
    const record = await this.model
      .findOneAndUpdate(
        { _id: name, owner, token },
        { $set: { expiresAt: new Date(Date.now() + ttlMs) } },
        { returnDocument: 'after' },
      )
      .lean<LeaseRecord>()
      .exec();
    return record ? fromRecord(record) : null;
  }

  /** Records the worker's state (fenced by the token) without extending the lease. */
  async setStatus(name: string, token: number, status: WorkerStatus): Promise<boolean> {
    const result = await this.model.updateOne({ _id: name, token }, { $set: { status } }).exec();
    return result.matchedCount > 0;
  }

  /** Gives the lease up now (graceful stop): another instance may take it at once. */
  async release(
    name: string,
    owner: string,
    token: number,
    status?: WorkerStatus,
  ): Promise<boolean> {
    const set: Partial<LeaseRecord> = { expiresAt: RELEASED_AT };
    if (status) {
      set.status = status;
    }
    const result = await this.model.updateOne({ _id: name, owner, token }, { $set: set }).exec();
    return result.matchedCount > 0;
  }

  /** True while the lease with this token is the current one (its owner may write). */
  async holds(name: string, token: number): Promise<boolean> {
    return (await this.model.exists({ _id: name, token }).exec()) !== null;
  }

  /** Forgets the lease (the subscription was deleted). */
  async delete(name: string): Promise<void> {
    await this.model.deleteOne({ _id: name }).exec();
  }
}

function fromRecord(record: LeaseRecord): Lease {
  return {
    subscription: record._id,
    owner: record.owner,
    token: record.token,
    expiresAt: record.expiresAt,
    acquiredAt: record.acquiredAt,
    status: {
      state: record.status?.state ?? 'stopped',
      updatedAt: record.status?.updatedAt ?? record.acquiredAt,
      ...(record.status?.lastError ? { lastError: record.status.lastError } : {}),
    },
  };
}
