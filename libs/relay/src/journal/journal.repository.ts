import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RELAY_MODELS } from '../module/relay-models';
import type { JournalRecordDocument } from './journal.schema';
import type { JournalRecord } from './journal.types';

/** What a bulk insert did: records stored, and ids already journaled (redeliveries). */
export interface JournalInsertResult {
  inserted: number;
  duplicates: number;
}

/** The `event_journal` collection (writes; the analytics read it through their own queries). */
@Injectable()
export class JournalRepository {
  constructor(@InjectModel(RELAY_MODELS.journal) readonly model: Model<JournalRecordDocument>) {}

  /**
   * One unordered bulk insert. A record whose `_id` is already there (an event redelivered
   * after a crash) is skipped; any other failure rejects.
   */
  async insert(records: readonly JournalRecord[]): Promise<JournalInsertResult> {
    if (records.length === 0) {
      return { inserted: 0, duplicates: 0 };
    }
    try {
      const result = await this.model.collection.insertMany(records as never[], {
        ordered: false,
      });
      return { inserted: result.insertedCount, duplicates: 0 };
    } catch (error) {
      const duplicates = duplicateIndexes(error);
      if (!duplicates) {
        throw error;
      }
      // Already there: a pending record (replaced by the outcome), or the same event journaled
      // by an earlier owner before a crash (replaced by the latest outcome).
      await this.replace(duplicates.map((index) => records[index]));
      return { inserted: records.length - duplicates.length, duplicates: duplicates.length };
    }
  }

  /** Final records of events that may have a pending record: replace it (or insert). */
  async replace(records: readonly JournalRecord[]): Promise<void> {
    if (records.length === 0) {
      return;
    }
    await this.model.collection.bulkWrite(
      records.map((record) => ({
        replaceOne: { filter: { _id: record._id }, replacement: record, upsert: true },
      })) as never[],
      { ordered: false },
    );
  }

  /** Pending records: written only where no record is yet (never over a final one). */
  async markPending(records: readonly JournalRecord[]): Promise<void> {
    if (records.length === 0) {
      return;
    }
    await this.model.collection.bulkWrite(
      records.map(({ _id, ...record }) => ({
        updateOne: { filter: { _id }, update: { $setOnInsert: record }, upsert: true },
      })) as never[],
      { ordered: false },
    );
  }
}

/** The indexes of the records a bulk insert refused as duplicates, if that was its only error. */
function duplicateIndexes(error: unknown): number[] | undefined {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(writeErrors)
    ? (writeErrors as { code?: unknown; index?: unknown }[])
    : writeErrors
      ? [writeErrors as { code?: unknown; index?: unknown }]
      : [];
  if (
    list.length === 0 ||
    !list.every((entry) => entry.code === 11000 && typeof entry.index === 'number')
  ) {
    return undefined;
  }
  return list.map((entry) => entry.index as number);
}
