import type { TrackedEvent } from './checkpoint.watermark';
import type { DeliveryEvent, SubmitOutcome } from './delivery.types';

/** The engine's record of an admitted event; handlers get immutable `DeliveryEvent` views. */
export class PendingEvent<T> implements TrackedEvent {
  /** Handler calls that included this event so far (across batch splits). */
  attempts = 0;
  /** Submitted through `DeliveryEngine.submit()`: no stream position, runs in a batch of one. */
  readonly submitted: boolean = false;
  // The watermark tracker's links (see `TrackedEvent`).
  previousToken: unknown = undefined;
  older: TrackedEvent | undefined = undefined;
  newer: TrackedEvent | undefined = undefined;
  unsettled = false;

  constructor(
    readonly seq: number,
    readonly token: unknown,
    readonly key: string,
    readonly payload: T,
    readonly receivedAt: number,
    /** Bytes as weighed by the engine's `weigh` (0 without one); given back on settle. */
    readonly weight: number,
  ) {}

  /** A fresh view for one handler call (or the dead-letter sink). */
  view(attempt: number): DeliveryEvent<T> {
    return {
      seq: this.seq,
      token: this.token,
      key: this.key,
      payload: this.payload,
      attempt,
      receivedAt: this.receivedAt,
    };
  }
}

/**
 * An event submitted by the owner (a dead-letter replay): queued in its key's lane like a live
 * event, but with sequence number 0, outside the checkpoint watermark, and its outcome goes to
 * the submitter's promise instead of the dead-letter sink.
 */
export class SubmittedEvent<T> extends PendingEvent<T> {
  override readonly submitted: boolean = true;
  readonly done: Promise<SubmitOutcome>;
  private resolveDone!: (outcome: SubmitOutcome) => void;
  private finished = false;

  constructor(
    key: string,
    payload: T,
    readonly id: string | undefined,
    submittedAt: number,
    weight: number,
  ) {
    super(0, undefined, key, payload, submittedAt, weight);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  override view(attempt: number): DeliveryEvent<T> {
    return {
      seq: 0,
      token: undefined,
      key: this.key,
      payload: this.payload,
      attempt,
      receivedAt: this.receivedAt,
      submitted: true,
      submissionId: this.id,
    };
  }

  /** Resolves the submitter's promise; false if it was already resolved. */
  finish(outcome: SubmitOutcome): boolean {
    if (this.finished) {
      return false;
    }
    this.finished = true;
    this.resolveDone(outcome);
    return true;
  }
}
