import { MongoEmulator } from '@app/mongo-emulator';
import { MongoClient } from 'mongodb';
import { sharedBackendUri, testBackendKind } from './test-env';

export function sharedBackendIsEmulator(): boolean {
  return testBackendKind() === 'emulator';
}

/** A MongoDB deployment a test started for itself. */
export interface PrivateBackend {
  readonly uri: string;
  stop(): Promise<void>;
}

/**
 * A private emulator, for tests that need settings of their own (e.g. a tiny oplog to provoke
 * history loss). Only meaningful when the run uses the emulator; callers check
 * sharedBackendIsEmulator() first.
 */
export async function startPrivateEmulator(
  options: { oplogSize?: number } = {},
): Promise<PrivateBackend> {
  const emulator = await MongoEmulator.start(
    options.oplogSize !== undefined ? { oplogSize: options.oplogSize } : {},
  );
  return { uri: emulator.uri, stop: () => emulator.stop() };
}

/** A driver client on the shared backend; close it in afterAll. */
export async function connectTestClient(uri = sharedBackendUri()): Promise<MongoClient> {
  return new MongoClient(uri).connect();
}
