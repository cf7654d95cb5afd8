/**
 * Thrown by a handler when retrying cannot help (a malformed event, a 4xx from a webhook): the
 * event is dead-lettered at once, without spending the retry budget. A batch that throws it is
 * split until the failing events are alone.
 */
export class NonRetryableError extends Error {
  /** Duck-typed marker, so errors from another copy of this package are recognised too. */
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** True for a `NonRetryableError`, or any error object carrying `retryable: false`. */
export function isNonRetryableError(error: unknown): boolean {
  if (error instanceof NonRetryableError) {
    return true;
  }
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === false
  );
}

/** The reason an attempt's signal is aborted with when it runs past `timeoutMs`. Retryable. */
export class HandlerTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Handler did not settle within ${timeoutMs} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

/** The reason running handlers are aborted with when the engine stops or a drain runs out. */
export class EngineStoppedError extends Error {
  constructor(message = 'Delivery engine stopped') {
    super(message);
    this.name = 'EngineStoppedError';
  }
}

/** Engine options failed validation; `option` names the bad option, e.g. `retry.maxDelayMs`. */
export class InvalidEngineOptionsError extends Error {
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`Invalid delivery option "${option}": ${reason}`);
    this.name = 'InvalidEngineOptionsError';
  }
}

/** The source produced something that is not a `SourceItem`. Reported as a source failure. */
export class InvalidSourceItemError extends Error {
  constructor(reason: string) {
    super(`Invalid source item: ${reason}`);
    this.name = 'InvalidSourceItemError';
  }
}

/** `DeliveryEngine.submit()` got something that is not a `SubmitItem`. */
export class InvalidSubmissionError extends Error {
  constructor(reason: string) {
    super(`Invalid submission: ${reason}`);
    this.name = 'InvalidSubmissionError';
  }
}
