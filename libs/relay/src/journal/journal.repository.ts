import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { MongoNetworkError, MongoServerError, WriteConcern } from 'mongodb';
import type { Model } from 'mongoose';
import { RELAY_MODELS } from '../module/relay-models';
import type { JournalRecordDocument } from './journal.schema';
import type { StoredJournalRecord } from './journal.types';

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
   * Unordered `insert` commands (one per 8 MB of records at most). A record whose `_id` is
   * already there (a pending record, or an event redelivered after a crash) replaces it; any
   * other failure rejects.
   *
   * The `insert` command rather than `insertMany`: the driver's bulk API computes every
   * document's BSON size (allocating its key lists) to split batches before serialising it
   * again, the largest share of the journal's cost in the relay. Records are bounded from the
   * sizes already known instead (`recordSizeBound`).
   */
  async insert(records: readonly StoredJournalRecord[]): Promise<JournalInsertResult> {
    const result: JournalInsertResult = { inserted: 0, duplicates: 0 };
    let start = 0;
    while (start < records.length) {
      let end = start;
      let bytes = 0;
      while (end < records.length && end - start < MAX_WRITE_BATCH) {
        bytes += recordSizeBound(records[end]);
        if (bytes > MAX_COMMAND_BYTES && end > start) {
          break;
        }
        end += 1;
      }
      const batch = start === 0 && end === records.length ? records : records.slice(start, end);
      const { inserted, duplicates } = await this.insertBatch(batch);
      result.inserted += inserted;
      result.duplicates += duplicates;
      start = end;
    }
    return result;
  }

  private async insertBatch(records: readonly StoredJournalRecord[]): Promise<JournalInsertResult> {
    const db = this.model.db.db;
    if (!db) {
      throw new Error('The metadata connection is not open');
    }
    const command: Record<string, unknown> = {
      insert: this.model.collection.collectionName,
      documents: records,
      ordered: false,
    };
    // A command does not inherit the connection's write concern as `insertMany` did: given here.
    if (db.writeConcern) {
      WriteConcern.apply(command, db.writeConcern);
    }
    // Retried once after a network error or a primary change, as the driver retries a write
    // (records the first attempt stored are then duplicates, replaced).
    let reply: InsertReply;
    try {
      reply = await db.command(command);
    } catch (error) {
      if (!isRetryable(error)) {
        throw error;
      }
      reply = await db.command(command);
    }
    if (reply.writeConcernError) {
      const { errmsg } = reply.writeConcernError;
      throw new MongoServerError({
        message: errmsg ?? 'write concern error',
        ...reply.writeConcernError,
      });
    }
    const errors = reply.writeErrors ?? [];
    if (errors.length === 0) {
      return { inserted: reply.n ?? records.length, duplicates: 0 };
    }
    if (!errors.every((entry) => entry.code === 11000 && typeof entry.index === 'number')) {
      const first = errors.find((entry) => entry.code !== 11000) ?? errors[0];
      throw new MongoServerError({ message: first.errmsg ?? 'journal insert failed', ...first });
    }
    // Already there: a pending record (replaced by the outcome), or the same event journaled
    // by an earlier owner before a crash (replaced by the latest outcome).
    await this.replace(errors.map((entry) => records[entry.index]));
    return { inserted: records.length - errors.length, duplicates: errors.length };
  }

  /** Final records of events that may have a pending record: replace it (or insert). */
  async replace(records: readonly StoredJournalRecord[]): Promise<void> {
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
  async markPending(records: readonly StoredJournalRecord[]): Promise<void> {
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

/** The errors a retryable write is retried after (the retryable writes spec's codes). */
const RETRYABLE_CODES = new Set([
  6, 7, 89, 91, 134, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436,
]);

function isRetryable(error: unknown): boolean {
  if (error instanceof MongoNetworkError) {
    return true;
  }
  return (
    error instanceof MongoServerError &&
    (error.hasErrorLabel('RetryableWriteError') ||
      (typeof error.code === 'number' && RETRYABLE_CODES.has(error.code)))
  );
}

/** Well under MongoDB's 16 MB command document limit, and its 100,000 writes per batch. */
const MAX_COMMAND_BYTES = 8 * 1024 * 1024;
const MAX_WRITE_BATCH = 100_000;

interface InsertReply {
  n?: number;
  writeErrors?: { index: number; code: number; errmsg?: string }[];
  writeConcernError?: { code?: number; errmsg?: string };
}

/**
 * An upper bound of a record's BSON size without walking it: its variable parts come from the
 * change event (`sizeBytes`: its document key, ids and business field values are parts of it;
 * a field may repeat one) or are short (names from the validated subscription), besides the
 * error message.
 */
export function recordSizeBound(record: StoredJournalRecord): number {
  let fields = 0;
  let names = 0;
  for (const name in record.fields) {
    fields += 1;
    names += name.length;
  }
  return (
    1_024 +
    record.sizeBytes * (4 + fields) +
    3 * (names + record._id.length + (record.error ? record.error.message.length : 0))
  );
}
