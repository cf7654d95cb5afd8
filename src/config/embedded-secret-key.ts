import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from './app-config';

const KEY_FILE = 'secret-key';

/**
 * With no SECRET_KEY, secrets are sealed with a generated key. When the embedded backend keeps
 * its data on disk, the key must outlive the process too, or a restart could not open the
 * webhook secrets it sealed: it is kept beside the data (`<data dir>/secret-key`, mode 0600)
 * and reused. In memory (or with SECRET_KEY set) the configuration is returned unchanged.
 */
export function withEmbeddedSecretKey(config: AppConfig, dataDir: string | undefined): AppConfig {
  if (!config.secretKeyGenerated || dataDir === undefined) {
    return config;
  }
  const file = join(dataDir, KEY_FILE);
  let key: Buffer;
  try {
    key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  } catch {
    key = randomBytes(32);
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  if (key.length !== 32) {
    throw new Error(`${file} does not hold a 256-bit key (base64); remove it or set SECRET_KEY`);
  }
  return new AppConfig({ ...config, secretKeys: [key, ...config.secretKeys.slice(1)] });
}
