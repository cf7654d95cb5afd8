import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RELAY_MODELS, isDuplicateKeyError } from '../module/relay-models';
import type { LeaseRecord } from './lease.schema';
import { emptyCounters, type Lease, type WorkerStatus } from './lease.types';

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
   * token. Null when another owner holds it. The stored counters are kept, so status counts
   * survive a change of owner.
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
            'status.state': 'starting',
            'status.updatedAt': now,
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
        status: { state: 'starting', counters: emptyCounters(), updatedAt: now },
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
   * Extends our lease (and records the worker's status with it, so status costs no extra write).
   * Null when the lease was taken over: the caller must stop its worker at once.
   */
  async renew(
    name: string,
    owner: string,
    token: number,
    ttlMs: number,
    status?: WorkerStatus,
  ): Promise<Lease | null> {
    const set: Partial<LeaseRecord> = { expiresAt: new Date(Date.now() + ttlMs) };
    if (status) {
      set.status = status;
    }
    const record = await this.model
      .findOneAndUpdate({ _id: name, owner, token }, { $set: set }, { returnDocument: 'after' })
      .lean<LeaseRecord>()
      .exec();
    return record ? fromRecord(record) : null;
  }

  /** Records the worker's status without extending the lease (state changes). */
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
    const set: Partial<LeaseRecord> = { expiresAt: new Date(0) };
    if (status) {
      set.status = status;
    }
    const result = await this.model.updateOne({ _id: name, owner, token }, { $set: set }).exec();
    return result.matchedCount > 0;
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
    status: { ...record.status, counters: { ...emptyCounters(), ...record.status?.counters } },
  };
}
