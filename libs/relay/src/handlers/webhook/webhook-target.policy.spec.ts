import { nonPublicReason, WebhookTargetPolicy } from './webhook-target.policy';

describe(WebhookTargetPolicy.name, () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '0.0.0.0',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '::1',
    '::',
    'fd00:ec2::254',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
  ])('classifies %s as not public', (address) => {
    expect(nonPublicReason(address)).toBeDefined();
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '172.32.0.1'])(
    'classifies %s as public',
    (address) => {
      expect(nonPublicReason(address)).toBeUndefined();
    },
  );

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://[::1]/hook',
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:127.0.0.1]/hook',
    'http://localhost:3000/api/v1/subscriptions/x/pause',
  ])('refuses %s by default', async (url) => {
    await expect(new WebhookTargetPolicy().checkUrl(url)).resolves.toMatch(/address/);
  });

  it('allows private targets when told to, and allow-listed hosts', async () => {
    await expect(
      new WebhookTargetPolicy({ allowPrivate: true }).checkUrl('http://127.0.0.1/x'),
    ).resolves.toBeUndefined();
    const listed = new WebhookTargetPolicy({ allowedHosts: ['localhost', '*.internal:8443'] });
    await expect(listed.checkUrl('http://localhost/x')).resolves.toBeUndefined();
    await expect(listed.checkUrl('https://10.0.0.1/x')).resolves.toBeDefined();
  });

  it('refuses at connection time when a name resolves to a private address (DNS rebinding)', async () => {
    const policy = new WebhookTargetPolicy();
    const lookup = policy.lookupFor(new URL('http://localhost/'));
    const error = await new Promise<Error | null>((resolve) =>
      lookup('localhost', {}, (failure) => resolve(failure)),
    );
    expect(error?.message).toMatch(/localhost resolves to .*loopback/);
  });
});
