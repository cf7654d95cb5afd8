import { MongoServerError, type Document, type MongoClient } from 'mongodb';
import type { RawChangeEvent } from './change-event.mapper';

/**
 * The last stage of every change stream the relay opens: an event over 16 MiB (a large
 * document with its pre- or post-image) comes in fragments instead of failing the stream
 * with BSONObjectTooLarge, which a restart would only repeat (MongoDB 7.0, 6.0.9).
 */
const SPLIT_STAGE: Document = { $changeStreamSplitLargeEvent: {} };

/** Clients whose server refused the stage (older than 7.0 / 6.0.9): their streams go without. */
const withoutSplitting = new WeakSet<MongoClient>();

/** `pipeline` with the split stage last, unless the client's server does not know it. */
export function withSplitStage(client: MongoClient, pipeline: Document[]): Document[] {
  return withoutSplitting.has(client) ? pipeline : [...pipeline, SPLIT_STAGE];
}

/**
 * Whether `error` is the server refusing the split stage (an unknown stage); if so, this
 * client's streams are opened without it from now on and the caller opens its stream again.
 */
export function splitStageRefused(client: MongoClient, error: unknown): boolean {
  // Subscription pipelines hold known stages only, so an unknown stage is this one. Once
  // without it, the same error is the caller's to handle.
  if (error instanceof MongoServerError && error.code === 40324 && !withoutSplitting.has(client)) {
    withoutSplitting.add(client);
    return true;
  }
  return false;
}

interface SplitEvent {
  fragment: number;
  of: number;
}

/**
 * Puts split events back together: fragments arrive in order, one after the other, and the
 * whole event (every fragment's fields) carries the last fragment's resume token, so a stream
 * resumed from it continues after the whole event. While fragments are missing, the stream's
 * own resume token points inside an event: no position may be taken from it (`pending`).
 */
export class SplitEventAssembler {
  private fragments: RawChangeEvent[] = [];

  get pending(): boolean {
    return this.fragments.length > 0;
  }

  /** The whole event, or undefined while it waits for more fragments. */
  accept(event: RawChangeEvent): RawChangeEvent | undefined {
    const split = event.splitEvent as SplitEvent | undefined;
    if (split === undefined) {
      if (this.pending) {
        throw new Error('The change stream ended a split event before its last fragment');
      }
      return event;
    }
    if (split.fragment !== this.fragments.length + 1 || split.fragment > split.of) {
      throw new Error(
        `The change stream returned fragment ${split.fragment} of ${split.of} after ${this.fragments.length}`,
      );
    }
    this.fragments.push(event);
    if (split.fragment < split.of) {
      return undefined;
    }
    const whole = { _id: event._id } as RawChangeEvent;
    for (const fragment of this.fragments) {
      for (const [name, value] of Object.entries(fragment)) {
        if (name !== '_id' && name !== 'splitEvent') {
          whole[name] = value;
        }
      }
    }
    this.fragments = [];
    return whole;
  }
}
