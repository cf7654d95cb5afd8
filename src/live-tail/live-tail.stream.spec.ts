import os from 'node:os';
import { MongooseModule, getConnectionToken } from '@nestjs/mongoose';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Connection } from 'mongoose';
import { LiveTailRepository, type LiveTailBatch } from '@app/relay';
import { RELAY_MODEL_DEFINITIONS } from '@app/relay/module/relay-models';
import { sharedBackendUri, uniqueDbName } from '@app/testing';
import { ClusterClock } from '../subscriptions/cluster-clock';
import { LiveTailStream } from './live-tail.stream';

const APP_NAME = 'live-tail-stream-spec';

function batch(subscription: string, id: string): LiveTailBatch {
  return {
    subscription,
    at: new Date(),
    seen: 1,
    deliveries: [
      {
        id,
        operationType: 'insert',
        ns: { db: 'shop', coll: 'orders' },
        documentKey: '{"_id":"o-1"}',
        outcome: 'delivered',
        attempt: 1,
        at: new Date(),
      },
    ],
  };
}

describe(LiveTailStream.name, () => {
  let moduleRef: TestingModule;
  let repository: LiveTailRepository;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        // Its own appName: the fail point below delays this spec's commands only.
        // (Under jest the driver sends its appName only when handed the os module.)
        MongooseModule.forRoot(sharedBackendUri(), {
          dbName: uniqueDbName('tail'),
          appName: APP_NAME,
          runtimeAdapters: { os },
        }),
        MongooseModule.forFeature(RELAY_MODEL_DEFINITIONS),
      ],
      providers: [LiveTailRepository, ClusterClock],
    }).compile();
    await moduleRef.init();
    repository = moduleRef.get(LiveTailRepository);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  it('sees a batch published right after it started, even while its change stream still opens', async () => {
    const admin = moduleRef.get<Connection>(getConnectionToken()).getClient().db('admin');
    // The driver opens the change stream on its first read, in the background: hold that
    // `aggregate` back so the owner's next batch is published before the stream is open.
    await admin.command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: {
        failCommands: ['aggregate'],
        blockConnection: true,
        blockTimeMS: 500,
        appName: APP_NAME,
      },
    });
    const tail = await new LiveTailStream(repository, moduleRef.get(ClusterClock), 'early').start();
    try {
      await repository.publish([batch('early', 'E1'), batch('other', 'X1')]);
      // Within 5 s (the stream opens after 0.5 s), so a miss fails here and says so.
      const first = await Promise.race([
        tail.next(),
        new Promise((resolve) => setTimeout(() => resolve('missed the batch'), 5_000).unref()),
      ]);
      expect(first).toMatchObject({
        done: false,
        value: { subscription: 'early', id: 'E1', outcome: 'delivered', sampleRate: 1 },
      });
    } finally {
      await tail.return();
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
    }
  });
});
