/** Calls `ring` once at the earliest time asked for; an earlier request replaces a later one. */
export class Alarm {
  private pending: { timer: NodeJS.Timeout; at: number } | undefined;

  constructor(private readonly ring: () => void) {}

  /** `at`: epoch milliseconds; Infinity asks for nothing. */
  ringAt(at: number): void {
    if (!Number.isFinite(at)) {
      return;
    }
    if (this.pending && this.pending.at <= at && this.pending.at > Date.now()) {
      return;
    }
    this.cancel();
    const timer = setTimeout(
      () => {
        this.pending = undefined;
        this.ring();
      },
      Math.max(0, at - Date.now()),
    ).unref();
    this.pending = { timer, at };
  }

  cancel(): void {
    clearTimeout(this.pending?.timer);
    this.pending = undefined;
  }
}
