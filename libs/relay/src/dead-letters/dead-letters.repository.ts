import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { QueryFilter, Model } from 'mongoose';
import { RELAY_MODELS } from '../module/relay-models';
import type { DeadLetterRecord } from './dead-letter.schema';
import { eventToStore } from './stored-event';
import type {
  DeadLetter,
  DeadLetterError,
  DeadLetterFilter,
  DeadLetterPage,
  DeadLetterPosition,
  DeadLetterSummary,
  NewDeadLetter,
} from './dead-letter.types';

const DAY_MS = 86_400_000;

/** How long a replay job holds an entry it claimed before another job may take it. */
const CLAIM_MS = 10 * 60_000;

/**
 * Replays an entry keeps in its history (the newest; `replayCount` counts them all): each may
 * hold an error, and the entry must stay within a document's 16 MiB.
 */
export const REPLAYS_KEPT = 10;

/** The `dead_letters` collection, for the owner's runtime and the DLQ API. */
@Injectable()
export class DeadLettersRepository {
  constructor(
    @InjectModel(RELAY_MODELS.deadLetter) private readonly model: Model<DeadLetterRecord>,
  ) {}

  /**
   * Stores a failed event. Idempotent: the id is derived from (subscription, eventId), so an
   * event dead-lettered again after a redelivery updates its entry (error, attempts, last
   * failure) and keeps its history. Written through the driver, so the raw event (whose field
   * names may contain dots) is stored untouched; an event too large for a document is stored
   * without its largest fields (`eventToStore`), so the write cannot fail for good on its size.
   */
  async store(entry: NewDeadLetter): Promise<void> {
    const now = new Date();
    const { event, truncated } = eventToStore(entry.event);
    await this.model.collection.updateOne(
      { _id: deadLetterId(entry.subscription, entry.eventId) as never },
      {
        $set: {
          attempts: entry.attempts,
          error: entry.error,
          status: 'pending',
          lastFailedAt: now,
          updatedAt: now,
          expireAt: new Date(now.getTime() + entry.retentionDays * DAY_MS),
        },
        $setOnInsert: {
          subscription: entry.subscription,
          service: entry.service,
          eventId: entry.eventId,
          event,
          ...(truncated ? { truncated } : {}),
          key: entry.key,
          position: entry.position,
          streamOrder: streamOrderOf(entry.position),
          firstFailedAt: now,
          replayCount: 0,
          replays: [],
          createdAt: now,
        },
      },
      { upsert: true },
    );
  }

  async find(id: string): Promise<DeadLetter | null> {
    const record = await this.model.collection.findOne({ _id: id as never });
    return record ? fromRecord(record as unknown as DeadLetterRecord) : null;
  }

  /**
   * Newest first (by first failure, then id). The cursor is the last entry's sort key, so
   * entries inserted meanwhile (all newer) never shift the pages that follow.
   */
  async page(filter: DeadLetterFilter, limit: number, cursor?: string): Promise<DeadLetterPage> {
    const query = toQuery(filter);
    const after = cursor ? decodeCursor(cursor) : undefined;
    const paged: QueryFilter<DeadLetterRecord> = after
      ? {
          $and: [
            query,
            {
              $or: [
                { createdAt: { $lt: after.createdAt } },
                { createdAt: after.createdAt, _id: { $lt: after.id } },
              ],
            },
          ],
        }
      : query;
    const [records, total] = await Promise.all([
      this.model
        .find(paged)
        .sort({ createdAt: -1, _id: -1 })
        .limit(limit + 1)
        .lean<DeadLetterRecord[]>()
        .exec(),
      this.model.countDocuments(query).exec(),
    ]);
    const items = records.slice(0, limit).map(fromRecord);
    const last = items.at(-1);
    return {
      items,
      total,
      ...(records.length > limit && last ? { nextCursor: encodeCursor(last) } : {}),
    };
  }

  /** One subscription's entries, newest first. */
  async list(subscription: string, limit = 100): Promise<DeadLetter[]> {
    return (await this.page({ subscription }, limit)).items;
  }

  count(filter: DeadLetterFilter): Promise<number> {
    return this.model.countDocuments(toQuery(filter)).exec();
  }

  /**
   * Pending entries of one subscription in stream order after `afterOrder`, one page at a time
   * (replays read with bounded memory).
   */
  async pendingInStreamOrder(
    filter: DeadLetterFilter & { subscription: string },
    afterOrder: string | undefined,
    limit: number,
  ): Promise<DeadLetter[]> {
    const query: QueryFilter<DeadLetterRecord> = {
      ...toQuery({ ...filter, status: 'pending' }),
      ...(afterOrder !== undefined ? { streamOrder: { $gt: afterOrder } } : {}),
    };
    const records = await this.model
      .find(query)
      .sort({ streamOrder: 1 })
      .limit(limit)
      .lean<DeadLetterRecord[]>()
      .exec();
    return records.map(fromRecord);
  }

  /**
   * Takes a pending entry for a replay job, atomically: a concurrent job gets null (so each
   * entry is delivered once). The same job may take it again (an owner resuming the job).
   */
  async claim(id: string, by: string): Promise<DeadLetter | null> {
    const now = new Date();
    const record = await this.model
      .findOneAndUpdate(
        {
          _id: id,
          status: 'pending',
          $or: [{ claim: null }, { 'claim.by': by }, { 'claim.until': { $lt: now } }],
        },
        { $set: { claim: { by, until: new Date(now.getTime() + CLAIM_MS) } } },
        { returnDocument: 'after' },
      )
      .lean<DeadLetterRecord>()
      .exec();
    return record ? fromRecord(record) : null;
  }

  /** Gives a claimed entry back untouched (the replay was cancelled). */
  async release(id: string, by: string): Promise<void> {
    await this.model.updateOne({ _id: id, 'claim.by': by }, { $set: { claim: null } }).exec();
  }

  /** Records a replay's outcome on the entry it claimed: delivered → `replayed`. */
  async recordReplay(
    id: string,
    by: string,
    outcome:
      | { delivered: true; attempts: number }
      | { delivered: false; attempts: number; error: DeadLetterError },
  ): Promise<boolean> {
    const now = new Date();
    const replay = {
      at: now,
      outcome: outcome.delivered ? 'delivered' : 'failed',
      jobId: by,
      attempts: outcome.attempts,
      ...(outcome.delivered ? {} : { error: outcome.error }),
    };
    const result = await this.model.collection.updateOne(
      { _id: id as never, status: 'pending', 'claim.by': by },
      {
        $set: {
          claim: null,
          updatedAt: now,
          ...(outcome.delivered
            ? { status: 'replayed' }
            : { error: outcome.error, lastFailedAt: now }),
        },
        $inc: { replayCount: 1 },
        $push: { replays: { $each: [replay], $slice: -REPLAYS_KEPT } } as never,
      },
    );
    return result.modifiedCount > 0;
  }

  /**
   * Discards a pending entry (not while a replay holds it). 'missing' / 'not-pending' say why
   * it could not.
   */
  async discard(id: string, reason: string): Promise<DeadLetter | 'missing' | 'not-pending'> {
    const now = new Date();
    const record = await this.model
      .findOneAndUpdate(
        { _id: id, status: 'pending', $or: [{ claim: null }, { 'claim.until': { $lt: now } }] },
        { $set: { status: 'discarded', discardReason: reason, claim: null, updatedAt: now } },
        { returnDocument: 'after' },
      )
      .lean<DeadLetterRecord>()
      .exec();
    if (record) {
      return fromRecord(record);
    }
    return (await this.model.exists({ _id: id }).exec()) ? 'not-pending' : 'missing';
  }

  /** Pending counts by subscription and by error (name and HTTP status). */
  async summary(filter: DeadLetterFilter): Promise<DeadLetterSummary> {
    const match = toQuery({ ...filter, status: 'pending' });
    const [bySubscription, byError] = await Promise.all([
      this.model
        .aggregate<{ _id: { subscription: string; service: string }; pending: number }>([
          { $match: match },
          {
            $group: {
              _id: { subscription: '$subscription', service: '$service' },
              pending: { $sum: 1 },
            },
          },
          { $sort: { pending: -1, '_id.subscription': 1 } },
        ])
        .exec(),
      this.model
        .aggregate<{
          _id: { subscription: string; errorName: string; httpStatus?: number | null };
          pending: number;
        }>([
          { $match: match },
          {
            $group: {
              _id: {
                subscription: '$subscription',
                errorName: '$error.name',
                httpStatus: '$error.httpStatus',
              },
              pending: { $sum: 1 },
            },
          },
          { $sort: { pending: -1, '_id.subscription': 1, '_id.errorName': 1 } },
        ])
        .exec(),
    ]);
    return {
      bySubscription: bySubscription.map(({ _id, pending }) => ({ ..._id, pending })),
      byError: byError.map(({ _id, pending }) => ({
        subscription: _id.subscription,
        errorName: _id.errorName,
        ...(typeof _id.httpStatus === 'number' ? { httpStatus: _id.httpStatus } : {}),
        pending,
      })),
    };
  }

  /** Forgets a deleted subscription's entries. */
  async deleteFor(subscription: string): Promise<void> {
    await this.model.deleteMany({ subscription }).exec();
  }

  /** Pending dead letters of these subscriptions, in one aggregation (for /metrics). */
  async countPending(subscriptions: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.model
      .aggregate<{ _id: string; count: number }>([
        { $match: { subscription: { $in: [...subscriptions] }, status: 'pending' } },
        { $group: { _id: '$subscription', count: { $sum: 1 } } },
      ])
      .exec();
    return new Map(rows.map((row) => [row._id, row.count]));
  }
}

/** One entry per event and subscription. */
export function deadLetterId(subscription: string, eventId: string): string {
  return `${subscription}:${eventId}`;
}

/**
 * A string that sorts entries of one subscription in stream order: the cluster time (fixed
 * width), then the resume token (whose `_data` sorts in stream order within a cluster time).
 */
export function streamOrderOf(position: DeadLetterPosition): string {
  const time = position.clusterTime
    ? `${String(position.clusterTime.t).padStart(10, '0')}.${String(position.clusterTime.i).padStart(10, '0')}`
    : '';
  return `${time}|${position.token}`;
}

function toQuery(filter: DeadLetterFilter): QueryFilter<DeadLetterRecord> {
  const query: QueryFilter<DeadLetterRecord> = {};
  if (filter.subscription !== undefined) {
    query.subscription = filter.subscription;
  }
  if (filter.services !== undefined) {
    // A caller's scope: a service outside it matches nothing.
    const allowed = filter.services.filter(
      (name) => filter.service === undefined || name === filter.service,
    );
    query.service = { $in: allowed };
  } else if (filter.service !== undefined) {
    query.service = filter.service;
  }
  if (filter.status !== undefined) {
    query.status = filter.status;
  }
  if (filter.errorName !== undefined) {
    query['error.name'] = filter.errorName;
  }
  if (filter.httpStatus !== undefined) {
    query['error.httpStatus'] = filter.httpStatus;
  }
  if (filter.key !== undefined) {
    query.key = filter.key;
  }
  if (filter.ids !== undefined) {
    query._id = { $in: [...filter.ids] };
  }
  if (filter.from !== undefined || filter.to !== undefined) {
    query.createdAt = {
      ...(filter.from ? { $gte: filter.from } : {}),
      ...(filter.to ? { $lt: filter.to } : {}),
    };
  }
  return query;
}

function fromRecord(record: DeadLetterRecord): DeadLetter {
  const { _id, claim: _claim, ...rest } = record;
  return {
    ...rest,
    id: _id,
    service: rest.service ?? '',
    replayCount: rest.replayCount ?? 0,
    replays: rest.replays ?? [],
    firstFailedAt: rest.firstFailedAt ?? rest.createdAt,
    lastFailedAt: rest.lastFailedAt ?? rest.updatedAt,
  };
}

function encodeCursor(entry: DeadLetter): string {
  return Buffer.from(JSON.stringify([entry.createdAt.getTime(), entry.id])).toString('base64url');
}

/** Throws on a cursor this API did not hand out. */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'number' ||
    typeof parsed[1] !== 'string'
  ) {
    throw new Error('not a dead-letter cursor');
  }
  return { createdAt: new Date(parsed[0]), id: parsed[1] };
}
