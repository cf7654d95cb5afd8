import { Long } from 'bson';
import type { CursorBatch, ServerCursor } from '../cursors/server-cursor';
import { QueryCursor } from '../cursors/server-cursor';
import type { ServerState } from '../server-state';
import type { Document } from '../storage/bson-values';
import { toNumber } from '../storage/bson-values';

/** `{cursor: {firstBatch|nextBatch, postBatchResumeToken?, id, ns}}`; registers a live cursor. */
export function cursorReply(
  server: ServerState,
  cursor: ServerCursor,
  batch: CursorBatch,
  kind: 'firstBatch' | 'nextBatch',
  existingId?: number,
): Document {
  let id = 0;
  if (!batch.exhausted) id = existingId ?? server.cursors.register(cursor);
  else if (existingId !== undefined) server.cursors.kill(existingId);
  const body: Document = { [kind]: batch.docs };
  if (batch.postBatchResumeToken) body.postBatchResumeToken = batch.postBatchResumeToken;
  body.id = Long.fromNumber(id);
  body.ns = cursor.ns;
  return { cursor: body };
}

/** Replies with the first batch of a materialised result, keeping the rest for getMore. */
export async function materialisedCursorReply(
  server: ServerState,
  ns: string,
  results: Document[],
  batchSize: number | undefined,
  signal: AbortSignal,
  singleBatch = false,
): Promise<Document> {
  const cursor = new QueryCursor(ns, results);
  const batch = await cursor.nextBatch({ batchSize, signal });
  if (singleBatch) batch.exhausted = true;
  return cursorReply(server, cursor, batch, 'firstBatch');
}

/** The `cursor.batchSize` of aggregate/listCollections or `batchSize` of find; mongod's default 101. */
export function firstBatchSize(value: unknown): number {
  if (value === undefined || value === null) return 101;
  const size = toNumber(value, 101);
  return size < 0 ? 101 : size === 0 ? 0 : size;
}
