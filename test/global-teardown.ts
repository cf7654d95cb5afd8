import type { MongoBackend } from '../src/database/mongo-backend';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __MONGO_BACKEND__?: MongoBackend }).__MONGO_BACKEND__?.stop();
}
