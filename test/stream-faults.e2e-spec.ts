import type { Document } from 'mongodb';
import {
  sharedBackendIsEmulator,
  startPrivateEmulator,
  testBackendKind,
  waitFor,
  withToken,
} from '@app/testing';
import type { PrivateBackend } from '@app/testing';
import { RECORDING_HANDLER } from './support/recording.handler';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { numbersOf, range, SourceData } from './support/source-data';

/**
 * Acceptance: faults on the change stream lose nothing; a resume token older than the oplog makes
 * the subscription stale with the reason, and `reset` brings it back.
 */
describe('Stream faults', () => {
  describe('on the shared backend', () => {
    let server: RelayServer;
    let source: SourceData;

    beforeAll(async () => {
      // A short lease: renewals, which carry the worker's last error to the status, come often.
      [server, source] = await Promise.all([
        startRelay({ LEASE_TTL_MS: '2000' }),
        SourceData.connect(),
      ]);
    });

    afterAll(async () => {
      await source?.client.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' });
      await Promise.all([server?.close(), source?.close()]);
    });

    /**
     * Every getMore fails until turned off. Not filtered by appName: under jest the driver sends
     * empty handshake metadata, so the server never learns the app's name. The test client runs
     * no getMore, so only the app's streams (its workers and its watch on subscriptions) fail.
     */
    async function failGetMores(data: Document): Promise<number> {
      const reply = await source.client.db('admin').command({
        configureFailPoint: 'failCommand',
        mode: 'alwaysOn',
        data: { failCommands: ['getMore'], ...data },
      });
      return Number(reply.count);
    }

    /** Turns the fail point off; how often it fired since last configured. */
    async function failPointOff(): Promise<number> {
      const reply = await source.client
        .db('admin')
        .command({ configureFailPoint: 'failCommand', mode: 'off' });
      return Number(reply.count);
    }

    const received = (name: string) =>
      server.recorder.of(name).map((event) => event.documentKey?._id);

    it.each([
      [
        'a resumable getMore error',
        'fault-resumable',
        { errorCode: 6, errorLabels: ['ResumableChangeStreamError'] },
      ],
      ['a non-resumable getMore error', 'fault-non-resumable', { errorCode: 8 }],
      ['a connection closed mid-stream', 'fault-closed-connection', { closeConnection: true }],
    ])('loses nothing on %s', async (_fault, name, data) => {
      await server.api
        .createSubscription({
          name,
          source: { database: source.database, collections: [name] },
          handler: { type: 'provider', name: RECORDING_HANDLER },
        })
        .expect(201);
      await waitUntilRunning(server, name);
      await source.insertNumbered(name, name, 0, 5);
      await server.recorder.waitForEvents(name, 5);

      // The worker's getMore in flight returns these events; its next one meets the fault. The
      // other streams are idle in their own awaiting getMore, so the first failures are the worker's.
      let fired = await failGetMores(data);
      await source.insertNumbered(name, name, 5, 5);
      await waitFor(async () => (fired += await failGetMores(data)) >= 3, {
        description: 'the fault to fire',
      });
      fired += await failPointOff();
      expect(fired).toBeGreaterThanOrEqual(3);
      await source.insertNumbered(name, name, 10, 10);

      await waitFor(() => new Set(received(name)).size >= 20, {
        description: `all 20 events of ${name}`,
      });
      // At least once: a restart may repeat events after the checkpoint, never skip one.
      expect([...new Set(numbersOf(received(name)))]).toEqual(range(0, 20));
      await waitUntilRunning(server, name);
      await server.api.deleteSubscription(name).expect(204);
    });

    it('reports a stream error the driver cannot resume as the last error, then recovers', async () => {
      const name = 'fault-reported';
      await server.api
        .createSubscription({
          name,
          source: { database: source.database, collections: [name] },
          handler: { type: 'provider', name: RECORDING_HANDLER },
        })
        .expect(201);
      await waitUntilRunning(server, name);
      await failGetMores({ errorCode: 8 });
      await source.insertNumbered(name, name, 0, 3);
      const failing = await waitFor(
        async () => {
          const status = await server.api.status(name);
          return status.body.lastError?.message.includes('failCommand') && status.body;
        },
        { description: 'the worker to report the failing getMore' },
      );
      expect(failing.lastError).toMatchObject({ code: 8, at: expect.any(String) });
      // Error texts can name hosts and ports: a non-admin sees only the class of the error.
      const viewer = await server.api.http
        .post('/api/v1/tokens')
        .send({ name: 'fault-viewer', role: 'viewer' })
        .expect(201);
      const masked = await withToken(server.app, viewer.body.token as string)
        .get(`/api/v1/subscriptions/${name}/status`)
        .expect(200);
      expect(masked.body.lastError.message).toBe('the worker failed (details for admins)');
      expect(JSON.stringify(masked.body)).not.toContain('failCommand');
      await failPointOff();
      await server.recorder.waitForEvents(name, 3);
      await waitUntilRunning(server, name);
    });
  });

  const describeOnEmulator = sharedBackendIsEmulator() ? describe : describe.skip;
  if (!sharedBackendIsEmulator()) {
    process.stdout.write(
      `stream-faults: skipping the history-loss case on the ${testBackendKind()} backend: it needs an oplog of ` +
        '50 entries, which only the emulator can have (a real mongod keeps at least 990 MB)\n',
    );
  }

  describeOnEmulator('with an oplog too small to keep the history', () => {
    let backend: PrivateBackend | undefined;
    let server: RelayServer | undefined;
    let source: SourceData | undefined;

    afterAll(async () => {
      await server?.close();
      await source?.close();
      await backend?.stop();
    });

    it('turns the subscription stale with the reason, and reset brings it back', async () => {
      backend = await startPrivateEmulator({ oplogSize: 50 });
      [server, source] = await Promise.all([
        startRelay({ MONGODB_URI: backend.uri }),
        SourceData.connect(backend.uri),
      ]);
      const relay = server;
      const data = source;
      const name = 'history-lost';
      const received = () => relay.recorder.of(name).map((event) => event.documentKey?._id);

      await relay.api
        .createSubscription({
          name,
          source: { database: data.database, collections: ['items'] },
          handler: { type: 'provider', name: RECORDING_HANDLER },
        })
        .expect(201);
      await waitUntilRunning(relay, name);
      await data.insertNumbered('items', 'i', 0, 3);
      await relay.recorder.waitForEvents(name, 3);

      // Paused, its checkpoint stays where it was while 200 writes push that point out of the oplog.
      await relay.api.action(name, 'pause').expect(200);
      await waitFor(() => !relay.supervisor.runningWorkers().some((w) => w.subscription === name), {
        description: 'the paused worker to stop',
      });
      await data.collection('items').insertMany(range(3, 200).map((n) => ({ _id: `i-${n}`, n })));
      await relay.api.action(name, 'resume').expect(200);

      const stale = await waitFor(
        async () => {
          const status = await relay.api.status(name);
          return status.body.state === 'stale' && status.body;
        },
        { description: 'the subscription to turn stale' },
      );
      expect(stale.stale).toMatchObject({
        code: 286,
        reason: expect.stringContaining('ChangeStreamHistoryLost'),
      });
      expect(stale.warnings).toEqual([expect.stringContaining('Reset it to start again from now')]);
      const listed = await relay.api.listSubscriptions({ state: 'stale' }).expect(200);
      expect(listed.body.map((s: { name: string }) => s.name)).toEqual([name]);
      // Resuming would skip events silently: refused, the operator must choose reset.
      const refused = await relay.api.action(name, 'resume').expect(412);
      expect(refused.body.message).toContain('Reset it');
      const delivered = received().length;

      const reset = await relay.api.action(name, 'reset').expect(200);
      expect(reset.body).toMatchObject({ state: 'active', desiredState: 'active' });
      expect(reset.body.stale).toBeUndefined();
      await waitUntilRunning(relay, name);
      await data.insertNumbered('items', 'after', 0, 3);
      await waitFor(() => received().filter((id) => String(id).startsWith('after-')).length === 3, {
        description: 'changes after the reset to arrive',
      });
      // Nothing from before the reset was replayed: it started from now.
      expect(received().length).toBe(delivered + 3);
    });
  });
});
