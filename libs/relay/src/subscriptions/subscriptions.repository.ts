import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, QueryFilter } from 'mongoose';
import { DomainError } from '../errors/domain-error';
import { RELAY_MODELS, isDuplicateKeyError } from '../module/relay-models';
import type { SubscriptionRecord } from './subscription.schema';
import type { StaleInfo, Subscription, SubscriptionState } from './subscription.types';

export interface SubscriptionListFilter {
  serviceName?: string;
  state?: SubscriptionState;
}

/** The `subscriptions` collection. Returns plain objects; `name` is stored as `_id`. */
@Injectable()
export class SubscriptionsRepository {
  constructor(
    @InjectModel(RELAY_MODELS.subscription) private readonly model: Model<SubscriptionRecord>,
  ) {}

  /** Stores a new subscription; a taken name is a CONFLICT. */
  async create(subscription: Subscription): Promise<Subscription> {
    try {
      const created = await this.model.create(toRecord(subscription));
      return fromRecord(created.toObject());
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        throw new DomainError(
          'CONFLICT',
          `A subscription named "${subscription.name}" already exists`,
          [{ field: 'name', reason: 'already exists' }],
        );
      }
      throw error;
    }
  }

  async findByName(name: string): Promise<Subscription | null> {
    const record = await this.model.findById(name).lean<SubscriptionRecord>().exec();
    return record ? fromRecord(record) : null;
  }

  /** Sorted by name. `state` is the operator's view: stale wins over the desired state. */
  async list(filter: SubscriptionListFilter = {}): Promise<Subscription[]> {
    const query: QueryFilter<SubscriptionRecord> = {};
    if (filter.serviceName !== undefined) {
      query.serviceName = filter.serviceName;
    }
    if (filter.state === 'stale') {
      query.stale = { $type: 'object' };
    } else if (filter.state !== undefined) {
      query.desiredState = filter.state;
      query.stale = null;
    }
    const records = await this.model
      .find(query)
      .sort({ _id: 1 })
      .lean<SubscriptionRecord[]>()
      .exec();
    return records.map(fromRecord);
  }

  /**
   * Replaces the whole definition if its revision is still `expectedRevision` (optimistic
   * concurrency); null when it moved or the subscription is gone. `next` is stored as given:
   * the caller sets `next.revision` (normally expectedRevision + 1) and `updatedAt`.
   */
  async replace(
    name: string,
    next: Subscription,
    expectedRevision: number,
  ): Promise<Subscription | null> {
    const record = await this.model
      .findOneAndReplace({ _id: name, revision: expectedRevision }, toRecord({ ...next, name }), {
        returnDocument: 'after',
      })
      .lean<SubscriptionRecord>()
      .exec();
    return record ? fromRecord(record) : null;
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.model.deleteOne({ _id: name }).exec();
    return result.deletedCount > 0;
  }

  /**
   * Records that the stream cannot continue without skipping events, if the subscription is
   * still at `epoch`: an operator's reset that landed meanwhile (a new epoch) is never
   * overwritten. False when it was not written. Cleared by a reset (replace).
   */
  async markStale(name: string, info: StaleInfo, epoch: number): Promise<boolean> {
    const atEpoch = epoch === 0 ? { epoch: { $in: [0, null] } } : { epoch };
    const result = await this.model
      .updateOne({ _id: name, ...atEpoch }, { $set: { stale: info } })
      .exec();
    return result.matchedCount > 0;
  }
}

function toRecord(subscription: Subscription): SubscriptionRecord {
  const { name, ...rest } = subscription;
  return { _id: name, ...rest };
}

function fromRecord(record: SubscriptionRecord): Subscription {
  const { _id, stale, createdBy, epoch, snapshotFirst, ...rest } = record;
  return {
    name: _id,
    ...rest,
    epoch: epoch ?? 0,
    ...(snapshotFirst ? { snapshotFirst } : {}),
    ...(createdBy != null ? { createdBy } : {}),
    ...(stale != null ? { stale } : {}),
  };
}
