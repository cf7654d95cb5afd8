import type { Db, MongoClient } from 'mongodb';
import { connectTestClient, uniqueDbName } from '@app/testing';

/**
 * The application data a subscription watches: a database of its own on the shared backend,
 * written through the official driver as a service would.
 */
export class SourceData {
  readonly database: string;
  readonly db: Db;

  private constructor(
    readonly client: MongoClient,
    database: string,
  ) {
    this.database = database;
    this.db = client.db(database);
  }

  static async connect(uri?: string): Promise<SourceData> {
    return new SourceData(await connectTestClient(uri), uniqueDbName('src'));
  }

  collection(name: string) {
    // Loosely typed on purpose: tests write whatever fields a scenario needs.
    return this.db.collection<{ _id: string; [field: string]: any }>(name);
  }

  /** Inserts `count` documents `{ _id: '<prefix>-<n>', n }` one by one (one event each). */
  async insertNumbered(
    collection: string,
    prefix: string,
    from: number,
    count: number,
  ): Promise<string[]> {
    const ids: string[] = [];
    for (let n = from; n < from + count; n++) {
      const _id = `${prefix}-${n}`;
      await this.collection(collection).insertOne({ _id, n });
      ids.push(_id);
    }
    return ids;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The `n` of each event's document key `<prefix>-<n>`, for checking nothing is missing. */
export function numbersOf(ids: unknown[]): number[] {
  return ids.map((id) => Number(String(id).split('-').pop())).sort((a, b) => a - b);
}

/** 0 … count-1. */
export function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}
