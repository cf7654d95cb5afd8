import { MongoClient } from 'mongodb';
import { startMongoBackend, type MongoBackend } from '../../../src/database/mongo-backend';
import { sharedBackendUri, testBackendKind } from './test-env';

export function sharedBackendIsEmulator(): boolean {
  return testBackendKind() === 'emulator';
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
