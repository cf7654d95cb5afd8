import type { ChangeEventEnvelope } from '../change-event.envelope';
import { ChangeHandler } from '../change-handler.decorator';
import type { BatchEventHandler, HandlerContext } from '../handler.types';
import { NonRetryableError } from '@app/delivery';
import { WebhookDeliveryError, WebhookRejectedError, isRetryableStatus } from './webhook.errors';
import { webhookMessage } from './webhook.payload';
import { signWebhook } from './webhook.signature';

export const WEBHOOK_HANDLER_NAME = 'webhook';

/**
 * The built-in `webhook` handler: POSTs events as JSON to the subscription's URL with Standard
 * Webhooks headers. 2xx is success; 408, 429, 5xx, network errors and timeouts are retried;
 * any other answer dead-letters at once.
 */
@ChangeHandler(WEBHOOK_HANDLER_NAME)
export class WebhookHandler implements BatchEventHandler {
  async handleBatch(events: ChangeEventEnvelope[], ctx: HandlerContext): Promise<void> {
    const spec = ctx.subscription.handler;
    if (spec.type !== 'webhook') {
      throw new NonRetryableError(
        `Subscription "${ctx.subscription.name}" is not a webhook subscription`,
      );
    }
    const message = webhookMessage(events, ctx.subscription.delivery.batchSize > 1);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      ...spec.headers,
      'content-type': 'application/json',
      'user-agent': 'change-relay',
      'webhook-id': message.id,
      'webhook-timestamp': String(timestamp),
    };
    if (spec.secret) {
      headers['webhook-signature'] = signWebhook(spec.secret, message.id, timestamp, message.body);
    }
    const signal =
      spec.timeoutMs > 0
        ? AbortSignal.any([ctx.signal, AbortSignal.timeout(spec.timeoutMs)])
        : ctx.signal;

    let response: Response;
    try {
      response = await fetch(spec.url, {
        method: 'POST',
        headers,
        body: message.body,
        signal,
        redirect: 'manual',
      });
    } catch (error) {
      throw new WebhookDeliveryError(
        `POST ${redact(spec.url)} failed: ${describeFetchError(error)}`,
        undefined,
        {
          cause: error,
        },
      );
    }
    // Read the answer to the end so the connection goes back to the pool; its content is unused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) {
      return;
    }
    const reason = `POST ${redact(spec.url)} answered ${response.status}`;
    if (isRetryableStatus(response.status)) {
      throw new WebhookDeliveryError(reason, response.status);
    }
    throw new WebhookRejectedError(reason, response.status);
  }
}

/** Duck-typed: fetch's errors (DOMException, TypeError) may come from another realm. */
function describeFetchError(error: unknown): string {
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
