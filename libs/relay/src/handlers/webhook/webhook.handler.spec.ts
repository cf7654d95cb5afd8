import { isNonRetryableError } from '@app/delivery';
import { WebhookReceiver } from '@app/testing';
import { toEnvelope } from '../../source/change-event.mapper';
import { buildSubscription } from '../../../test/support/subscription.fixture';
import type { Subscription, WebhookHandlerSpec } from '../../subscriptions/subscription.types';
import type { ChangeEventEnvelope } from '../change-event.envelope';
import { WebhookDeliveryError, WebhookRejectedError } from './webhook.errors';
import { randomBytes } from 'node:crypto';
import { SecretCipher } from '../../secrets/secret-cipher';
import { WebhookHandler } from './webhook.handler';
import { WebhookTargetPolicy } from './webhook-target.policy';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe(WebhookHandler.name, () => {
  let receiver: WebhookReceiver;
  const cipher = new SecretCipher([randomBytes(32)]);
  // The receiver listens on 127.0.0.1: private targets are allowed here, refused by default.
  const handler = new WebhookHandler(new WebhookTargetPolicy({ allowPrivate: true }), cipher);

  beforeEach(async () => {
    receiver = await WebhookReceiver.start({ secret: SECRET });
  });

  afterEach(async () => {
    await receiver.close();
  });

  function subscriptionFor(spec: Partial<WebhookHandlerSpec> = {}, batchSize = 1): Subscription {
    return buildSubscription({
      name: 'orders-hook',
      handler: {
        type: 'webhook',
        url: receiver.urlFor('/hooks/orders'),
        secret: SECRET,
        timeoutMs: 2_000,
        headers: {},
        ...spec,
      },
      delivery: { batchSize },
    });
  }

  function envelope(subscription: Subscription, n: number): ChangeEventEnvelope {
    return toEnvelope(
      {
        _id: { _data: `82000000010000000${n}` },
        operationType: 'insert',
        ns: { db: 'shop', coll: 'orders' },
        documentKey: { _id: n },
        fullDocument: { _id: n, total: n * 10 },
      },
      subscription,
      1,
    );
  }

  function send(
    subscription: Subscription,
    events: ChangeEventEnvelope[],
    signal = new AbortController().signal,
  ) {
    return handler.handleBatch(events, { signal, attempt: 1, subscription });
  }

  it('POSTs one event as signed JSON with Standard Webhooks and custom headers', async () => {
    const subscription = subscriptionFor({
      headers: { authorization: 'Bearer t0k3n', 'webhook-id': 'spoofed' },
    });
    await send(subscription, [envelope(subscription, 1)]);

    const [request] = receiver.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/orders');
    expect(request.signatureValid).toBe(true);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBe('Bearer t0k3n');
    expect(request.headers['webhook-id']).toBe('82000000010000000' + '1');
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(
      5,
    );
    expect(request.json).toMatchObject({
      id: '820000000100000001',
      subscription: 'orders-hook',
      operationType: 'insert',
      fullDocument: { _id: 1, total: 10 },
    });
    expect(receiver.events()).toHaveLength(1);
  });

  it('delivers whatever correlation id a document holds: odd ones percent-encoded, very long ones left out', async () => {
    const subscription = subscriptionFor();
    const ids = ['order-1', '订单-1', 'line\r\nX-Injected: 1', '50%off', 'x'.repeat(2_000)];
    for (const [index, id] of ids.entries()) {
      await handler.handleBatch([envelope(subscription, index + 1)], {
        signal: new AbortController().signal,
        attempt: 1,
        subscription,
        correlationIds: [id],
      });
    }
    const sent = receiver.requests.map((request) => request.headers['x-correlation-id']);
    expect(sent).toEqual([
      'order-1',
      '%E8%AE%A2%E5%8D%95-1',
      'line%0D%0AX-Injected%3A%201',
      '50%25off',
      undefined,
    ]);
    expect(receiver.requests.every((request) => request.headers['x-injected'] === undefined)).toBe(
      true,
    );
    expect(decodeURIComponent(String(sent[1]))).toBe('订单-1');
  });

  it('sends batches as {events: [...]} under a batch id', async () => {
    const subscription = subscriptionFor({}, 10);
    await send(subscription, [envelope(subscription, 1), envelope(subscription, 2)]);
    const [request] = receiver.requests;
    expect(request.signatureValid).toBe(true);
    expect(request.headers['webhook-id']).toMatch(/^batch_/);
    expect((await receiver.waitForEvents(2)).map((e) => e.documentKey._id)).toEqual([1, 2]);
  });

  it('signs with the UTF-8 bytes of a secret without the whsec_ prefix', async () => {
    receiver.setSecret('plain text secret');
    const subscription = subscriptionFor({ secret: 'plain text secret' });
    await send(subscription, [envelope(subscription, 1)]);
    expect(receiver.requests[0].signatureValid).toBe(true);
  });

  it.each([408, 429, 500, 503])('treats %i as retryable', async (status) => {
    receiver.respondWith({ status, times: 1 });
    const subscription = subscriptionFor();
    const failure = await send(subscription, [envelope(subscription, 1)]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WebhookDeliveryError);
    expect(isNonRetryableError(failure)).toBe(false);
    expect((failure as WebhookDeliveryError).status).toBe(status);
    await send(subscription, [envelope(subscription, 1)]);
    expect(receiver.events()).toHaveLength(1);
  });

  it.each([400, 401, 404, 410, 422, 302])('dead-letters at once on %i', async (status) => {
    receiver.respondWith({ status });
    const subscription = subscriptionFor();
    const failure = await send(subscription, [envelope(subscription, 1)]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WebhookRejectedError);
    expect(isNonRetryableError(failure)).toBe(true);
  });

  it('gives up after the subscription timeout, retryably', async () => {
    receiver.respondWith({ status: 200, delayMs: 1_000 });
    const subscription = subscriptionFor({ timeoutMs: 100 });
    const failure = await send(subscription, [envelope(subscription, 1)]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WebhookDeliveryError);
    expect((failure as Error).message).toMatch(/timed out/);
  });

  it('stops when the engine aborts the attempt', async () => {
    receiver.respondWith({ status: 200, delayMs: 1_000 });
    const subscription = subscriptionFor();
    const controller = new AbortController();
    const sending = send(subscription, [envelope(subscription, 1)], controller.signal);
    await receiver.waitForRequests(1);
    controller.abort(new Error('engine stopped'));
    await expect(sending).rejects.toBeInstanceOf(WebhookDeliveryError);
  });

  it('stops when the engine aborts the attempt through its abort source, without a signal', async () => {
    receiver.respondWith({ status: 200, delayMs: 5_000 });
    const subscription = subscriptionFor();
    const listeners: Array<() => void> = [];
    const source = {
      aborted: false,
      reason: undefined as unknown,
      addEventListener: (_type: 'abort', listener: () => void) => void listeners.push(listener),
      removeEventListener: (_type: 'abort', listener: () => void) =>
        void listeners.splice(listeners.indexOf(listener), 1),
    };
    const startedAt = Date.now();
    const sending = handler.handleBatch([envelope(subscription, 1)], {
      get signal(): AbortSignal {
        throw new Error('the signal was read: an AbortController per request');
      },
      abortSource: source,
      attempt: 1,
      subscription,
    });
    await receiver.waitForRequests(1);
    source.aborted = true;
    source.reason = new Error('engine stopped');
    listeners.forEach((listener) => listener());
    await expect(sending).rejects.toBeInstanceOf(WebhookDeliveryError);
    expect(Date.now() - startedAt).toBeLessThan(4_000);
  });

  it('retries network errors', async () => {
    const subscription = subscriptionFor();
    await receiver.close();
    const failure = await send(subscription, [envelope(subscription, 1)]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WebhookDeliveryError);
    receiver = await WebhookReceiver.start({ secret: SECRET });
  });

  it('opens a secret and headers sealed at rest before signing and sending', async () => {
    const subscription = subscriptionFor({
      secret: cipher.seal(SECRET),
      headers: { authorization: cipher.seal('Bearer sealed'), 'x-tenant': 'eu' },
    });
    await send(subscription, [envelope(subscription, 1)]);
    expect(receiver.requests[0].signatureValid).toBe(true);
    expect(receiver.requests[0].headers.authorization).toBe('Bearer sealed');
    expect(receiver.requests[0].headers['x-tenant']).toBe('eu');
  });

  it.each(['127.0.0.1', 'localhost'])(
    'refuses to connect to %s under the default target policy, without retrying',
    async (host) => {
      const strict = new WebhookHandler(undefined, cipher);
      const subscription = subscriptionFor({
        url: receiver.urlFor('/hooks/orders').replace('127.0.0.1', host),
      });
      const failure = await strict
        .handleBatch([envelope(subscription, 1)], {
          signal: new AbortController().signal,
          attempt: 1,
          subscription,
        })
        .catch((e: unknown) => e);
      expect(isNonRetryableError(failure)).toBe(true);
      expect((failure as Error).message).toMatch(/refused: .*loopback/);
      expect(receiver.requests).toHaveLength(0);
    },
  );
});
