import * as os from 'node:os';
import { connectTestClient, sharedBackendUri, uniqueDbName } from '@app/testing';
import { MongoClient, type CommandStartedEvent, type Document } from 'mongodb';
import { buildSubscription } from '../../test/support/subscription.fixture';
import type { RawChangeEvent } from './change-event.mapper';
import { ChangeSource } from './change-source';
import { SplitEventAssembler } from './split-events';

const fragment = (n: number, of: number, fields: Document): RawChangeEvent => ({
  _id: { _data: `T${n}` },
  splitEvent: { fragment: n, of },
  operationType: 'update',
  ...fields,
});

describe(SplitEventAssembler.name, () => {
  it('joins the fragments of an event, with the last one’s token, and passes other events', () => {
    const assembler = new SplitEventAssembler();
    expect(assembler.accept(fragment(1, 3, { ns: { db: 'd', coll: 'c' } }))).toBeUndefined();
    expect(assembler.pending).toBe(true);
    expect(assembler.accept(fragment(2, 3, { fullDocument: { a: 1 } }))).toBeUndefined();
    expect(assembler.accept(fragment(3, 3, { fullDocumentBeforeChange: { a: 0 } }))).toEqual({
      _id: { _data: 'T3' },
      operationType: 'update',
      ns: { db: 'd', coll: 'c' },
      fullDocument: { a: 1 },
      fullDocumentBeforeChange: { a: 0 },
    });
    expect(assembler.pending).toBe(false);
    const plain = { _id: { _data: 'T4' }, operationType: 'insert' };
    expect(assembler.accept(plain)).toBe(plain);
  });

  it('refuses fragments out of order and an event cutting into a split one', () => {
    expect(() => new SplitEventAssembler().accept(fragment(2, 2, {}))).toThrow(/fragment 2 of 2/);
    const assembler = new SplitEventAssembler();
    assembler.accept(fragment(1, 2, {}));
    expect(() => assembler.accept({ _id: { _data: 'X' }, operationType: 'insert' })).toThrow(
      /before its last fragment/,
    );
  });
});

describe('ChangeSource on a server without $changeStreamSplitLargeEvent', () => {
  const appName = uniqueDbName('nosplit');
  let admin: MongoClient;
  let client: MongoClient;
  const pipelines: Document[][] = [];

  beforeAll(async () => {
    admin = await connectTestClient();
    // Its own client: a server's refusal is remembered per client.
    client = await new MongoClient(sharedBackendUri(), {
      appName,
      monitorCommands: true,
      runtimeAdapters: { os },
    }).connect();
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.commandName === 'aggregate') {
        pipelines.push(event.command.pipeline as Document[]);
      }
    });
  });

  afterAll(async () => {
    await admin
      ?.db('admin')
      .command({ configureFailPoint: 'failCommand', mode: 'off' })
      .catch(() => undefined);
    await client?.close();
    await admin?.close();
  });

  it('opens its stream again without the stage, delivers, and leaves it out from then on', async () => {
    const database = uniqueDbName('nosplit');
    const { operationTime } = await admin.db('admin').command({ ping: 1 });
    // What a MongoDB before 7.0 / 6.0.9 answers: an unknown stage.
    await admin.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['aggregate'], errorCode: 40324, appName },
    });
    const open = () => {
      const source = new ChangeSource({
        client,
        subscription: buildSubscription({ name: 'nosplit', source: { database } }),
        start: { kind: 'time', clusterTime: operationTime },
        maxAwaitTimeMs: 100,
        batchSize: 100,
        idleIntervalMs: 60_000,
      });
      source.open();
      return source;
    };
    const first = open();
    await admin
      .db(database)
      .collection('items')
      .insertOne({ _id: 'a' } as never);
    const item = await first.next();
    expect(item).toMatchObject({ kind: 'event', payload: { documentKey: { _id: 'a' } } });
    await first.close();
    const second = open();
    expect(await second.next()).toMatchObject({ payload: { documentKey: { _id: 'a' } } });
    await second.close();

    const stages = pipelines.map((pipeline) => pipeline.map((stage) => Object.keys(stage)[0]));
    expect(stages[0]).toContain('$changeStreamSplitLargeEvent');
    expect(stages.slice(1).length).toBeGreaterThanOrEqual(2);
    for (const later of stages.slice(1)) {
      expect(later).not.toContain('$changeStreamSplitLargeEvent');
    }
  });
});
