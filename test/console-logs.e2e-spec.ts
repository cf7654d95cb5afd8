// What the server writes to its console: JSON lines when asked (LOG_FORMAT=json), and worker
// lines that carry no HTTP request context, even for a subscription created over HTTP.
import { PassThrough } from 'node:stream';
import { storage } from 'nestjs-pino/storage';
import { RelaySupervisor } from '@app/relay';
import { testEnv, waitFor, asAdmin } from '@app/testing';
import { Server, startServer } from '../src/bootstrap';
import { SourceData } from './support/source-data';

describe('console logs', () => {
  let server: Server;
  let source: SourceData;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const output = new PassThrough();
    let pending = '';
    output.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    source = await SourceData.connect();
    server = await startServer({
      env: testEnv({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }),
      listen: false,
      logDestination: output,
    });
  });

  afterAll(async () => {
    await server.close();
    await source.client.close();
  });

  it('logs worker lines without the request that created the subscription', async () => {
    // Deterministic part: the reconcile an API write triggers starts outside the request's
    // logging context (whether it or the subscriptions watch starts the worker is a race).
    const supervisor = server.app.get(RelaySupervisor);
    const contexts: unknown[] = [];
    const reconcileNow = supervisor.reconcileNow.bind(supervisor);
    jest.spyOn(supervisor, 'reconcileNow').mockImplementation(() => {
      contexts.push(storage.getStore());
      return reconcileNow();
    });
    await asAdmin(server.app)
      .post('/api/v1/subscriptions')
      .send({
        name: 'logged',
        source: { database: source.database, collections: ['notes'] },
        handler: { type: 'provider', name: 'log' },
      })
      .expect(201);
    expect(lines.find((line) => line.req !== undefined)).toBeDefined();
    expect(contexts.length).toBeGreaterThan(0);
    expect(contexts.filter((context) => context !== undefined)).toEqual([]);

    await waitFor(() => lines.some((line) => String(line.msg).startsWith('Running subscription')), {
      description: 'the worker of "logged" to start',
    });
    await source.collection('notes').insertOne({ _id: 'n-1', text: 'hello' });
    const handled = await waitFor(
      () =>
        lines.find((line) => line.context === 'ChangeEvents' && String(line.msg).includes('n-1')),
      { description: 'the log handler to log the insert' },
    );
    const workerLines = lines.filter(
      (line) =>
        line.context === 'ChangeEvents' ||
        line.context === 'RelaySupervisor' ||
        line.context === 'SubscriptionWorker',
    );
    expect(handled).not.toHaveProperty('req');
    expect(workerLines.filter((line) => line.req !== undefined)).toEqual([]);
  });
});
