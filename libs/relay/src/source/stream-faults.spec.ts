import * as os from 'node:os';
import { connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { CommandFailedEvent, CommandStartedEvent, MongoClient } from 'mongodb';
import { EventLog } from '../../test/support/event-log';
import { RelayRuntime, createSubscription } from '../../test/support/relay-runtime';

/**
 * Stream faults injected with MongoDB's own `failCommand` fail point, scoped by appName to this
 * runtime's connection so parallel spec files are not affected.
 */
describe('ChangeSource under stream faults', () => {
  let admin: MongoClient;
  let runtime: RelayRuntime;
  const log = new EventLog();
  const sourceDb = uniqueDbName('src');
  const appName = uniqueDbName('faulty');
  /**
   * getMore failures of the subscription's database-level change stream (the runtime's own
   * metadata stream is database-level too, on the metadata database: told apart by database).
   */
  const streamGetMoreFailures: CommandFailedEvent[] = [];

  beforeAll(async () => {
    admin = await connectTestClient();
    runtime = await RelayRuntime.start({
      metaDb: uniqueDbName('meta'),
      instanceId: 'faults-a',
      log,
      // runtimeAdapters: under jest the driver cannot find `os` itself and sends no client
      // metadata, hence no appName, in its handshake.
      connection: { appName, monitorCommands: true, runtimeAdapters: { os } },
    });
    const pending = new Map<number, string>();
    const client = runtime.connection.getClient();
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.commandName === 'getMore') {
        pending.set(event.requestId, `${event.databaseName}.${String(event.command.collection)}`);
      }
    });
    client.on('commandFailed', (event: CommandFailedEvent) => {
      if (
        event.commandName === 'getMore' &&
        pending.get(event.requestId) === `${sourceDb}.$cmd.aggregate`
      ) {
        streamGetMoreFailures.push(event);
      }
    });
    await createSubscription(runtime, admin, {
      name: 'faulty',
      source: { database: sourceDb, collections: ['events'] },
      delivery: { ordering: 'strict' },
    });
  });

  afterAll(async () => {
    await admin
      ?.db('admin')
      .command({ configureFailPoint: 'failCommand', mode: 'off' })
      .catch(() => undefined);
    await runtime?.close();
    await admin?.close();
  });

  const events = () => admin.db(sourceDb).collection<{ _id: number }>('events');
  const adminDb = () => admin.db('admin');

  /** Arms a one-shot getMore failure until one hits the subscription's stream (not another cursor). */
  async function failOneStreamGetMore(data: Record<string, unknown>): Promise<void> {
    const before = streamGetMoreFailures.length;
    await waitFor(
      async () => {
        if (streamGetMoreFailures.length > before) {
          return true;
        }
        await adminDb().command({
          configureFailPoint: 'failCommand',
          mode: { times: 1 },
          data: { failCommands: ['getMore'], appName, ...data },
        });
        return false;
      },
      { intervalMs: 150, description: 'a failed getMore on the change stream' },
    );
    await adminDb().command({ configureFailPoint: 'failCommand', mode: 'off' });
  }

  it('loses nothing when a getMore fails with a resumable error (CursorNotFound)', async () => {
    await events().insertMany([{ _id: 1 }, { _id: 2 }]);
    await log.waitForInserted('faulty', [1, 2]);
    const failing = failOneStreamGetMore({ errorCode: 43 });
    await events().insertMany([{ _id: 3 }, { _id: 4 }]);
    await failing;
    await events().insertMany([{ _id: 5 }, { _id: 6 }]);
    await log.waitForInserted('faulty', [1, 2, 3, 4, 5, 6]);
    expect([...new Set(log.keys('faulty'))]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('loses nothing when the connection closes mid-stream', async () => {
    const failing = failOneStreamGetMore({ closeConnection: true });
    await events().insertMany([{ _id: 7 }, { _id: 8 }]);
    await failing;
    await events().insertMany([{ _id: 9 }, { _id: 10 }]);
    await log.waitForInserted('faulty', [7, 8, 9, 10]);
    expect([...new Set(log.keys('faulty'))]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('restarts the stream with backoff after a non-resumable error, losing nothing', async () => {
    // InternalError without the ResumableChangeStreamError label: the driver gives up, the worker restarts.
    const failing = failOneStreamGetMore({ errorCode: 1 });
    await events().insertMany([{ _id: 11 }, { _id: 12 }]);
    await failing;
    await events().insertOne({ _id: 13 });
    await log.waitForInserted('faulty', [11, 12, 13]);
    expect([...new Set(log.keys('faulty'))]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    // The lease's status is written off the delivery path: wait for it rather than race it.
    const lastError = await waitFor(
      async () => (await runtime.leases.find('faulty'))?.status.lastError ?? false,
      { description: "the stream's error recorded on the lease" },
    );
    expect(lastError.code).toBe(1);
  });
});
