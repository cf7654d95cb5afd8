import { WebhookTargetPolicy } from '@app/relay';
import { WebhookReceiver } from '@app/testing';
import { loadConfig } from '../config/app-config';
import { AlertSender } from './alert.sender';
import { alertNotification, BASELINE } from './alert.rules';

describe(AlertSender.name, () => {
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const notification = alertNotification({
    subscription: 'orders',
    service: 'billing',
    sent: BASELINE,
    now: { ...BASELINE, status: 'Critical', reasons: ['stale'], pendingDeadLetters: 0 },
    changes: ['health'],
    deadLetterThreshold: 100,
    time: new Date(0),
    instance: 'relay-1',
  });

  const sender = (allowPrivate: boolean) =>
    new AlertSender(
      loadConfig({ ALERT_WEBHOOK_URLS: receiver.urlFor('/alerts') }),
      new WebhookTargetPolicy({ allowPrivate }),
    );

  it('POSTs the notification as JSON when the target is allowed', async () => {
    receiver.reset();
    await sender(true).send(notification);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0].headers['content-type']).toBe('application/json');
    expect(receiver.requests[0].json).toEqual(JSON.parse(JSON.stringify(notification)));
  });

  it('retries a target that answers an error', async () => {
    receiver.reset();
    receiver.respondWith({ status: 503, times: 1 });
    await sender(true).send(notification);
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  it('refuses a private target unless WEBHOOK_ALLOW_PRIVATE', async () => {
    receiver.reset();
    await sender(false).send(notification);
    expect(receiver.requests).toHaveLength(0);
  });
});
