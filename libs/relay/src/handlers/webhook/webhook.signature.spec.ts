import { createHmac } from 'node:crypto';
import { signWebhook, signingKey, verifyWebhookSignature } from './webhook.signature';

describe('webhook signature', () => {
  const body = '{"id":"evt_1","operationType":"insert"}';

  it('signs id.timestamp.body with HMAC-SHA256 and a v1 prefix', () => {
    const expected = createHmac('sha256', Buffer.from('plain-secret', 'utf8'))
      .update(`evt_1.1700000000.${body}`)
      .digest('base64');
    expect(signWebhook('plain-secret', 'evt_1', 1700000000, body)).toBe(`v1,${expected}`);
  });

  it('decodes whsec_ secrets as base64 key bytes (Standard Webhooks test vector)', () => {
    // Vector from the Standard Webhooks specification's reference libraries.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const payload = '{"test": 2432232314}';
    const signature = signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, payload);
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(signingKey(secret)).toEqual(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'));
  });

  it('verifies any matching v1 signature among several and rejects tampering', () => {
    const good = signWebhook('s3cret', 'evt_2', 1700000001, body);
    expect(verifyWebhookSignature('s3cret', 'evt_2', '1700000001', body, `v1,bogus ${good}`)).toBe(
      true,
    );
    expect(verifyWebhookSignature('s3cret', 'evt_2', '1700000002', body, good)).toBe(false);
    expect(verifyWebhookSignature('other', 'evt_2', '1700000001', body, good)).toBe(false);
    expect(verifyWebhookSignature('s3cret', 'evt_2', '1700000001', `${body} `, good)).toBe(false);
    expect(
      verifyWebhookSignature('s3cret', 'evt_2', '1700000001', body, good.replace('v1,', 'v2,')),
    ).toBe(false);
  });
});
