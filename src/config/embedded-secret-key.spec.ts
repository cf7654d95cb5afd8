import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './app-config';
import { withEmbeddedSecretKey } from './embedded-secret-key';

describe(withEmbeddedSecretKey.name, () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'relay-key-'));

  it('keeps a generated key beside the embedded data, so a restart opens what it sealed', () => {
    const dir = dataDir();
    const first = withEmbeddedSecretKey(loadConfig({}), dir);
    const second = withEmbeddedSecretKey(loadConfig({}), dir);
    expect(first.secretKeys[0]).toHaveLength(32);
    expect(second.secretKeys[0].equals(first.secretKeys[0])).toBe(true);
    expect(Buffer.from(readFileSync(join(dir, 'secret-key'), 'utf8').trim(), 'base64')).toEqual(
      first.secretKeys[0],
    );
    expect(statSync(join(dir, 'secret-key')).mode & 0o777).toBe(0o600);
  });

  it('changes nothing in memory or when SECRET_KEY is set', () => {
    const memory = loadConfig({});
    expect(withEmbeddedSecretKey(memory, undefined)).toBe(memory);
    const keyed = loadConfig({ SECRET_KEY: '5f'.repeat(32) });
    expect(withEmbeddedSecretKey(keyed, dataDir())).toBe(keyed);
  });
});
