import { MongoClient } from 'mongodb';
import { startMongoBackend, type MongoBackend } from '../../../src/database/mongo-backend';
import { TEST_BACKEND_KIND_VAR, TEST_BACKEND_URI_VAR } from './test-env';

/** The backend the whole jest run shares (started by test/global-setup.ts). */
export function sharedBackendUri(): string {
  const uri = process.env[TEST_BACKEND_URI_VAR];
  if (!uri) {
    throw new Error(`${TEST_BACKEND_URI_VAR} is not set: run tests through the jest configs`);
  }
  return uri;
}

export function sharedBackendIsEmulator(): boolean {
  return process.env[TEST_BACKEND_KIND_VAR] === 'emulator';
}

/**
 * A private emulator, for tests that need settings of their own (e.g. a tiny oplog to provoke
 * history loss). Only meaningful when the run uses the emulator; callers check
 * sharedBackendIsEmulator() first.
 */
export async function startPrivateEmulator(
  options: { oplogSize?: number } = {},
): Promise<MongoBackend> {
  return startMongoBackend({
    mode: 'emulator',
    emulatorOplogSize: options.oplogSize,
    log: () => undefined,
  });
}

/** A driver client on the shared backend; close it in afterAll. */
export async function connectTestClient(uri = sharedBackendUri()): Promise<MongoClient> {
  return new MongoClient(uri).connect();
}
