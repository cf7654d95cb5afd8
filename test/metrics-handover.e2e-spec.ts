import { uniqueDbName, waitFor } from '@app/testing';
import { startRelay, type RelayServer } from './support/relay-server';
import { RECORDING_HANDLER } from './support/recording.handler';
import { SourceData } from './support/source-data';

/** Acceptance (issue 10): rollup counts stay exact across a graceful handover. */
describe('Metrics across a graceful handover', () => {
  let first: RelayServer | undefined;
  let second: RelayServer | undefined;
  let source: SourceData;

  beforeAll(async () => {
    source = await SourceData.connect();
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close(), source?.close()]);
  });

  it('neither loses nor doubles a count when the owner stops and another takes over', async () => {
    const database = uniqueDbName('handover');
    // The first owner's interval is long: only its stop's own flush writes its counts.
    first = await startRelay({
      MONGODB_DB: database,
      INSTANCE_ID: 'obs-a',
      METRICS_FLUSH_INTERVAL_MS: '600000',
    });
    await first.api
      .createSubscription({
        name: 'obs-handover',
        source: { database: source.database, collections: ['moves'] },
        handler: { type: 'provider', name: RECORDING_HANDLER },
      })
      .expect(201);
    await waitFor(
      () => first!.supervisor.runningWorkers().some((w) => w.subscription === 'obs-handover'),
      { description: 'the first owner to run it' },
    );
    second = await startRelay({
      MONGODB_DB: database,
      INSTANCE_ID: 'obs-b',
      METRICS_FLUSH_INTERVAL_MS: '200',
    });
    await source.insertNumbered('moves', 'm', 0, 40);
    await first.close();
    first = undefined;
    await waitFor(
      () => second!.supervisor.runningWorkers().some((w) => w.subscription === 'obs-handover'),
      { description: 'the second instance to take over' },
    );
    await source.insertNumbered('moves', 'm', 40, 20);
    const counters = await waitFor(
      async () => {
        const { body } = await second!.api.status('obs-handover');
        const c = body.counters as { received: number; delivered: number };
        return c.delivered >= 60 && c;
      },
      { description: 'both owners counted', timeoutMs: 20_000 },
    );
    // Exactly once each: the first owner flushed and checkpointed before releasing the lease.
    expect(counters).toMatchObject({ received: 60, delivered: 60, deadLettered: 0 });
  });
});
