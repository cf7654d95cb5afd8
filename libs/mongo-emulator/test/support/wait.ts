// Bounded waiting for the conformance suite: every wait has a deadline that fails the test with
// a message saying what it was waiting for, so a misbehaving backend can never hang the run.

export const POLL_INTERVAL_MS = 20;

export interface WaitOptions {
  timeoutMs: number;
  /** What the wait was for; becomes the failure message. */
  description: string;
  intervalMs?: number;
}

/** A wait that ran out of time (never a server error). */
export class WaitTimeoutError extends Error {
  override get name(): string {
    return 'WaitTimeoutError';
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` until it returns true; throws once `timeoutMs` has passed. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  { timeoutMs, description, intervalMs = POLL_INTERVAL_MS }: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) {
      return;
    }
    if (Date.now() >= deadline) {
      throw new WaitTimeoutError(`Timed out after ${timeoutMs} ms waiting for ${description}`);
    }
    await delay(intervalMs);
  }
}

/** Settles like `promise`, or rejects with a clear message when it takes longer than `ms`. */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  description: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new WaitTimeoutError(`Timed out after ${ms} ms waiting for ${description}`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The rejection of `promise` (bounded by `ms`); fails when it resolves instead. */
export async function rejectionOf(
  promise: Promise<unknown>,
  ms: number,
  description: string,
): Promise<any> {
  const outcome = await withTimeout(
    promise.then(
      (value) => ({ rejected: false as const, value }),
      (error: unknown) => ({ rejected: true as const, error }),
    ),
    ms,
    description,
  );
  if (!outcome.rejected) {
    throw new Error(
      `Expected ${description} to fail, but it resolved with ${String(outcome.value)}`,
    );
  }
  return outcome.error;
}
