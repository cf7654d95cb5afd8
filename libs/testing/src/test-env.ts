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

/** The admin token every test server accepts (testEnv sets it as ADMIN_TOKEN). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-2f6c1e0a9b7d4c38';
/** The key secrets are sealed with at rest in tests (SECRET_KEY, 32 bytes in hex). */
export const TEST_SECRET_KEY = '5f'.repeat(32);

/**
 * The environment an e2e test boots the server with: the shared backend, a database of its own,
 * an ephemeral port, quiet logs, the admin token TEST_ADMIN_TOKEN, and webhooks allowed to the
 * local receivers on 127.0.0.1 (private targets are refused by default). Overrides win.
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
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    SECRET_KEY: TEST_SECRET_KEY,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // Tests poll the API in loops; the limit itself has its own test.
    RATE_LIMIT_PER_MINUTE: '0',
    // The test backends' oplogs span minutes, not hours: only the share of the window counts.
    HEALTH_OPLOG_WARNING_MS: '0',
    HEALTH_OPLOG_CRITICAL_MS: '0',
    // `npm run test:shared` reruns the guarantee tests with shared streams: the servers they
    // boot read their configuration from this environment, not from the test process's.
    ...(process.env.SHARED_STREAMS ? { SHARED_STREAMS: process.env.SHARED_STREAMS } : {}),
    ...overrides,
  };
}

/** The kind of backend the run uses: external, mongod or emulator. */
export function testBackendKind(): string {
  return process.env[TEST_BACKEND_KIND_VAR] ?? 'unknown';
}
