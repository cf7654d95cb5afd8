import { Agent, request } from 'node:http';
import type { ChangeStreamDocument, Db, MongoClient, Timestamp } from 'mongodb';

/**
 * The baselines Change Relay is measured against: what a team would write by hand.
 */

export interface DrainTiming {
  /** From the first event received to the last one. */
  firstToLastMs: number;
  /** The resume token a consumer would checkpoint (floor loops keep it, as a relay must). */
  lastToken?: unknown;
}

/** Small documents, inserted in batches of 1,000 (the backlog a consumer then drains). */
export async function insertBacklog(db: Db, count: number, collection = 'items'): Promise<void> {
  const docs = db.collection<{ _id: number }>(collection);
  for (let offset = 0; offset < count; offset += 1_000) {
    await docs.insertMany(
      Array.from({ length: Math.min(1_000, count - offset) }, (_, i) => ({
        _id: offset + i,
        sku: `SKU-${(offset + i) % 1000}`,
        qty: (offset + i) % 17,
        note: 'x'.repeat(64),
      })),
      { ordered: false },
    );
  }
}

/** The cluster time now: a stream started at it sees everything written afterwards. */
export async function clusterTimeNow(client: MongoClient): Promise<Timestamp> {
  const { operationTime } = await client.db('admin').command({ ping: 1 });
  return operationTime as Timestamp;
}

/** `for await` over a database-level `watch()`, nothing per event. */
export async function rawDriverLoop(
  db: Db,
  startAtOperationTime: Timestamp,
  count: number,
): Promise<DrainTiming> {
  const stream = db.watch([], { startAtOperationTime });
  let seen = 0;
  let firstAt = 0;
  let lastAt = 0;
  for await (const change of stream) {
    lastAt = performance.now();
    if (seen === 0) {
      firstAt = lastAt;
    }
    if (change.operationType === 'insert') {
      seen += 1;
    }
    if (seen >= count) {
      break;
    }
  }
  await stream.close();
  return { firstToLastMs: lastAt - firstAt };
}

/**
 * The raw loop plus the least a relay does per event, with nothing else: `perEvent` gets each
 * change (and is awaited when it returns a promise), and the resume token is kept. No ordering
 * lanes, retries, buffer budget, checkpoint writes, metrics or status. What Change Relay's
 * per-event work is measured against: a floor, not a consumer anyone should run.
 */
export async function floorLoop(
  db: Db,
  startAtOperationTime: Timestamp,
  count: number,
  perEvent: (change: ChangeStreamDocument) => Promise<void> | void,
): Promise<DrainTiming> {
  const stream = db.watch([], { startAtOperationTime });
  let seen = 0;
  let firstAt = 0;
  let lastAt = 0;
  let token: unknown;
  for await (const change of stream) {
    const done = perEvent(change);
    if (done !== undefined) {
      await done;
    }
    token = change._id;
    lastAt = performance.now();
    if (seen === 0) {
      firstAt = lastAt;
    }
    if (change.operationType === 'insert') {
      seen += 1;
    }
    if (seen >= count) {
      break;
    }
  }
  await stream.close();
  return { firstToLastMs: lastAt - firstAt, lastToken: token };
}

/** Await the handler, then `updateOne` the resume token, per event: the usual hand-written consumer. */
export async function handWrittenConsumer(
  db: Db,
  tokens: Db,
  startAtOperationTime: Timestamp,
  count: number,
): Promise<DrainTiming> {
  const stream = db.watch([], { startAtOperationTime });
  const handler = async (_change: unknown): Promise<void> => undefined;
  const checkpoints = tokens.collection<{ _id: string; token: unknown }>('hand_written_tokens');
  let seen = 0;
  let firstAt = 0;
  let lastAt = 0;
  for await (const change of stream) {
    await handler(change);
    await checkpoints.updateOne(
      { _id: db.databaseName },
      { $set: { token: change._id } },
      { upsert: true },
    );
    lastAt = performance.now();
    if (seen === 0) {
      firstAt = lastAt;
    }
    seen += 1;
    if (seen >= count) {
      break;
    }
  }
  await stream.close();
  return { firstToLastMs: lastAt - firstAt };
}

/**
 * `count` POSTs of `body` to `url` over a keep-alive agent, `concurrency` at a time, each
 * answer read to the end: the HTTP client loop a webhook delivery is compared with.
 */
export async function plainHttpLoop(
  url: string,
  body: string,
  count: number,
  concurrency: number,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  };
  let next = 0;
  const post = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(target, { method: 'POST', agent, headers }, (response) => {
        response.on('data', () => undefined);
        response.on('end', () =>
          response.statusCode === 204
            ? resolve()
            : reject(new Error(`answered ${response.statusCode}`)),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  const lane = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      await post();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  agent.destroy();
}
