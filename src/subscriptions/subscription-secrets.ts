import { SecretCipher, type HandlerSpec, type Subscription } from '@app/relay';

/**
 * Webhook secrets and header values are sealed (AES-256-GCM, see SecretCipher) before a
 * subscription is stored, so a raw read of the collection, or a change stream on it, reveals
 * none of them. Headers named in `publicHeaders` stay readable, and are shown by the API.
 */
export function sealHandler(
  handler: HandlerSpec,
  cipher: SecretCipher,
  publicHeaders: readonly string[],
): HandlerSpec {
  if (handler.type !== 'webhook') {
    return handler;
  }
  const open = new Set(publicHeaders.map((name) => name.toLowerCase()));
  const sealed: HandlerSpec = {
    ...handler,
    headers: Object.fromEntries(
      Object.entries(handler.headers).map(([name, value]) => [
        name,
        open.has(name.toLowerCase()) ? value : cipher.seal(value),
      ]),
    ),
  };
  if (handler.secret !== undefined) {
    sealed.secret = cipher.seal(handler.secret);
  }
  return sealed;
}

/** The subscription with its secrets in clear, to merge a patch onto or compare with. */
export function openSubscription(subscription: Subscription, cipher: SecretCipher): Subscription {
  const { handler } = subscription;
  if (handler.type !== 'webhook') {
    return subscription;
  }
  const opened: HandlerSpec = {
    ...handler,
    headers: Object.fromEntries(
      Object.entries(handler.headers).map(([name, value]) => [name, cipher.open(value)]),
    ),
  };
  if (handler.secret !== undefined) {
    opened.secret = cipher.open(handler.secret);
  }
  return { ...subscription, handler: opened };
}

/** The names of the headers stored in clear (declared public). */
export function publicHeaderNames(handler: HandlerSpec): string[] {
  return handler.type === 'webhook'
    ? Object.entries(handler.headers)
        .filter(([, value]) => !SecretCipher.isSealed(value))
        .map(([name]) => name)
    : [];
}
