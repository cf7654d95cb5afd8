import { WebhookReceiver, uniqueDbName } from '@app/testing';
import { RECORDING_HANDLER } from './support/recording.handler';
import {
  newWebhookSecret,
  startRelay,
  waitUntilRunning,
  type RelayServer,
} from './support/relay-server';
import { numbersOf, range, SourceData } from './support/source-data';

/** Acceptance: after a restart on the same metadata database, delivery continues from the checkpoint. */
describe('Restart of the app', () => {
  let source: SourceData;
  let receiver: WebhookReceiver;
  const secret = newWebhookSecret();
  const database = uniqueDbName('relay');
  const servers: RelayServer[] = [];

  beforeAll(async () => {
    [source, receiver] = await Promise.all([
      SourceData.connect(),
      WebhookReceiver.start({ secret }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([
      ...servers.map((server) => server.close()),
      source?.close(),
      receiver?.close(),
    ]);
  });

  async function boot(): Promise<RelayServer> {
    const server = await startRelay({ MONGODB_DB: database });
    servers.push(server);
    return server;
  }

  it('continues from the checkpoint with nothing lost or repeated', async () => {
    const first = await boot();
    await first.api
      .createSubscription({
        name: 'restart-webhook',
        source: { database: source.database, collections: ['events'] },
        handler: { type: 'webhook', url: receiver.urlFor('/restart'), secret },
      })
      .expect(201);
    await first.api
      .createSubscription({
        name: 'restart-provider',
        source: { database: source.database, collections: ['events'] },
        handler: { type: 'provider', name: RECORDING_HANDLER },
      })
      .expect(201);
    await Promise.all([
      waitUntilRunning(first, 'restart-webhook'),
      waitUntilRunning(first, 'restart-provider'),
    ]);
    await source.insertNumbered('events', 'e', 0, 10);
    await receiver.waitForEvents(10);
    await first.recorder.waitForEvents('restart-provider', 10);

    const { graceful } = await first.close();
    expect(graceful).toBe(true);
    // Written while no instance runs.
    await source.insertNumbered('events', 'e', 10, 10);

    const second = await boot();
    await second.recorder.waitForEvents('restart-provider', 10);
    const events = await receiver.waitForEvents(20);
    expect(receiver.requests.every((request) => request.signatureValid)).toBe(true);
    // A graceful shutdown writes the final checkpoint: each event exactly once, in order.
    expect(events.map((event) => event.documentKey._id)).toEqual(range(0, 20).map((n) => `e-${n}`));
    expect(
      numbersOf(second.recorder.of('restart-provider').map((event) => event.documentKey?._id)),
    ).toEqual(range(10, 10));
    const status = await second.api.status('restart-webhook').expect(200);
    expect(status.body).toMatchObject({
      actualState: 'running',
      owner: second.config.instanceId,
      warnings: [],
    });
  });
});
