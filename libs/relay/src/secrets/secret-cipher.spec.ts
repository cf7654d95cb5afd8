import { randomBytes } from 'node:crypto';
import { SecretCipher, SecretCipherError } from './secret-cipher';

describe(SecretCipher.name, () => {
  const key = randomBytes(32);
  const previous = randomBytes(32);

  it('seals a secret so the stored form reveals nothing of it, and opens it again', () => {
    const cipher = new SecretCipher([key]);
    const sealed = cipher.seal('whsec_very-secret-value');
    expect(sealed).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    expect(sealed).not.toContain('very-secret');
    expect(cipher.open(sealed)).toBe('whsec_very-secret-value');
    expect(cipher.seal('same')).not.toBe(cipher.seal('same'));
  });

  it('opens values sealed with a previous key after a rotation, and says they need re-sealing', () => {
    const old = new SecretCipher([previous]).seal('rotated');
    const rotated = new SecretCipher([key, previous]);
    expect(rotated.open(old)).toBe('rotated');
    expect(rotated.needsRotation(old)).toBe(true);
    expect(rotated.needsRotation(rotated.seal('x'))).toBe(false);
  });

  it('refuses a value sealed with a key that is not configured', () => {
    const sealed = new SecretCipher([previous]).seal('x');
    expect(() => new SecretCipher([key]).open(sealed)).toThrow(SecretCipherError);
  });

  it('refuses a tampered ciphertext or a shortened tag', () => {
    const cipher = new SecretCipher([key]);
    const parts = cipher.seal('tamper me').split(':');
    const body = Buffer.from(parts[4], 'base64url');
    body[0] ^= 1;
    const tampered = [...parts.slice(0, 4), body.toString('base64url'), parts[5]].join(':');
    expect(() => cipher.open(tampered)).toThrow(SecretCipherError);
    const shortTag = [...parts.slice(0, 5), parts[5].slice(0, 8)].join(':');
    expect(() => cipher.open(shortTag)).toThrow(SecretCipherError);
  });

  it('passes values that were never sealed through (stored before encryption at rest)', () => {
    expect(new SecretCipher([key]).open('plain')).toBe('plain');
  });
});
