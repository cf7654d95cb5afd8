import { randomBytes } from 'node:crypto';

/** Set by test/global-setup.ts: the backend the whole e2e run shares. */
export const TEST_BACKEND_URI_VAR = 'CHANGE_RELAY_TEST_MONGODB_URI';
export const TEST_BACKEND_KIND_VAR = 'CHANGE_RELAY_TEST_MONGODB_KIND';

/** The backend the whole jest run shares (started by test/global-setup.ts). */
export function sharedBackendUri(): string {
  const uri = process.env[TEST_BACKEND_URI_VAR];
  if (!uri) {
    throw new Error(`${TEST_BACKEND_URI_VAR} is not set: run tests through the jest configs`);
  }
  return uri;
}

/** A database name no other test uses. */
export function uniqueDbName(prefix = 'test'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/**
 * The environment an e2e test boots the server with: the shared backend, a database of its own,
 * an ephemeral port and quiet logs. Overrides win.
 */
export function testEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    MONGODB_URI: sharedBackendUri(),
    MONGODB_DB: uniqueDbName('relay'),
    // Should a test drop MONGODB_URI, its embedded backend is still throwaway.
    EMBEDDED_MONGO_DATA: 'memory',
    EMBEDDED_MONGO_PORT: '0',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    SHUTDOWN_GRACE_MS: '5000',
    ...overrides,
  };
}

/** The kind of backend the run uses: external, mongod or emulator. */
export function testBackendKind(): string {
  return process.env[TEST_BACKEND_KIND_VAR] ?? 'unknown';
}
