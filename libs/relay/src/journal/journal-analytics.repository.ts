import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, PipelineStage } from 'mongoose';
import { RELAY_MODELS } from '../module/relay-models';
import type {
  InteractionQuery,
  InteractionRow,
  ProcessPage,
  ProcessQuery,
  ProcessRow,
  ProcessSummary,
} from './journal-analytics.types';
import type { JournalRecordDocument } from './journal.schema';
import {
  FAILURE_OUTCOMES,
  NULLABLE_JOURNAL_FIELDS,
  SUCCESS_OUTCOMES,
  type JournalRecord,
} from './journal.types';

type Stage = Record<string, unknown>;

/** Sums of `{k, v}` pairs by `k`, numeric values only ($sum ignores the others). */
function sumPairsByName(pairs: unknown): Stage {
  return {
    $arrayToObject: {
      $map: {
        input: { $setUnion: [{ $map: { input: pairs, as: 'p', in: '$$p.k' } }] },
        as: 'name',
        in: {
          k: '$$name',
          v: {
            $sum: {
              $map: {
                input: { $filter: { input: pairs, as: 'p', cond: { $eq: ['$$p.k', '$$name'] } } },
                as: 'p',
                in: '$$p.v',
              },
            },
          },
        },
      },
    },
  };
}

/**
 * One record per event (subscription + event id): its latest, by completion (receipt while
 * pending), a replay after the stream record it replays (`…|replay|…` sorts after its prefix).
 * A dead-lettered event that a replay delivered is judged `replayed`, one that a replay failed
 * again `failed`: the analytics judge every event by its latest outcome, and count it once.
 */
function latestPerEvent(match: Stage): Stage[] {
  return [
    { $match: match },
    { $addFields: { settledAt: { $ifNull: ['$completedAt', '$receivedAt'] } } },
    { $sort: { settledAt: 1, _id: 1 } },
    {
      $group: {
        _id: { subscription: '$subscription', eventId: '$eventId' },
        latest: { $last: '$$ROOT' },
        // The event's first receipt: it keeps its place in the sequence when replayed later.
        firstReceivedAt: { $min: '$receivedAt' },
      },
    },
    {
      $replaceRoot: {
        newRoot: { $mergeObjects: ['$latest', { firstReceivedAt: '$firstReceivedAt' }] },
      },
    },
  ];
}

/**
 * Process and interaction analytics over `event_journal`: every figure is computed by one
 * aggregation in the database (range selected on the `receivedAt` index), never by reading the
 * records into this process.
 */
@Injectable()
export class JournalAnalyticsRepository {
  constructor(
    @InjectModel(RELAY_MODELS.journal) private readonly model: Model<JournalRecordDocument>,
  ) {}

  /** The processes of a range (filtered), and a summary over all of them, in one aggregation. */
  async processes(query: ProcessQuery): Promise<ProcessPage> {
    const match: Stage = { receivedAt: { $gte: query.since } };
    if (query.visibleServices) {
      match.service = { $in: [...query.visibleServices] };
    }
    if (query.correlationId !== undefined) {
      match.correlationId = query.correlationId;
    }
    const filters: Stage = {};
    if (query.status) {
      filters.status = query.status;
    }
    if (query.service) {
      filters.services = query.service;
    }
    if (query.stuckAfterMs !== undefined) {
      filters.status = 'In Progress';
      filters.start = { $lte: new Date(query.now.getTime() - query.stuckAfterMs) };
    }
    const row = { $project: { _id: 0, steps: 0, fieldPairs: 0, sources: 0 } };
    const pipeline: Stage[] = [
      ...latestPerEvent(match),
      {
        $addFields: {
          at: { $ifNull: ['$changedAt', '$receivedAt'] },
          fieldPairs: { $objectToArray: { $ifNull: ['$fields', {}] } },
        },
      },
      { $sort: { at: 1, firstReceivedAt: 1, _id: 1 } },
      {
        $group: {
          _id: '$correlationId',
          processId: { $max: '$processId' },
          start: { $min: '$at' },
          lastCompleted: { $max: '$completedAt' },
          steps: {
            $push: {
              $concat: ['$service', ':', '$operationType', ':', { $ifNull: ['$ns.coll', ''] }],
            },
          },
          eventCount: { $sum: 1 },
          subscribers: { $addToSet: '$service' },
          sources: { $addToSet: { $ifNull: ['$sourceService', null] } },
          collections: { $addToSet: '$ns.coll' },
          delivered: { $sum: { $cond: [{ $in: ['$outcome', [...SUCCESS_OUTCOMES]] }, 1, 0] } },
          failed: { $sum: { $cond: [{ $in: ['$outcome', [...FAILURE_OUTCOMES]] }, 1, 0] } },
          pending: { $sum: { $cond: [{ $eq: ['$outcome', 'pending'] }, 1, 0] } },
          replayed: { $sum: { $cond: [{ $eq: ['$outcome', 'replayed'] }, 1, 0] } },
          fieldPairs: { $push: '$fieldPairs' },
        },
      },
      {
        $addFields: {
          correlationId: '$_id',
          status: {
            $switch: {
              branches: [
                { case: { $gt: ['$failed', 0] }, then: 'Failed' },
                { case: { $gt: ['$pending', 0] }, then: 'In Progress' },
              ],
              default: 'Success',
            },
          },
          fieldPairs: {
            $reduce: {
              input: '$fieldPairs',
              initialValue: [],
              in: { $concatArrays: ['$$value', '$$this'] },
            },
          },
          sequence: {
            $reduce: {
              input: '$steps',
              initialValue: '',
              in: {
                $cond: [
                  { $eq: ['$$value', ''] },
                  '$$this',
                  { $concat: ['$$value', ' -> ', '$$this'] },
                ],
              },
            },
          },
          services: {
            $setUnion: [
              '$subscribers',
              { $filter: { input: '$sources', as: 's', cond: { $ne: ['$$s', null] } } },
            ],
          },
          collections: {
            $filter: { input: '$collections', as: 'c', cond: { $ne: ['$$c', null] } },
          },
        },
      },
      {
        $addFields: {
          end: { $cond: [{ $eq: ['$status', 'In Progress'] }, null, '$lastCompleted'] },
          durationMs: {
            $subtract: [
              {
                $cond: [
                  { $eq: ['$status', 'In Progress'] },
                  query.now,
                  { $ifNull: ['$lastCompleted', query.now] },
                ],
              },
              '$start',
            ],
          },
          businessValues: sumPairsByName('$fieldPairs'),
        },
      },
      { $project: { subscribers: 0, lastCompleted: 0 } },
      ...(Object.keys(filters).length > 0 ? [{ $match: filters }] : []),
      {
        $facet: {
          processes: [{ $sort: { start: -1, _id: 1 } }, { $limit: query.limit }, row],
          top: [{ $sort: { durationMs: -1, _id: 1 } }, { $limit: 10 }, row],
          counts: [
            {
              $group: {
                _id: null,
                total: { $sum: 1 },
                success: { $sum: { $cond: [{ $eq: ['$status', 'Success'] }, 1, 0] } },
                failed: { $sum: { $cond: [{ $eq: ['$status', 'Failed'] }, 1, 0] } },
                inProgress: { $sum: { $cond: [{ $eq: ['$status', 'In Progress'] }, 1, 0] } },
                averageDurationMs: {
                  $avg: { $cond: [{ $eq: ['$status', 'In Progress'] }, null, '$durationMs'] },
                },
              },
            },
          ],
          business: [
            { $project: { pairs: { $objectToArray: '$businessValues' } } },
            { $unwind: '$pairs' },
            { $group: { _id: '$pairs.k', value: { $sum: '$pairs.v' } } },
            { $sort: { _id: 1 } },
          ],
        },
      },
    ];
    const [result] = await this.model
      .aggregate<{
        processes: ProcessRow[];
        top: ProcessRow[];
        counts: (Omit<ProcessSummary, 'top' | 'businessValues'> & { _id: null })[];
        business: { _id: string; value: number }[];
      }>(pipeline as unknown as PipelineStage[])
      .exec();
    const counts = result?.counts[0];
    const summary: ProcessSummary = {
      total: counts?.total ?? 0,
      success: counts?.success ?? 0,
      failed: counts?.failed ?? 0,
      inProgress: counts?.inProgress ?? 0,
      averageDurationMs: counts?.averageDurationMs ?? null,
      businessValues: Object.fromEntries(
        (result?.business ?? []).map(({ _id, value }) => [_id, value]),
      ),
      top: (result?.top ?? []).map(normalise),
    };
    return { processes: (result?.processes ?? []).map(normalise), summary };
  }

  /** Every journal record of one process, in change order. */
  async timeline(correlationId: string, visibleServices?: readonly string[]) {
    const match: Stage = { correlationId };
    if (visibleServices) {
      match.service = { $in: [...visibleServices] };
    }
    return this.model
      .aggregate<JournalRecord & { at: Date }>([
        { $match: match },
        {
          $addFields: {
            at: { $ifNull: ['$changedAt', '$receivedAt'] },
            // Stored records leave fields without a value out: they read as null.
            ...Object.fromEntries(
              NULLABLE_JOURNAL_FIELDS.map((field) => [field, { $ifNull: [`$${field}`, null] }]),
            ),
          },
        },
        { $sort: { at: 1, receivedAt: 1, _id: 1 } },
      ] as PipelineStage[])
      .exec();
  }

  /** Edges source service → subscribing service by collection and operation, in one aggregation. */
  async interactions(query: InteractionQuery): Promise<InteractionRow[]> {
    const match: Stage = { receivedAt: { $gte: query.since } };
    if (query.visibleServices) {
      match.service = { $in: [...query.visibleServices] };
    }
    return this.model
      .aggregate<InteractionRow>([
        ...latestPerEvent(match),
        { $match: { outcome: { $ne: 'pending' } } },
        {
          $group: {
            _id: {
              sourceService: { $ifNull: ['$sourceService', null] },
              service: '$service',
              collection: { $ifNull: ['$ns.coll', null] },
              operationType: '$operationType',
            },
            count: { $sum: 1 },
            succeeded: { $sum: { $cond: [{ $in: ['$outcome', [...SUCCESS_OUTCOMES]] }, 1, 0] } },
            failed: { $sum: { $cond: [{ $in: ['$outcome', [...FAILURE_OUTCOMES]] }, 1, 0] } },
            avgHandlingMs: { $avg: '$handlingMs' },
            maxHandlingMs: { $max: '$handlingMs' },
            avgBytes: { $avg: '$sizeBytes' },
            totalBytes: { $sum: '$sizeBytes' },
          },
        },
        {
          $project: {
            _id: 0,
            sourceService: '$_id.sourceService',
            service: '$_id.service',
            collection: '$_id.collection',
            operationType: '$_id.operationType',
            count: 1,
            succeeded: 1,
            failed: 1,
            avgHandlingMs: 1,
            maxHandlingMs: 1,
            avgBytes: 1,
            totalBytes: 1,
          },
        },
        { $sort: { count: -1, service: 1, collection: 1, operationType: 1 } },
      ] as unknown as PipelineStage[])
      .exec();
  }
}

/** Sets from `$addToSet` / `$setUnion` have no order: sorted for stable answers. */
function normalise(row: ProcessRow): ProcessRow {
  return {
    ...row,
    services: [...row.services].sort(),
    collections: [...row.collections].sort(),
  };
}
