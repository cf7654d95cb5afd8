import { connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { MongoClient } from 'mongodb';
import { EventLog } from '../../test/support/event-log';
import { RelayRuntime, createSubscription, ownerOf } from '../../test/support/relay-runtime';
import { CommandsRepository } from './commands.repository';
import { INSPECT_COMMAND, OwnerCommandRegistry } from './owner-command.registry';
import { OwnerCommandsClient } from './owner-commands.client';

describe('Owner command channel', () => {
  let client: MongoClient;
  let runtime: RelayRuntime;
  const sourceDb = uniqueDbName('src');
  const ran: { subscription: string; leaseToken: number; args: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    client = await connectTestClient();
    runtime = await RelayRuntime.start({
      metaDb: uniqueDbName('meta'),
      instanceId: 'commands-a',
      log: new EventLog(),
    });
    runtime.moduleRef.get(OwnerCommandRegistry).register('echo', async (context, args) => {
      ran.push({ subscription: context.subscription, leaseToken: context.leaseToken, args });
      if (args.fail) {
        throw new Error('asked to fail');
      }
      return { echoed: args, owner: context.owner };
    });
  });

  afterAll(async () => {
    await runtime?.close();
    await client?.close();
  });

  const commands = () => runtime.moduleRef.get(OwnerCommandsClient);

  it("runs a command inside the owner's worker and reports the outcome", async () => {
    await createSubscription(runtime, client, {
      name: 'cmd',
      source: { database: sourceDb, collections: ['cmd'] },
    });
    await waitFor(() => ownerOf('cmd', [runtime]).length === 1, { description: 'worker runs' });
    const { leaseToken } = runtime.supervisor.runningWorkers()[0];

    const sent = await commands().send('cmd', 'echo', { n: 1 });
    expect(sent.state).toBe('pending');
    const done = await commands().awaitOutcome(sent.id, 5_000);
    expect(done).toMatchObject({
      state: 'done',
      owner: 'commands-a',
      leaseToken,
      result: { echoed: { n: 1 }, owner: 'commands-a' },
    });
    expect(ran).toEqual([{ subscription: 'cmd', leaseToken, args: { n: 1 } }]);

    const inspected = await commands().awaitOutcome(
      (await commands().send('cmd', INSPECT_COMMAND)).id,
      5_000,
    );
    expect(inspected?.result).toMatchObject({
      owner: 'commands-a',
      engine: { state: 'running', inFlight: 0 },
    });
  });

  it('fails a command its handler throws on, or whose type no owner knows', async () => {
    const failed = await commands().awaitOutcome(
      (await commands().send('cmd', 'echo', { fail: true })).id,
      5_000,
    );
    expect(failed).toMatchObject({ state: 'failed', error: { message: 'asked to fail' } });
    const unknown = await commands().awaitOutcome(
      (await commands().send('cmd', 'teleport')).id,
      5_000,
    );
    expect(unknown).toMatchObject({
      state: 'failed',
      error: { message: 'unknown command type "teleport"' },
    });
  });

  it('keeps a command for a subscription nobody runs until an owner starts', async () => {
    const sent = await commands().send('later', 'echo', { n: 2 });
    expect((await commands().awaitOutcome(sent.id, 300))?.state).toBe('pending');
    await createSubscription(runtime, client, {
      name: 'later',
      source: { database: sourceDb, collections: ['later'] },
    });
    expect(await commands().awaitOutcome(sent.id, 5_000)).toMatchObject({
      state: 'done',
      result: { echoed: { n: 2 } },
    });
  });

  it('refuses progress and outcomes from a former owner (fenced by the lease token)', async () => {
    const repository = runtime.moduleRef.get(CommandsRepository);
    const sent = await repository.enqueue('nobody-runs-this', 'echo');
    const first = await repository.claimNext('nobody-runs-this', 'old', 5);
    expect(first?.id).toBe(sent.id);
    // A newer owner takes the running command over.
    const taken = await repository.claimNext('nobody-runs-this', 'new', 6);
    expect(taken).toMatchObject({ id: sent.id, owner: 'new', leaseToken: 6 });
    expect(await repository.progress(sent.id, 5, { done: 1 })).toBe(false);
    expect(await repository.finish(sent.id, 5, { state: 'done', result: {} })).toBe(false);
    expect(await repository.finish(sent.id, 6, { state: 'done', result: { ok: true } })).toBe(true);
    expect(await repository.cancel(sent.id)).toBe(false);
  });
});
