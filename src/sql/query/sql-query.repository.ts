import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { MongoServerError } from 'mongodb';
import type { Connection } from 'mongoose';
import { SqlErrors } from '../sql.errors';
import type { Stage } from './virtual-tables';

/** MongoDB's MaxTimeMSExpired. */
const MAX_TIME_EXPIRED = 50;

/** Runs a translated query: one aggregation, with a time limit, in the metadata database. */
@Injectable()
export class SqlQueryRepository {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  async aggregate(
    collection: string,
    pipeline: Stage[],
    maxTimeMS: number,
  ): Promise<Record<string, unknown>[]> {
    try {
      return await this.connection
        .collection(collection)
        .aggregate<Record<string, unknown>>(pipeline, { maxTimeMS, allowDiskUse: false })
        .toArray();
    } catch (error) {
      if (error instanceof MongoServerError) {
        if (error.code === MAX_TIME_EXPIRED) {
          throw SqlErrors.queryTimeout(maxTimeMS);
        }
        // The translation is valid; the data did not fit it (e.g. a date function over a string).
        throw SqlErrors.invalid(`the query failed in MongoDB: ${error.message}`);
      }
      throw error;
    }
  }
}
