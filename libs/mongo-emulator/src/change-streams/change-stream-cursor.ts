import { calculateObjectSize } from 'bson';
import { Aggregator, type Query } from 'mingo';
import { ErrorCode, MongoCommandError } from '../errors';
import { fromTimestamp, OpTime } from '../oplog/logical-clock';
import { entryPosition } from '../oplog/oplog';
import {
  comparePositions,
  decodeResumeToken,
  encodeResumeToken,
  highWaterMark,
  positionBefore,
  TokenPosition,
} from '../oplog/resume-token';
import type { Document } from '../storage/bson-values';
import { MAX_DOCUMENT_BYTES, type StorageEngine } from '../storage/storage-engine';
import { asBadValue, compileFilter, mingoOptions } from '../query/mingo-options';
import { BatchRequest, CursorBatch, MAX_BATCH_BYTES, ServerCursor } from '../cursors/server-cursor';
import { buildChangeEvents, entryInScope } from './change-event-builder';
import { ChangeStreamScope, ChangeStreamSpec } from './change-stream-options';
import { entryPrefilter, type EntryPrefilter } from './entry-prefilter';

/** mongod's await time for a tailable awaitData getMore sent without maxTimeMS. */
const DEFAULT_AWAIT_MS = 1000;
/** Events built and filtered per step, so a batch stops close to its byte budget. */
const CHUNK_EVENTS = 256;

/**
 * A change stream: a position in the oplog, a scope and the user's later pipeline stages.
 * Each getMore reads only oplog entries after its position, so cost does not grow with history.
 */
export class ChangeStreamCursor implements ServerCursor {
  lastUsed = Date.now();
  busy = false;
  /** Cluster time the stream started at when opened without a resume point. */
  readonly startTime: OpTime;
  private seq: number;
  /** Every event at or before this position has been considered. */
  private lowWaterMark: TokenPosition;
  private invalidated = false;
  /** Aborted by killCursors/close, ending an awaiting getMore at once. */
  private readonly closer = new AbortController();
  /** Resuming right after a drop/rename that invalidates this stream: the invalidate comes next. */
  private pendingInvalidate: Document | undefined;
  private closed = false;
  /**
   * The pipeline's leading `$match` stages, tested on the events as built (no copy): most
   * events of a busy namespace fail them, as mongod filters its oplog scan before any stage.
   */
  private readonly filters: Query[] = [];
  /** What those `$match` stages say about an oplog entry, tested before its event is built. */
  private readonly entryTest: EntryPrefilter | undefined;
  /** The stages after them, run on the events that passed. */
  private readonly pipeline: Aggregator | undefined;
  /** The pipeline ends with `$changeStreamSplitLargeEvent`: events over 16 MiB are split. */
  private readonly splitLargeEvents: boolean;
  /**
   * Events (or fragments) built and filtered but not returned yet: the fragments of a large
   * event go out as their batches' byte budget allows, and what follows them waits here.
   */
  private ready: { doc: Document; size: number }[] = [];
  private readyHead = 0;
  /** The invalidate event, while it waits in `ready`. */
  private queuedInvalidate: Document | undefined;
  /** Resumed from a fragment's token: that event's fragments up to it were returned already. */
  private resumeFragment: TokenPosition | undefined;

  constructor(
    readonly ns: string,
    private readonly engine: StorageEngine,
    private readonly scope: ChangeStreamScope,
    private readonly spec: ChangeStreamSpec,
    stages: Document[],
    /** Earliest cluster time the emulator has history for (its start). */
    historyStart: OpTime,
  ) {
    const { oplog, clock } = engine;
    const token = spec.resumeAfter ?? spec.startAfter;
    if (token !== undefined) {
      const position = decodeResumeToken(token);
      if (position.kind === 'invalidate' && spec.resumeAfter !== undefined) {
        throw new MongoCommandError(
          ErrorCode.InvalidResumeToken,
          "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification.",
        );
      }
      this.assertHistoryAvailable(position, historyStart);
      if (position.kind === 'event' && !oplog.contains(position)) {
        throw new MongoCommandError(
          ErrorCode.ChangeStreamFatalError,
          `cannot resume stream; the resume token was not found. ${JSON.stringify(token)}`,
        );
      }
      if (position.fragment !== undefined) {
        // The rest of that event's fragments come first: read its entry again.
        this.seq = oplog.seqAfter({ ...position, op: position.op - 1, fragment: undefined });
        this.resumeFragment = position;
      } else {
        this.seq = oplog.seqAfter(position);
      }
      this.lowWaterMark = position;
      this.startTime = clock.now();
      this.pendingInvalidate = this.invalidateAfter(position);
    } else if (spec.startAtOperationTime !== undefined) {
      const time = fromTimestamp(spec.startAtOperationTime);
      if (!time)
        throw new MongoCommandError(
          ErrorCode.TypeMismatch,
          "'startAtOperationTime' must be a Timestamp",
        );
      const justBefore: TokenPosition = { t: time.t, i: time.i, op: -1, kind: 'event' };
      this.assertHistoryAvailable(justBefore, historyStart);
      this.seq = oplog.seqAfter(justBefore);
      // op -1 has no token encoding; the first postBatchResumeToken (e.g. after batchSize 0)
      // must be a real token that resumes at the events of `time`.
      this.lowWaterMark = positionBefore(time);
      this.startTime = time;
    } else {
      // A reserved cluster time no write will ever use: "events from now on" and the
      // operationTime the driver resumes from are then the same point.
      this.startTime = clock.tick();
      this.seq = oplog.nextSeq;
      this.lowWaterMark = highWaterMark(this.startTime);
    }
    this.splitLargeEvents =
      stages.length > 0 && Object.keys(stages[stages.length - 1])[0] === SPLIT_STAGE;
    let rest = this.splitLargeEvents ? stages.slice(0, -1) : stages;
    const entryTests: EntryPrefilter[] = [];
    while (rest.length > 0 && isPlainMatch(rest[0])) {
      this.filters.push(compileFilter(rest[0].$match));
      const test = entryPrefilter(rest[0].$match);
      if (test) entryTests.push(test);
      rest = rest.slice(1);
    }
    this.entryTest =
      entryTests.length <= 1 ? entryTests[0] : (entry) => entryTests.every((test) => test(entry));
    // Events share stored documents; stages other than $match may modify their input in mingo.
    const needsCopies = rest.some((stage) => Object.keys(stage)[0] !== '$match');
    if (rest.length > 0) {
      try {
        this.pipeline = new Aggregator(rest, mingoOptions(undefined, needsCopies));
      } catch (error) {
        throw asBadValue(error);
      }
    }
  }

  private invalidateAfter(position: TokenPosition): Document | undefined {
    if (position.kind !== 'event') return undefined;
    const entry = this.engine.oplog.get(this.seq - 1);
    if (
      !entry ||
      entry.op === 'insert' ||
      entry.op === 'update' ||
      entry.op === 'replace' ||
      entry.op === 'delete'
    ) {
      return undefined;
    }
    if (comparePositions(entryPosition(entry), position) !== 0 || !entryInScope(entry, this.scope))
      return undefined;
    return buildChangeEvents(entry, this.scope, this.spec, this.engine).find(
      (built) => built.invalidates,
    )?.event;
  }

  private assertHistoryAvailable(position: TokenPosition, historyStart: OpTime): void {
    const dropped = this.engine.oplog.lastDropped;
    // The token a stream opened at the start reports (the high-water mark just before it) is
    // still in history; anything earlier is not.
    const beforeStart = comparePositions(position, positionBefore(historyStart)) < 0;
    if (beforeStart || (dropped !== undefined && comparePositions(dropped, position) >= 0)) {
      throw historyLost();
    }
  }

  /** The first batch: whatever is already there, without waiting. */
  async firstBatch(batchSize: number | undefined, signal: AbortSignal): Promise<CursorBatch> {
    return this.nextBatch({ batchSize, maxTimeMS: 0, signal });
  }

  async nextBatch(request: BatchRequest): Promise<CursorBatch> {
    if (request.batchSize === 0) return this.batch([]);
    const limit = request.batchSize ?? Number.MAX_SAFE_INTEGER;
    const waitMs = request.maxTimeMS ?? DEFAULT_AWAIT_MS;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const docs = this.collect(limit);
      if (docs.length > 0 || this.invalidated || this.closed || waitMs <= 0)
        return this.batch(docs);
      const remaining = deadline - Date.now();
      if (remaining <= 0 || request.signal.aborted) return this.batch(docs);
      await this.waitForEntries(remaining, request.signal);
      if (this.closed) {
        // killCursors while this getMore waited: mongod interrupts the operation.
        throw new MongoCommandError(ErrorCode.CursorKilled, 'killed cursor explicitly');
      }
    }
  }

  close(): void {
    this.closed = true;
    this.closer.abort();
  }

  private batch(docs: Document[]): CursorBatch {
    const caughtUp = this.seq >= this.engine.oplog.nextSeq;
    let token: TokenPosition;
    if (this.invalidated || !caughtUp) token = this.lowWaterMark;
    else {
      const now = highWaterMark(this.engine.clock.now());
      token = comparePositions(now, this.lowWaterMark) > 0 ? now : this.lowWaterMark;
      this.lowWaterMark = token;
    }
    return {
      docs,
      exhausted: this.invalidated || this.closed,
      postBatchResumeToken: encodeResumeToken(token),
    };
  }

  private async waitForEntries(ms: number, signal: AbortSignal): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.closer.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.engine.oplog.waitForAppend(controller.signal);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      this.closer.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Reads events from the oplog position until `limit` events or the end of the oplog. */
  private collect(limit: number): Document[] {
    const { oplog } = this.engine;
    const out: Document[] = [];
    if (this.pendingInvalidate) {
      out.push(this.pendingInvalidate);
      this.invalidated = true;
      this.lowWaterMark = decodeResumeToken(this.pendingInvalidate._id);
      this.pendingInvalidate = undefined;
      return out;
    }
    const budget = { bytes: 0 };
    if (!this.drainReady(out, limit, budget)) return out;
    while (out.length < limit && this.seq < oplog.nextSeq && !this.invalidated && !this.closed) {
      if (this.seq < oplog.firstSeq) throw historyLost();
      const chunk: Document[] = [];
      let invalidateAt = -1;
      let lastPosition = this.lowWaterMark;
      const chunkLimit = Math.min(limit - out.length, CHUNK_EVENTS);
      while (chunk.length < chunkLimit && this.seq < oplog.nextSeq) {
        const entry = oplog.get(this.seq);
        if (!entry) throw historyLost();
        this.seq += 1;
        lastPosition = entryPosition(entry);
        if (!entryInScope(entry, this.scope)) continue;
        if (this.entryTest && !this.entryTest(entry)) continue;
        for (const built of buildChangeEvents(entry, this.scope, this.spec, this.engine)) {
          chunk.push(built.event);
          if (built.invalidates) invalidateAt = chunk.length - 1;
        }
        if (invalidateAt >= 0) break;
      }
      for (const event of this.applyPipeline(chunk, invalidateAt)) {
        this.queueFitted(event);
      }
      if (invalidateAt >= 0) this.queuedInvalidate = chunk[invalidateAt];
      if (!this.drainReady(out, limit, budget)) return out;
      this.lowWaterMark = lastPosition;
      if (budget.bytes > MAX_BATCH_BYTES / 2) break; // a chunk adds far less than the other half
    }
    return out;
  }

  /**
   * Moves ready events into the batch while it has room (one at least). True when none is left;
   * otherwise the batch ends at the last one taken, which is then the resume point.
   */
  private drainReady(out: Document[], limit: number, budget: { bytes: number }): boolean {
    while (this.readyHead < this.ready.length) {
      const { doc, size } = this.ready[this.readyHead];
      if (out.length >= limit || (out.length > 0 && budget.bytes + size > MAX_BATCH_BYTES)) {
        this.lowWaterMark = decodeResumeToken(out[out.length - 1]._id);
        return false;
      }
      this.readyHead += 1;
      out.push(doc);
      budget.bytes += size;
      if (doc === this.queuedInvalidate) {
        this.queuedInvalidate = undefined;
        this.invalidated = true;
        this.lowWaterMark = decodeResumeToken(doc._id);
      }
    }
    this.ready = [];
    this.readyHead = 0;
    return true;
  }

  /**
   * Queues an event as it can be returned: itself within the limit; over it, its fragments when the
   * pipeline ends with `$changeStreamSplitLargeEvent` (less those a resumed stream returned
   * already), else BSONObjectTooLarge, as mongod fails the getMore.
   */
  private queueFitted(event: Document): void {
    const resumed = this.resumeFragment;
    this.resumeFragment = undefined;
    const size = calculateObjectSize(event);
    if (size <= MAX_EVENT_BYTES) {
      this.ready.push({ doc: event, size });
      return;
    }
    if (!this.splitLargeEvents) throw eventTooLarge(size, event);
    let fragments = splitEvent(event, size);
    if (resumed !== undefined) {
      const position = decodeResumeToken(event._id);
      if (comparePositions({ ...resumed, fragment: undefined }, position) === 0) {
        fragments = fragments.slice(resumed.fragment);
      }
    }
    for (const fragment of fragments) {
      this.ready.push({ doc: fragment, size: calculateObjectSize(fragment) });
    }
  }

  /** Runs the user's stages; the invalidate event bypasses them, as in mongod. */
  private applyPipeline(events: Document[], invalidateAt: number): Document[] {
    if ((!this.pipeline && this.filters.length === 0) || events.length === 0) return events;
    const invalidate = invalidateAt >= 0 ? events[invalidateAt] : undefined;
    let input = invalidate ? events.filter((_, index) => index !== invalidateAt) : events;
    if (this.filters.length > 0) {
      try {
        input = input.filter((event) => this.filters.every((filter) => filter.test(event)));
      } catch (error) {
        throw asBadValue(error);
      }
    }
    if (!this.pipeline) return invalidate ? [...input, invalidate] : input;
    const tokens = new Set(input.map((event) => (event._id as { _data: string })._data));
    let output: Document[];
    try {
      output = this.pipeline.run(input);
    } catch (error) {
      throw asBadValue(error);
    }
    for (const event of output) {
      const id = event._id as { _data?: unknown } | undefined;
      const data = id && typeof id === 'object' ? id._data : undefined;
      if (typeof data !== 'string' || !tokens.has(data) || Object.keys(id as object).length !== 1) {
        throw new MongoCommandError(
          ErrorCode.ChangeStreamFatalError,
          'Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed.',
        );
      }
    }
    return invalidate ? [...output, invalidate] : output;
  }
}

/** A `{$match: {...}}` stage alone (anything else is left to the aggregator to judge). */
function isPlainMatch(stage: Document): stage is { $match: Document } {
  const keys = Object.keys(stage);
  const match = stage.$match;
  return (
    keys.length === 1 &&
    keys[0] === '$match' &&
    typeof match === 'object' &&
    match !== null &&
    !Array.isArray(match)
  );
}

const SPLIT_STAGE = '$changeStreamSplitLargeEvent';

/**
 * The largest change event returned whole: mongod's internal object limit (16 MiB + 16 KiB),
 * less room for the reply around it. An event holding a whole document (at most 16 MiB) and
 * the event's own fields fits.
 */
const MAX_EVENT_BYTES = MAX_DOCUMENT_BYTES + 15 * 1024;
/** What a fragment's fields may take: the rest is for its `_id` (its token) and `splitEvent`. */
const FRAGMENT_CAPACITY_BYTES = MAX_EVENT_BYTES - 1024;

function eventTooLarge(size: number, event: Document): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.BSONObjectTooLarge,
    `Executor error during getMore :: caused by :: BSONObj size: ${size} (0x${size.toString(16).toUpperCase()}) is invalid. Size must be between 0 and 16793600(16MB) First element: _id: ${JSON.stringify(event._id)}`,
  );
}

/**
 * `$changeStreamSplitLargeEvent`: the event's top-level fields, smallest first, packed greedily
 * into fragments (so the first fragment carries as many fields as it can: the
 * event's context comes first). Each fragment has its own resume token and
 * `splitEvent: {fragment, of}`. A single field too large for a fragment cannot be split.
 */
function splitEvent(event: Document, size: number): Document[] {
  const fields = Object.keys(event)
    .filter((name) => name !== '_id')
    .map((name) => ({ name, bytes: calculateObjectSize({ [name]: event[name] }) - 5 }))
    .sort((a, b) => a.bytes - b.bytes);
  const groups: string[][] = [];
  let used = FRAGMENT_CAPACITY_BYTES;
  for (const { name, bytes } of fields) {
    if (bytes > FRAGMENT_CAPACITY_BYTES) throw eventTooLarge(size, event);
    if (used + bytes > FRAGMENT_CAPACITY_BYTES) {
      groups.push([]);
      used = 0;
    }
    groups[groups.length - 1].push(name);
    used += bytes;
  }
  const position = decodeResumeToken(event._id);
  return groups.map((names, index) => {
    const fragment: Document = {
      _id: encodeResumeToken({ ...position, fragment: index + 1 }),
      splitEvent: { fragment: index + 1, of: groups.length },
    };
    for (const name of names) fragment[name] = event[name];
    return fragment;
  });
}

function historyLost(): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.ChangeStreamHistoryLost,
    'Executor error during getMore :: caused by :: Resume of change stream was not possible, as the resume point may no longer be in the oplog.',
  );
}
