import type { SourceItem } from '@app/delivery';
import type { StreamPosition } from '../checkpoints/checkpoint.types';
import type { RawChangeEvent } from './change-event.mapper';

/** What a worker reads from: pulled by its delivery engine, positioned by a tagged position. */
export interface WorkerSource {
  /** Starts reading (lazily). */
  open(): void;
  /** The next item, null once closed. A rejection is a failed source. */
  readonly next: () => Promise<SourceItem<RawChangeEvent> | null>;
  /** An item already read, synchronously, or undefined: then `next()` (see `PullSource`). */
  readonly ready?: () => SourceItem<RawChangeEvent> | undefined;
  /** The position a settled token of this source stands for (what the checkpoint stores). */
  positionOf(token: unknown): StreamPosition;
  close(): Promise<void>;
}
