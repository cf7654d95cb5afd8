import type { DeliveryEvent } from './delivery.types';

/** The engine's record of an admitted event; handlers get immutable `DeliveryEvent` views. */
export class PendingEvent<T> {
  /** Handler calls that included this event so far (across batch splits). */
  attempts = 0;

  constructor(
    readonly seq: number,
    readonly token: unknown,
    readonly key: string,
    readonly payload: T,
    readonly receivedAt: number,
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
