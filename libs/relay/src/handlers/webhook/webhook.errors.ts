import { NonRetryableError } from '@app/delivery';

/** A retryable webhook failure: a network error, a timeout, or a 408, 429 or 5xx answer. */
export class WebhookDeliveryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
    /** The first KiB of the answer's body, when there was an answer. */
    readonly responseBody?: string,
  ) {
    super(message, options);
    this.name = 'WebhookDeliveryError';
  }
}

/** A 4xx (other than 408/429) or a redirect: sending the same request again cannot help. */
export class WebhookRejectedError extends NonRetryableError {
  constructor(
    message: string,
    readonly status: number,
    /** The first KiB of the answer's body. */
    readonly responseBody?: string,
  ) {
    super(message);
    this.name = 'WebhookRejectedError';
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
