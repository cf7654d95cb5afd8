import { uniqueDbName } from '@app/testing';
import type { MongoClient } from 'mongodb';
import type { ChangeEventEnvelope } from '../../src/handlers/change-event.envelope';
import type { SubscriptionSource } from '../../src/subscriptions/subscription.types';

const BIG = 9 * 1024 * 1024;

/**
 * A change event of 27 MiB, which the server splits: a 9 MiB document rewritten, with its pre-
 * and post-image and an update description of 9 MiB each. `prepare` writes the document;
 * `write` makes the event, then inserts `{_id: 2}` after it.
 */
export class LargeEvent {
  private constructor(
    private readonly client: MongoClient,
    readonly database: string,
  ) {}

  static async prepare(client: MongoClient): Promise<LargeEvent> {
    const database = uniqueDbName('large');
    await client
      .db(database)
      .createCollection('docs', { changeStreamPreAndPostImages: { enabled: true } });
    await client
      .db(database)
      .collection<{ _id: number; big?: string }>('docs')
      .insertOne({ _id: 1, big: 'a'.repeat(BIG) });
    return new LargeEvent(client, database);
  }

  /** A subscription source that receives the images. */
  source(overrides: Partial<SubscriptionSource> = {}): Partial<SubscriptionSource> {
    return {
      database: this.database,
      collections: ['docs'],
      fullDocument: 'required',
      fullDocumentBeforeChange: 'required',
      ...overrides,
    };
  }

  async write(): Promise<void> {
    const docs = this.client.db(this.database).collection<{ _id: number; big?: string }>('docs');
    await docs.updateOne({ _id: 1 }, { $set: { big: 'b'.repeat(BIG) } });
    await docs.insertOne({ _id: 2 });
  }

  /**
   * What a subscription got from `write`: without the insert of the document by `prepare`,
   * which one started at that cluster time may see (`startAtOperationTime` is inclusive).
   */
  written(envelopes: ChangeEventEnvelope[]): ChangeEventEnvelope[] {
    return envelopes.filter(
      (envelope) => !(envelope.operationType === 'insert' && envelope.documentKey?._id === 1),
    );
  }

  /** The update as a handler must see it: whole, every field of every fragment. */
  expectWhole(update: ChangeEventEnvelope): void {
    expect(update.operationType).toBe('update');
    expect(update.fullDocument?.big).toBe('b'.repeat(BIG));
    expect(update.fullDocumentBeforeChange?.big).toBe('a'.repeat(BIG));
    expect(update.updateDescription?.updatedFields).toEqual({ big: 'b'.repeat(BIG) });
    expect(update).not.toHaveProperty('splitEvent');
  }
}
