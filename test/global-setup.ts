import { join } from 'node:path';
import { register } from 'tsconfig-paths';
import { compilerOptions } from '../tsconfig.json';

// Global setup runs outside jest's module registry, so the path aliases need registering here.
register({ baseUrl: join(__dirname, '..'), paths: compilerOptions.paths });

import { loadConfig } from '../src/config/app-config';
import { startMongoBackend } from '../src/database/mongo-backend';
import { TEST_BACKEND_KIND_VAR, TEST_BACKEND_URI_VAR } from '../libs/testing/src/test-env';

/**
 * Starts the backend once for the whole e2e run, with the same selection the server uses:
 * MONGODB_URI, else a real mongod, else the emulator. Test files get it through testEnv().
 */
export default async function globalSetup(): Promise<void> {
  const config = loadConfig(process.env);
  // Tests always run on a throwaway backend: in memory, on an ephemeral port.
  const backend = await startMongoBackend({
    uri: config.mongodbUri,
    mode: config.embeddedMongo,
    dataDir: undefined,
    port: 0,
    log: (message) => process.stdout.write(`[e2e] ${message}\n`),
  });
  process.env[TEST_BACKEND_URI_VAR] = backend.uri;
  process.env[TEST_BACKEND_KIND_VAR] = backend.kind;
  (globalThis as { __MONGO_BACKEND__?: typeof backend }).__MONGO_BACKEND__ = backend;
}
