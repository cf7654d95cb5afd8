import { WebhookReceiver, type ReceivedRequest } from '@app/testing';
import {
  newWebhookSecret,
  startRelay,
  waitUntilRunning,
  type RelayServer,
} from './support/relay-server';
import { SourceData } from './support/source-data';

const KEYS = 20;
const ROUNDS = 10;

/** The document key of a webhook request (one event per request). */
function keyOf(request: ReceivedRequest): string {
  return String((request.json as { documentKey?: { _id?: unknown } })?.documentKey?._id);
}

/**
 * Per-key order end to end, through the server and a webhook: keys interleaved, a receiver that
 * is slow for some keys. Events of one document arrive in stream order and never overlap;
 * different keys run side by side.
 */
describe('Per-key order through a webhook', () => {
  let server: RelayServer;
  let source: SourceData;
  let receiver: WebhookReceiver;
  const secret = newWebhookSecret();
  const overlaps: string[] = [];
  /** Requests that arrived while a request of another key was still unanswered. */
  let parallel = 0;

  beforeAll(async () => {
    [server, source, receiver] = await Promise.all([
      startRelay(),
      SourceData.connect(),
      WebhookReceiver.start({ secret }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close(), receiver?.close()]);
  });

  it('delivers each key in stream order, one at a time, while slow keys lag', async () => {
    const slow = new Set(
      Array.from({ length: KEYS }, (_, i) => `k${i}`).filter((_, i) => i % 3 === 0),
    );
    receiver.respondWith({
      status: 204,
      delayMs: 25,
      when: (request) => {
        const key = keyOf(request);
        // The new request is not recorded yet: any unanswered one of the same key overlaps it.
        if (receiver.requests.some((r) => !r.answered && keyOf(r) === key)) {
          overlaps.push(key);
        }
        if (receiver.requests.some((r) => !r.answered && keyOf(r) !== key)) {
          parallel += 1;
        }
        return slow.has(key);
      },
    });
    receiver.respondWith({ status: 204 });
    await server.api
      .createSubscription({
        name: 'key-order',
        source: { database: source.database, collections: ['docs'] },
        handler: { type: 'webhook', url: receiver.urlFor('/key-order'), secret },
        delivery: { ordering: 'key', concurrency: 8 },
      })
      .expect(201);
    await waitUntilRunning(server, 'key-order');

    const docs = source.collection('docs');
    await docs.insertMany(Array.from({ length: KEYS }, (_, i) => ({ _id: `k${i}`, seq: 0 })));
    for (let round = 1; round <= ROUNDS; round++) {
      // Interleaved: every key changes once per round, in a shuffled order.
      const order = Array.from({ length: KEYS }, (_, i) => i).sort(() => Math.random() - 0.5);
      for (const i of order) {
        await docs.updateOne({ _id: `k${i}` }, { $set: { seq: round } });
      }
    }

    const events = await receiver.waitForEvents(KEYS * (ROUNDS + 1), { timeoutMs: 30_000 });
    expect(overlaps).toEqual([]);
    for (let i = 0; i < KEYS; i++) {
      const ofKey = events.filter((e) => e.documentKey._id === `k${i}`);
      const sequence = ofKey.map((e) =>
        e.operationType === 'insert' ? 0 : (e.updateDescription.updatedFields.seq as number),
      );
      expect(sequence).toEqual(Array.from({ length: ROUNDS + 1 }, (_, n) => n));
    }
    // Different keys did run side by side: a slow key holds up only its own lane.
    expect(parallel).toBeGreaterThan(0);
  });
});
