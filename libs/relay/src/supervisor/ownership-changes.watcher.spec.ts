import { Logger } from '@nestjs/common';
import { connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { Db, MongoClient } from 'mongodb';
import type { OwnershipChange } from '../module/metadata-watch.repository';
import { OwnershipChangesWatcher } from './ownership-changes.watcher';

describe(OwnershipChangesWatcher.name, () => {
  let client: MongoClient;
  let db: Db;
  let watcher: OwnershipChangesWatcher | undefined;

  beforeAll(async () => {
    client = await connectTestClient();
  });

  beforeEach(() => {
    db = client.db(uniqueDbName('meta'));
  });

  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    await db.dropDatabase();
  });

  afterAll(async () => {
    await client.close();
  });

  it('looks at everything once its stream runs: a write made while it was being opened is in no event', async () => {
    const calls: (OwnershipChange | undefined)[] = [];
    watcher = new OwnershipChangesWatcher(
      async () => {
        const stream = db.watch<Record<string, unknown>, OwnershipChange>(
          [{ $match: { 'ns.coll': 'subscriptions' } }],
          { maxAwaitTimeMS: 100 },
        );
        // The driver runs the stream's aggregate on its first read: this write comes before it
        // (as a subscription created while the supervisor starts), so no event reports it.
        await db.collection('subscriptions').insertOne({ name: 'created-while-opening' });
        return stream;
      },
      (change) => calls.push(change),
      new Logger('test'),
    );
    watcher.start();

    await waitFor(() => calls.length > 0, { description: 'a first call' });
    expect(calls[0]).toBeUndefined();

    // Later writes arrive as events.
    await db.collection('subscriptions').insertOne({ name: 'created-later' });
    await waitFor(() => calls.some((change) => change?.ns.coll === 'subscriptions'), {
      description: 'the later write as an event',
    });
    expect(calls.filter((change) => change === undefined)).toHaveLength(1);
  });
});
