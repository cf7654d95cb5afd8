import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Raised when a sealed value cannot be opened: no key with its id, or it was tampered with. */
export class SecretCipherError extends Error {
  override readonly name = 'SecretCipherError';
}

/**
 * Seals secrets for storage with AES-256-GCM: `enc:v1:<key id>:<iv>:<ciphertext>:<tag>`
 * (base64url parts). The key id (a hash prefix of the key) lets a value sealed with a previous
 * key still open after a rotation: the first key seals, every key opens.
 */
export class SecretCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly currentId: string;

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0 || keys.some((key) => key.length !== 32)) {
      throw new Error('SecretCipher needs at least one key, each of 32 bytes');
    }
    this.keys = new Map(keys.map((key) => [keyId(key), key]));
    this.currentId = keyId(keys[0]);
  }

  static isSealed(value: string): boolean {
    return value.startsWith(`${PREFIX}:`);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key(this.currentId), iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [PREFIX, this.currentId, iv, body, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join(':');
  }

  /** The plaintext of a sealed value; a value that is not sealed is returned as it is. */
  open(value: string): string {
    if (!SecretCipher.isSealed(value)) {
      return value;
    }
    const parts = value.split(':');
    if (parts.length !== 6) {
      throw new SecretCipherError('The sealed secret is malformed');
    }
    const [, , id, iv, body, tag] = parts;
    const authTag = Buffer.from(tag, 'base64url');
    // GCM accepts shorter tags, which are easier to forge: only the full length is valid.
    if (authTag.length !== TAG_BYTES) {
      throw new SecretCipherError('The sealed secret is malformed');
    }
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.key(id),
        Buffer.from(iv, 'base64url'),
      ).setAuthTag(authTag);
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch (error) {
      if (error instanceof SecretCipherError) {
        throw error;
      }
      throw new SecretCipherError('The sealed secret failed its integrity check');
    }
  }

  /** Whether a sealed value was sealed with another key than the current one (to re-seal it). */
  needsRotation(value: string): boolean {
    return SecretCipher.isSealed(value) && value.split(':')[2] !== this.currentId;
  }

  private key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) {
      throw new SecretCipherError(
        `The secret was sealed with key ${id}, which is not configured (SECRET_KEY or SECRET_KEY_PREVIOUS)`,
      );
    }
    return key;
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}
