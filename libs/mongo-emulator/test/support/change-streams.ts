// Change-stream helpers that cannot hang: every read is a `tryNext()` (one getMore bounded by a
// short maxAwaitTimeMS) inside an overall deadline, and every stream opened through a
// StreamTracker is closed after each test.
import {
  Timestamp,
  type ChangeStream,
  type ChangeStreamOptions,
  type Document,
  type ResumeToken,
} from 'mongodb';
import { WaitTimeoutError, withTimeout } from './wait';

class UnexpectedEventError extends Error {}

/** Keeps each getMore of a test stream short, so tryNext() returns quickly when idle. */
export const STREAM_AWAIT_MS = 100;
export const DEFAULT_EVENT_TIMEOUT_MS = 5_000;

export interface Watchable {
  watch(pipeline?: Document[], options?: ChangeStreamOptions): ChangeStream<any, any>;
}

export type AnyChangeStream = ChangeStream<any, any>;
/** A change event as returned by the server; its shape is what the specs assert. */
export type ChangeEvent = Document & {
  _id: ResumeToken;
  operationType: string;
  clusterTime: Timestamp;
};

export class StreamTracker {
  private readonly streams = new Set<AnyChangeStream>();

  /** Opens a stream without starting it (the driver sends `aggregate` on the first read). */
  watch(
    target: Watchable,
    pipeline: Document[] = [],
    options: ChangeStreamOptions = {},
  ): AnyChangeStream {
    const stream = target.watch(pipeline, { maxAwaitTimeMS: STREAM_AWAIT_MS, ...options });
    this.streams.add(stream);
    return stream;
  }

  /**
   * Opens a stream and makes the driver run its `aggregate` (plus one empty getMore), so the
   * stream is positioned before anything the test does next.
   */
  async start(
    target: Watchable,
    pipeline: Document[] = [],
    options: ChangeStreamOptions = {},
  ): Promise<AnyChangeStream> {
    const stream = this.watch(target, pipeline, options);
    const first = await withTimeout(
      stream.tryNext(),
      DEFAULT_EVENT_TIMEOUT_MS,
      'the change stream to open',
    );
    if (first !== null) {
      throw new Error(`A freshly opened change stream returned an event: ${JSON.stringify(first)}`);
    }
    return stream;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.streams].map((stream) => stream.close()));
    this.streams.clear();
  }
}

/** Reads exactly `count` events, failing with what did arrive when the deadline passes. */
export async function nextChanges(
  stream: AnyChangeStream,
  count: number,
  timeoutMs: number = DEFAULT_EVENT_TIMEOUT_MS,
): Promise<ChangeEvent[]> {
  const events: ChangeEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (events.length < count) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${count} change events; got ${events.length}: ` +
          JSON.stringify(events.map((event) => event.operationType)),
      );
    }
    const event = await withTimeout<ChangeEvent | null>(
      stream.tryNext(),
      remaining + 2_000,
      `change event ${events.length + 1} of ${count}`,
    );
    if (event !== null) {
      events.push(event);
    }
  }
  return events;
}

export async function nextChange(
  stream: AnyChangeStream,
  timeoutMs: number = DEFAULT_EVENT_TIMEOUT_MS,
): Promise<ChangeEvent> {
  const [event] = await nextChanges(stream, 1, timeoutMs);
  return event;
}

/** Asserts the stream has nothing more to return right now (one full getMore comes back empty). */
export async function expectNoMoreChanges(stream: AnyChangeStream): Promise<void> {
  const event = await withTimeout<ChangeEvent | null>(
    stream.tryNext(),
    DEFAULT_EVENT_TIMEOUT_MS,
    'an idle change stream read to return',
  );
  expect(event).toBeNull();
}

/** Reads until the stream fails and returns the error (fails if it does not fail in time). */
export async function streamError(
  stream: AnyChangeStream,
  timeoutMs: number = DEFAULT_EVENT_TIMEOUT_MS,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const event = await withTimeout<ChangeEvent | null>(
        stream.tryNext(),
        deadline - Date.now() + 2_000,
        'the change stream to fail',
      );
      if (event !== null) {
        throw new UnexpectedEventError(
          `Expected the change stream to fail, but it returned ${JSON.stringify(event)}`,
        );
      }
    } catch (error) {
      if (error instanceof UnexpectedEventError || error instanceof WaitTimeoutError) {
        throw error;
      }
      return error;
    }
  }
  throw new WaitTimeoutError(
    `Timed out after ${timeoutMs} ms waiting for the change stream to fail`,
  );
}

/** The hex string of a resume token (`{_data: <hex>}`), asserting that shape. */
export function tokenData(token: unknown): string {
  expect(token).toEqual({ _data: expect.stringMatching(/^[0-9A-F]+$/) });
  return (token as { _data: string })._data;
}

/** The fields every event carries: a resume token, a Timestamp and a recent wall-clock Date. */
export function expectEventBasics(event: ChangeEvent): void {
  tokenData(event._id);
  expect(event.clusterTime).toBeInstanceOf(Timestamp);
  const wallTime = event.wallTime as Date;
  expect(wallTime).toBeInstanceOf(Date);
  expect(Math.abs(wallTime.getTime() - Date.now())).toBeLessThan(60_000);
}

export function sortedKeys(document: object): string[] {
  return Object.keys(document).sort();
}

/** MongoDB 8.2 (wire version 27) adds collectionUUID to collection events by default. */
const COLLECTION_UUID_BY_DEFAULT_WIRE_VERSION = 27;
const EVENTS_WITHOUT_COLLECTION = new Set(['dropDatabase', 'invalidate']);

/**
 * Asserts the exact top-level field set of a change event, as documented for the server
 * release in `hello` (7.0 for the emulator).
 */
export function expectEventKeys(event: Document, hello: Document, keys: string[]): void {
  const expected = [...keys];
  if (
    Number(hello.maxWireVersion) >= COLLECTION_UUID_BY_DEFAULT_WIRE_VERSION &&
    !EVENTS_WITHOUT_COLLECTION.has(String(event.operationType))
  ) {
    expected.push('collectionUUID');
  }
  expect(sortedKeys(event)).toEqual(expected.sort());
}
