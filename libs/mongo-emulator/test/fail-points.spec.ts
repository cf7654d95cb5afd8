// Fault injection through MongoDB's failCommand fail point (configureFailPoint), exactly as sent
// to a real mongod with test commands enabled, and the driver's change-stream resume across
// the injected faults: no event lost, none duplicated.
import { randomBytes } from 'node:crypto';
import { MongoNetworkError, MongoServerError, type Db, type MongoClient } from 'mongodb';
import {
  StreamTracker,
  expectNoMoreChanges,
  nextChanges,
  streamError,
} from './support/change-streams';
import { CommandLog } from './support/command-log';
import { useConformanceBackend } from './support/conformance-backend';
import {
  configureFailCommand,
  disableFailCommand,
  type FailCommandData,
} from './support/fail-points';
import { expectErrorReply, serverError } from './support/server-errors';
import { rejectionOf } from './support/wait';

const backend = useConformanceBackend('faults');
// Fail points are server-wide; appName confines them to this file's application client.
const appName = `conformance-faults-${randomBytes(4).toString('hex')}`;
const streams = new StreamTracker();
let app: MongoClient;
let appDb: Db;
let log: CommandLog;
let counter = 0;

beforeAll(async () => {
  app = await backend.connect({ appName, monitorCommands: true });
  appDb = app.db(backend.dbName);
  log = new CommandLog(app);
});

beforeEach(() => {
  log.clear();
});

afterEach(async () => {
  await streams.closeAll();
  await disableFailCommand(backend.client);
});

function freshName(): string {
  counter += 1;
  return `fp_${counter}`;
}

async function timed<T>(operation: Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const started = performance.now();
  const value = await operation;
  return { value, elapsedMs: performance.now() - started };
}

describe('configureFailPoint failCommand', () => {
  it('fails the next N matching commands with errorCode in mode times', async () => {
    const name = freshName();
    await appDb.collection(name).insertOne({ _id: 1 } as never);
    await expect(
      configureFailCommand(
        backend.client,
        { times: 2 },
        { failCommands: ['find'], errorCode: 2, appName },
      ),
    ).resolves.toMatchObject({ ok: 1 });

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await serverError(appDb.command({ find: name }), `find attempt ${attempt + 1}`);
      expectErrorReply(error, { code: 2, codeName: 'BadValue' });
    }
    await expect(appDb.command({ find: name })).resolves.toMatchObject({
      ok: 1,
      cursor: { firstBatch: [{ _id: 1 }] },
    });
  });

  it('fails every matching command with the given errorLabels while alwaysOn, until off', async () => {
    const name = freshName();
    await configureFailCommand(backend.client, 'alwaysOn', {
      failCommands: ['insert'],
      errorCode: 112,
      errorLabels: ['TransientTransactionError'],
      appName,
    });

    for (let attempt = 0; attempt < 3; attempt += 1) {
      const error = await serverError(
        appDb.command({ insert: name, documents: [{ _id: attempt }] }),
      );
      expectErrorReply(error, {
        code: 112,
        codeName: 'WriteConflict',
        errorLabels: ['TransientTransactionError'],
      });
    }
    // Commands not listed in failCommands are untouched.
    await expect(appDb.command({ count: name })).resolves.toMatchObject({ ok: 1, n: 0 });

    await expect(disableFailCommand(backend.client)).resolves.toMatchObject({ ok: 1 });
    await expect(
      appDb.command({ insert: name, documents: [{ _id: 'ok' }] }),
    ).resolves.toMatchObject({
      ok: 1,
      n: 1,
    });
  });

  it('affects only clients with the fail point appName', async () => {
    const name = freshName();
    await configureFailCommand(backend.client, 'alwaysOn', {
      failCommands: ['find'],
      errorCode: 2,
      appName,
    });
    await expect(backend.db.command({ find: name })).resolves.toMatchObject({ ok: 1 });
    const error = await serverError(appDb.command({ find: name }));
    expect(error.code).toBe(2);
  });

  it('closes the connection with closeConnection, then serves the next command', async () => {
    const name = freshName();
    await configureFailCommand(
      backend.client,
      { times: 1 },
      {
        failCommands: ['find'],
        closeConnection: true,
        appName,
      },
    );
    const error = await rejectionOf(
      appDb.command({ find: name }),
      10_000,
      'find on a closed connection',
    );
    expect(error).toBeInstanceOf(MongoNetworkError);
    await expect(appDb.command({ find: name })).resolves.toMatchObject({ ok: 1 });
  });

  it('delays a command by blockTimeMS with blockConnection, then runs it', async () => {
    const name = freshName();
    await appDb.collection(name).insertOne({ _id: 1 } as never);
    const blockTimeMS = 400;
    await configureFailCommand(
      backend.client,
      { times: 1 },
      {
        failCommands: ['find'],
        blockConnection: true,
        blockTimeMS,
        appName,
      },
    );

    const blocked = await timed(appDb.command({ find: name }));
    expect(blocked.value).toMatchObject({ ok: 1, cursor: { firstBatch: [{ _id: 1 }] } });
    expect(blocked.elapsedMs).toBeGreaterThanOrEqual(blockTimeMS - 5);

    const unblocked = await timed(appDb.command({ find: name }));
    expect(unblocked.value).toMatchObject({ ok: 1 });
    expect(unblocked.elapsedMs).toBeLessThan(blockTimeMS);
  });
});

describe('change stream resume across injected getMore faults', () => {
  /**
   * Streams docs 1..8 through the application client while the next getMore fails as `fault`
   * describes, and proves the driver resumed: one failed getMore, one new $changeStream
   * aggregate, and every numbered document seen exactly once, in order.
   */
  async function streamAcrossFault(fault: Omit<FailCommandData, 'failCommands' | 'appName'>) {
    const name = freshName();
    const writer = backend.db.collection(name);
    const stream = await streams.start(appDb.collection(name));

    await writer.insertMany([1, 2, 3, 4].map((seq) => ({ _id: seq })) as never[]);
    const beforeFault = await nextChanges(stream, 2);

    log.clear();
    await configureFailCommand(
      backend.client,
      { times: 1 },
      {
        failCommands: ['getMore'],
        appName,
        ...fault,
      },
    );
    await writer.insertMany([5, 6, 7, 8].map((seq) => ({ _id: seq })) as never[]);
    const afterFault = await nextChanges(stream, 6, 15_000);

    const seen = [...beforeFault, ...afterFault].map((event) => event.documentKey._id);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await expectNoMoreChanges(stream);

    expect(log.failedNamed('getMore')).toHaveLength(1);
    const resumes = log.changeStreamAggregates();
    expect(resumes).toHaveLength(1);
    const stage = (
      resumes[0].command.pipeline as Array<{ $changeStream: Record<string, unknown> }>
    )[0].$changeStream;
    expect(stage.resumeAfter ?? stage.startAfter ?? stage.startAtOperationTime).toBeDefined();
    return log.failedNamed('getMore')[0].failure;
  }

  it('resumes after CursorNotFound (43) with no event lost or duplicated', async () => {
    const failure = await streamAcrossFault({ errorCode: 43 });
    expect(failure).toBeInstanceOf(MongoServerError);
    expect((failure as MongoServerError).code).toBe(43);
  });

  it('resumes after the server closes the connection with no event lost or duplicated', async () => {
    const failure = await streamAcrossFault({ closeConnection: true });
    expect(failure).toBeInstanceOf(MongoNetworkError);
  });

  it('resumes after an error labelled ResumableChangeStreamError', async () => {
    const failure = await streamAcrossFault({
      errorCode: 91,
      errorLabels: ['ResumableChangeStreamError'],
    });
    expect((failure as MongoServerError).hasErrorLabel('ResumableChangeStreamError')).toBe(true);
  });

  it('does not resume after a non-resumable error: the stream fails with it', async () => {
    const name = freshName();
    const stream = await streams.start(appDb.collection(name));
    await configureFailCommand(
      backend.client,
      { times: 1 },
      {
        failCommands: ['getMore'],
        errorCode: 2,
        appName,
      },
    );
    await backend.db.collection(name).insertOne({ _id: 1 } as never);

    const error = await streamError(stream);
    expectErrorReply(error, { code: 2, codeName: 'BadValue' });
    expect(log.changeStreamAggregates()).toHaveLength(1);
  });
});
