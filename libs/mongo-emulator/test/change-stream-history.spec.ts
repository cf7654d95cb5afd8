// A bounded oplog: resuming from a point that has rolled out of history fails with
// ChangeStreamHistoryLost (286) instead of silently skipping events. Provoking this needs an
// oplog of a few entries, which only the emulator can be given; a real server reports these
// tests as skipped with the reason.
import type { Collection } from 'mongodb';
import {
  StreamTracker,
  expectNoMoreChanges,
  nextChange,
  nextChanges,
  streamError,
  type ChangeEvent,
} from './support/change-streams';
import { useConformanceBackend } from './support/conformance-backend';
import { itOnEmulator } from './support/emulator-only';
import { expectErrorReply } from './support/server-errors';

const OPLOG_ENTRIES = 16;
const OVERFLOW_WRITES = OPLOG_ENTRIES * 3;
const NEEDS_SMALL_OPLOG = `needs an oplog of ${OPLOG_ENTRIES} entries`;

const backend = useConformanceBackend('history', { emulatorOplogSize: OPLOG_ENTRIES });
const streams = new StreamTracker();
let counter = 0;

function freshCollection(): Collection {
  counter += 1;
  return backend.db.collection(`hist_${counter}`);
}

/** Inserts one document and returns its change event, read from a stream opened beforehand. */
async function eventOfOneInsert(collection: Collection): Promise<ChangeEvent> {
  const stream = await streams.start(collection);
  await collection.insertOne({ _id: 'old' } as never);
  const event = await nextChange(stream);
  await stream.close();
  return event;
}

async function overflowTheOplog(collection: Collection): Promise<void> {
  for (let seq = 0; seq < OVERFLOW_WRITES; seq += 1) {
    await collection.insertOne({ _id: `filler-${seq}` } as never);
  }
}

async function resumesFromATokenInsideTheWindow(): Promise<void> {
  const collection = freshCollection();
  await overflowTheOplog(collection);
  const stream = await streams.start(collection);
  await collection.insertMany([{ _id: 'r1' }, { _id: 'r2' }, { _id: 'r3' }] as never[]);
  const [first] = await nextChanges(stream, 3);

  const resumed = streams.watch(collection, [], { resumeAfter: first._id });
  const rest = await nextChanges(resumed, 2);
  expect(rest.map((event) => event.documentKey._id)).toEqual(['r2', 'r3']);
  await expectNoMoreChanges(resumed);
}

afterEach(async () => {
  await streams.closeAll();
});

describe('bounded oplog history', () => {
  itOnEmulator(
    'fails resumeAfter a token older than the oplog with ChangeStreamHistoryLost (286)',
    NEEDS_SMALL_OPLOG,
    async () => {
      const collection = freshCollection();
      const old = await eventOfOneInsert(collection);
      await overflowTheOplog(collection);

      const error = await streamError(streams.watch(collection, [], { resumeAfter: old._id }));
      expectErrorReply(error, { code: 286, codeName: 'ChangeStreamHistoryLost' });
    },
  );

  itOnEmulator(
    'fails startAtOperationTime older than the oplog with ChangeStreamHistoryLost (286)',
    NEEDS_SMALL_OPLOG,
    async () => {
      const collection = freshCollection();
      const old = await eventOfOneInsert(collection);
      await overflowTheOplog(collection);

      const error = await streamError(
        streams.watch(collection, [], { startAtOperationTime: old.clusterTime }),
      );
      expectErrorReply(error, { code: 286, codeName: 'ChangeStreamHistoryLost' });
    },
  );

  itOnEmulator(
    'still resumes from a token that is inside the oplog window',
    NEEDS_SMALL_OPLOG,
    resumesFromATokenInsideTheWindow,
  );
});
