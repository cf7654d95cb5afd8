import { Injectable } from '@nestjs/common';
import { connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { MongoClient } from 'mongodb';
import { RelayRuntime, createSubscription } from '../../test/support/relay-runtime';
import { ChangeHandler } from '../handlers/change-handler.decorator';
import type { EventHandler, HandlerContext } from '../handlers/handler.types';
import { RelaySupervisor } from './relay.supervisor';
import { settlesWithin } from './settles-within';

/** Never settles a delivery: only the engine's abort ends an attempt. */
@Injectable()
@ChangeHandler('stuck')
class StuckHandler implements EventHandler {
  readonly calls: HandlerContext[] = [];

  handle(_event: unknown, ctx: HandlerContext): Promise<void> {
    this.calls.push(ctx);
    return new Promise(() => undefined);
  }
}

/**
 * A host whose shutdown grace ran out halts the supervisor while its workers still drain: the
 * halt must reach those workers too, so nothing of the app keeps running after it closed.
 */
describe(`${RelaySupervisor.name} halted during a graceful shutdown`, () => {
  let client: MongoClient;
  let runtime: RelayRuntime;
  const sourceDb = uniqueDbName('src');
  const metaDb = uniqueDbName('meta');

  beforeAll(async () => {
    client = await connectTestClient();
    runtime = await RelayRuntime.start({
      metaDb,
      instanceId: 'halt-while-draining',
      // A drain that would outlast the test by far.
      relay: { shutdownTimeoutMs: 60_000 },
      providers: [StuckHandler],
    });
  });

  afterAll(async () => {
    await runtime?.crash();
    await client?.close();
  });

  it('abandons the draining workers at once', async () => {
    const handler = runtime.moduleRef.get(StuckHandler);
    await createSubscription(runtime, client, {
      name: 'stuck',
      source: { database: sourceDb, collections: ['items'] },
      handler: { type: 'provider', name: 'stuck' },
    });
    await client.db(sourceDb).collection<{ _id: number }>('items').insertOne({ _id: 1 });
    await waitFor(() => handler.calls.length === 1, { description: 'the delivery to start' });

    const closing = runtime.close();
    // The shutdown took the worker over: it drains, waiting for the stuck delivery.
    await waitFor(() => runtime.supervisor.runningWorkers().length === 0, {
      description: 'the shutdown to start draining',
    });
    await runtime.supervisor.halt();

    expect(handler.calls[0].signal.aborted).toBe(true);
    expect(await settlesWithin(closing, 10_000)).toBe(true);
    // Abandoned as a crash would: the lease is left to expire, not released.
    const lease = await client
      .db(metaDb)
      .collection<{ _id: string; expiresAt: Date }>('leases')
      .findOne({ _id: 'stuck' });
    expect(lease?.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });
});
