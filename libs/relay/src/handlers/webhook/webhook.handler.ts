import type { ChangeEventEnvelope } from '../change-event.envelope';
import { ChangeHandler } from '../change-handler.decorator';
import type { BatchEventHandler, HandlerContext } from '../handler.types';
import { Optional } from '@nestjs/common';
import { NonRetryableError, type AbortSource } from '@app/delivery';
import { traceparentOf } from '../../journal/journal.correlation';
import { SecretCipher, SecretCipherError } from '../../secrets/secret-cipher';
import { WebhookDeliveryError, WebhookRejectedError, isRetryableStatus } from './webhook.errors';
import { webhookMessage } from './webhook.payload';
import { signWebhook } from './webhook.signature';
import { WebhookTargetPolicy, WebhookTargetRefused } from './webhook-target.policy';
import { postWebhook, type WebhookAnswer } from './webhook.transport';

export const WEBHOOK_HANDLER_NAME = 'webhook';

/**
 * The built-in `webhook` handler: POSTs events as JSON to the subscription's URL with Standard
 * Webhooks headers. 2xx is success; 408, 429, 5xx, network errors and timeouts are retried;
 * any other answer dead-letters at once.
 */
@ChangeHandler(WEBHOOK_HANDLER_NAME)
export class WebhookHandler implements BatchEventHandler {
  private readonly policy: WebhookTargetPolicy;

  /**
   * Without a policy, only public addresses are targets. Without a cipher, secrets sealed at rest
   * cannot be opened (the delivery dead-letters with the reason).
   */
  constructor(
    @Optional() policy?: WebhookTargetPolicy,
    @Optional() private readonly cipher?: SecretCipher,
  ) {
    this.policy = policy ?? new WebhookTargetPolicy();
  }

  async handleBatch(events: ChangeEventEnvelope[], ctx: HandlerContext): Promise<void> {
    const spec = ctx.subscription.handler;
    if (spec.type !== 'webhook') {
      throw new NonRetryableError(
        `Subscription "${ctx.subscription.name}" is not a webhook subscription`,
      );
    }
    const message = webhookMessage(events, ctx.subscription.delivery.batchSize > 1);
    const timestamp = Math.floor(Date.now() / 1000);
    const correlationId = ctx.correlationIds?.[0] ?? events[0]?.id ?? message.id;
    const headers: Record<string, string> = {
      ...this.openAll(spec.headers, ctx.subscription.name),
      'content-type': 'application/json',
      'user-agent': 'change-relay',
      'webhook-id': message.id,
      'webhook-timestamp': String(timestamp),
      traceparent: traceparentOf(correlationId, message.id, ctx.attempt),
    };
    const correlationHeader = correlationHeaderOf(correlationId);
    if (correlationHeader !== undefined) {
      headers['x-correlation-id'] = correlationHeader;
    }
    if (spec.secret) {
      headers['webhook-signature'] = signWebhook(
        this.openSecret(spec.secret, ctx.subscription.name),
        message.id,
        timestamp,
        message.body,
      );
    }
    // The engine's abort source when there is one: no AbortController per request.
    const signal = ctx.abortSource ?? ctx.signal;

    let answer: WebhookAnswer;
    try {
      answer = await postWebhook(
        spec.url,
        { headers, body: message.body, signal, timeoutMs: spec.timeoutMs },
        this.policy,
      );
    } catch (error) {
      if (error instanceof WebhookTargetRefused) {
        throw new NonRetryableError(`POST ${redact(spec.url)} refused: ${error.message}`);
      }
      throw new WebhookDeliveryError(
        `POST ${redact(spec.url)} failed: ${describeFetchError(error, signal)}`,
        undefined,
        { cause: error },
      );
    }
    const { status, bodyExcerpt } = answer;
    if (status >= 200 && status < 300) {
      return;
    }
    const reason = `POST ${redact(spec.url)} answered ${status}`;
    if (isRetryableStatus(status)) {
      throw new WebhookDeliveryError(reason, status, undefined, bodyExcerpt);
    }
    throw new WebhookRejectedError(reason, status, bodyExcerpt);
  }

  private openSecret(value: string, subscription: string): string {
    if (!SecretCipher.isSealed(value)) {
      return value;
    }
    if (!this.cipher) {
      throw new NonRetryableError(
        `Subscription "${subscription}" has secrets sealed at rest and this process has no secret key`,
      );
    }
    try {
      return this.cipher.open(value);
    } catch (error) {
      throw new NonRetryableError(
        `Subscription "${subscription}": ${error instanceof SecretCipherError ? error.message : 'cannot open a secret'}`,
      );
    }
  }

  private openAll(headers: Record<string, string>, subscription: string): Record<string, string> {
    let any = false;
    for (const _name in headers) {
      any = true;
      break;
    }
    if (!any) {
      return headers;
    }
    return Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, this.openSecret(value, subscription)]),
    );
  }
}

/** Duck-typed: errors of the HTTP client and of abort signals. */
function describeFetchError(error: unknown, signal: AbortSource): string {
  if (
    signal.aborted &&
    (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError'
  ) {
    return 'timed out';
  }
  if (typeof error !== 'object' || error === null) {
    return String(error);
  }
  const { name, message, cause } = error as {
    name?: unknown;
    message?: unknown;
    cause?: { message?: unknown };
  };
  if (name === 'TimeoutError') {
    return 'timed out';
  }
  const text = typeof message === 'string' ? message : 'unknown error';
  return typeof cause?.message === 'string' ? `${text} (${cause.message})` : text;
}

/** URLs may carry credentials or tokens in their query: keep only origin and path in errors. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/** Printable ASCII without `%` (nor a space at either end): a header value as it is. */
const PLAIN_CORRELATION_ID = /^[\x21-\x24\x26-\x7e](?:[\x20-\x24\x26-\x7e]*[\x21-\x24\x26-\x7e])?$/;
/** Longer headers are refused by common servers (431), which would fail every delivery. */
const MAX_CORRELATION_HEADER = 1_024;

/**
 * The `x-correlation-id` of a correlation id: the id itself when it is printable ASCII without
 * `%`, else its percent-encoded UTF-8 (`decodeURIComponent` of the header gives the id either
 * way). A document's business key may hold anything (`订单-1`, a line break), and a header
 * value that is not valid would fail the delivery. None when it is longer than 1,024
 * characters: the `traceparent`, derived from the whole id, still ties the process together.
 */
function correlationHeaderOf(correlationId: string): string | undefined {
  const value = PLAIN_CORRELATION_ID.test(correlationId)
    ? correlationId
    : encodeURIComponent(correlationId);
  return value.length <= MAX_CORRELATION_HEADER ? value : undefined;
}
