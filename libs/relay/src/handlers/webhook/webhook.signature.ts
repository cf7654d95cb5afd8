import { createHmac, timingSafeEqual } from 'node:crypto';

const STANDARD_SECRET_PREFIX = 'whsec_';

/**
 * The HMAC key of a signing secret. Standard Webhooks secrets (`whsec_` + base64) are decoded to
 * their key bytes, as the spec and its client libraries do; any other secret is used as its
 * UTF-8 bytes.
 */
export function signingKey(secret: string): Buffer {
  const known = keys.get(secret);
  if (known) {
    return known;
  }
  const key = secret.startsWith(STANDARD_SECRET_PREFIX)
    ? Buffer.from(secret.slice(STANDARD_SECRET_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
  if (keys.size >= MAX_KEYS) {
    keys.delete(keys.keys().next().value as string);
  }
  keys.set(secret, key);
  return key;
}

/** Decoded keys by secret: every delivery signs, decoding the secret each time showed in profiles. */
const keys = new Map<string, Buffer>();
const MAX_KEYS = 1_000;

/** `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}` (Standard Webhooks). */
export function signWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  // The body on its own: no copy of a batch's body into one more string.
  const mac = createHmac('sha256', signingKey(secret))
    .update(`${id}.${timestampSeconds}.`)
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * True when one of the space-separated signatures in a `webhook-signature` header is a valid
 * `v1` signature of this message (receivers use it; so do the tests).
 */
export function verifyWebhookSignature(
  secret: string,
  id: string,
  timestamp: string | number,
  body: string,
  signatureHeader: string,
): boolean {
  const expected = Buffer.from(signWebhook(secret, id, Number(timestamp), body).slice(3), 'base64');
  return signatureHeader.split(' ').some((candidate) => {
    const [version, mac] = candidate.split(',', 2);
    if (version !== 'v1' || !mac) {
      return false;
    }
    const actual = Buffer.from(mac, 'base64');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}
