import { DeadLettersRepository, SubscriptionsRepository } from '@app/relay';
import { WebhookReceiver, waitFor, withToken, type ReceivedRequest } from '@app/testing';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { SourceData } from './support/source-data';

/**
 * Acceptance of the dead-letter queue operations (issue 9): dead letters of a failing webhook,
 * bulk replay in stream order by the owner inside its engine, never overlapping a live event of
 * the same key; filters, pagination, discard, 409/412, roles and GraphQL parity.
 */
describe('Dead-letter queue operations', () => {
  let server: RelayServer;
  let source: SourceData;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    [server, source, receiver] = await Promise.all([
      startRelay(),
      SourceData.connect(),
      WebhookReceiver.start(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close(), receiver?.close()]);
  });

  const http = () => server.api.http;
  const keyOf = (r: ReceivedRequest) =>
    String((r.json as { documentKey?: { _id?: unknown } } | undefined)?.documentKey?._id);
  /** Events that set `poison` (inserts with it, updates changing it) are refused while failing. */
  const isBad = (r: ReceivedRequest) => r.rawBody.includes('"poison":');

  async function webhookSubscription(name: string, path: string, collection = name) {
    await server.api
      .createSubscription({
        name,
        source: { database: source.database, collections: [collection] },
        handler: { type: 'webhook', url: receiver.urlFor(path), timeoutMs: 2_000 },
        retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
      })
      .expect(201);
    await waitUntilRunning(server, name);
  }

  /** Event ids (resume tokens' `_data`) sort in stream order. */
  const inStreamOrder = <T extends { eventId: string }>(entries: T[]) =>
    [...entries].sort((x, y) => (x.eventId < y.eventId ? -1 : 1));

  async function deadLetters(query: Record<string, string | number>) {
    const response = await http().get('/api/v1/dead-letters').query(query).expect(200);
    return response.body as { items: any[]; total: number; nextCursor?: string };
  }

  async function awaitJob(id: string) {
    return waitFor(
      async () => {
        const { body } = await http().get(`/api/v1/dead-letters/replays/${id}`).expect(200);
        return ['done', 'failed', 'cancelled'].includes(body.state) && body;
      },
      { description: `replay job ${id} to finish` },
    );
  }

  it('dead-letters failing webhook events with status and body, and replays them in stream order once fixed', async () => {
    await webhookSubscription('dlq-orders', '/dlq-orders');
    receiver.respondWith({
      status: 500,
      body: '{"error":"kaput"}',
      when: (r) => r.path === '/dlq-orders' && isBad(r),
    });
    const orders = source.collection('dlq-orders');
    await orders.insertOne({ _id: 'a', n: 1, poison: 1 });
    await orders.insertOne({ _id: 'b', n: 1 });
    await orders.updateOne({ _id: 'a' }, { $set: { n: 2, poison: 2 } });
    await orders.updateOne({ _id: 'b' }, { $set: { n: 2 } });
    await orders.insertOne({ _id: 'c', n: 1, poison: 1 });
    await orders.updateOne({ _id: 'a' }, { $set: { n: 3 } });

    const dead = await waitFor(
      async () => {
        const page = await deadLetters({ subscription: 'dlq-orders' });
        return page.total === 3 && page;
      },
      { description: 'three dead letters' },
    );
    expect(dead.items.every((entry) => entry.status === 'pending')).toBe(true);
    expect(dead.items[0]).toMatchObject({
      service: expect.any(String),
      attempts: 2,
      error: { name: 'WebhookDeliveryError', httpStatus: 500, responseBody: '{"error":"kaput"}' },
      replayCount: 0,
    });
    // The other events kept flowing, in order per key.
    const live = await receiver.waitForEvents(3, {
      filter: (e) => e.subscription === 'dlq-orders',
    });
    expect(live.map((e) => `${String(e.documentKey._id)}:${e.operationType}`)).toEqual(
      expect.arrayContaining(['b:insert', 'b:update', 'a:update']),
    );

    // One entry in full: the raw event and its history.
    const entryOfC = dead.items.find((entry) => entry.key.includes('"c"'));
    const one = await http()
      .get(`/api/v1/dead-letters/${encodeURIComponent(entryOfC.id)}`)
      .expect(200);
    expect(one.body.event).toMatchObject({ operationType: 'insert', documentKey: { _id: 'c' } });

    receiver.clearRules();
    const before = receiver.requests.length;
    const started = await http()
      .post('/api/v1/dead-letters/replay')
      .send({ subscription: 'dlq-orders' })
      .expect(202);
    expect(started.body).toMatchObject({ id: expect.any(String), dryRun: false });
    const job = await awaitJob(started.body.id);
    expect(job).toMatchObject({ state: 'done', total: 3, succeeded: 3, failed: 0, skipped: 0 });
    expect(job.startedAt).toEqual(expect.any(String));
    expect(job.finishedAt).toEqual(expect.any(String));

    const replayed = receiver.requests.slice(before).filter((r) => r.path === '/dlq-orders');
    // Exactly the dead letters, each once, with their original webhook-id, in stream order per key.
    const byStreamOrder = inStreamOrder(dead.items);
    expect(replayed.map((r) => r.headers['webhook-id']).sort()).toEqual(
      byStreamOrder.map((entry) => entry.eventId).sort(),
    );
    const idsOfKey = (key: string) =>
      replayed.filter((r) => keyOf(r) === key).map((r) => r.headers['webhook-id']);
    expect(idsOfKey('a')).toEqual(
      byStreamOrder.filter((entry) => entry.key.includes('"a"')).map((entry) => entry.eventId),
    );
    expect(idsOfKey('a')).toHaveLength(2);
    // Nothing else was delivered twice.
    const delivered = receiver.requests.filter((r) => r.path === '/dlq-orders' && r.status === 200);
    const ids = delivered.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);

    const after = await deadLetters({ subscription: 'dlq-orders' });
    expect(after.items.map((entry) => entry.status)).toEqual(['replayed', 'replayed', 'replayed']);
    expect(after.items[0].replays).toEqual([
      expect.objectContaining({ outcome: 'delivered', jobId: started.body.id }),
    ]);

    // Replaying or discarding a replayed entry is a conflict.
    const id = encodeURIComponent(after.items[0].id);
    await http().post(`/api/v1/dead-letters/${id}/replay`).expect(409);
    await http().post(`/api/v1/dead-letters/${id}/discard`).send({ reason: 'x' }).expect(409);
    const summary = await http()
      .get('/api/v1/dead-letters/summary')
      .query({ subscription: 'dlq-orders' })
      .expect(200);
    expect(summary.body).toEqual({ bySubscription: [], byError: [] });
  });

  it('never runs a replayed event and a live event of one key at the same time, and keeps replay order per key', async () => {
    await webhookSubscription('dlq-overlap', '/dlq-overlap');
    const overlaps: string[] = [];
    const failing = { on: true };
    receiver.respondWith({
      status: 500,
      when: (r) => r.path === '/dlq-overlap' && failing.on && isBad(r),
    });
    // Each answer takes a while, so overlapping requests of one key would be seen.
    receiver.respondWith({
      status: 200,
      delayMs: 15,
      when: (r) => {
        if (r.path !== '/dlq-overlap') {
          return false;
        }
        const key = keyOf(r);
        if (
          receiver.requests.some(
            (o) => o !== r && !o.answered && keyOf(o) === key && o.path === r.path,
          )
        ) {
          overlaps.push(key);
        }
        return true;
      },
    });
    const items = source.collection('dlq-overlap');
    const keys = ['k0', 'k1', 'k2'];
    await items.insertMany(keys.map((_id) => ({ _id, n: 0 })));
    for (let n = 1; n <= 4; n += 1) {
      for (const _id of keys) {
        await items.updateOne({ _id }, { $set: { n, poison: n } });
      }
    }
    await waitFor(async () => (await deadLetters({ subscription: 'dlq-overlap' })).total === 12, {
      description: 'twelve dead letters',
    });
    const dead = inStreamOrder(
      (await deadLetters({ subscription: 'dlq-overlap', limit: 100 })).items,
    );
    failing.on = false;
    const before = receiver.requests.length;
    const started = await http()
      .post('/api/v1/dead-letters/replay')
      .send({ subscription: 'dlq-overlap' })
      .expect(202);
    // Live events of the same keys while the replay runs.
    for (let n = 5; n <= 8; n += 1) {
      for (const _id of keys) {
        await items.updateOne({ _id }, { $set: { n } });
      }
    }
    const job = await awaitJob(started.body.id);
    expect(job).toMatchObject({ state: 'done', total: 12, succeeded: 12 });
    await waitFor(
      () =>
        receiver.requests
          .slice(before)
          .filter((r) => r.path === '/dlq-overlap' && r.status === 200 && r.answered).length >= 24,
      { description: 'replays and live events delivered' },
    );
    expect(overlaps).toEqual([]);
    const deadIds = new Set(dead.map((entry) => entry.eventId));
    for (const key of keys) {
      const replayedIds = receiver.requests
        .slice(before)
        .filter((r) => r.path === '/dlq-overlap' && keyOf(r) === key)
        .map((r) => r.headers['webhook-id'] as string)
        .filter((id) => deadIds.has(id));
      expect(replayedIds).toEqual(
        dead.filter((entry) => entry.key.includes(`"${key}"`)).map((entry) => entry.eventId),
      );
    }
  });

  it('filters, pages without skipping or repeating while entries arrive, and sums', async () => {
    const repository = server.app.get(DeadLettersRepository);
    const store = (n: number, overrides: Record<string, unknown> = {}) =>
      repository.store({
        subscription: 'dlq-stored',
        service: 'billing',
        eventId: `82${String(n).padStart(8, '0')}`,
        event: { _id: { _data: `82${String(n).padStart(8, '0')}` }, operationType: 'insert' },
        key: `{"_id":"k${n % 2}"}`,
        position: { token: `82${String(n).padStart(8, '0')}`, clusterTime: { t: n, i: 1 } },
        attempts: 1,
        error:
          n % 3 === 0
            ? { name: 'WebhookRejectedError', message: 'answered 422', httpStatus: 422 }
            : { name: 'TypeError', message: 'boom' },
        retentionDays: 30,
        ...overrides,
      });
    for (let n = 1; n <= 9; n += 1) {
      await store(n);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let arriving = 100;
    do {
      const page = await deadLetters({
        subscription: 'dlq-stored',
        limit: 4,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((entry) => entry.eventId));
      cursor = page.nextCursor;
      await store((arriving += 1), {
        key: '{"_id":"late"}',
        error: { name: 'Late', message: 'arrived while paging' },
      });
    } while (cursor);
    expect(new Set(seen).size).toBe(9);
    expect(seen).toHaveLength(9);

    expect((await deadLetters({ subscription: 'dlq-stored', httpStatus: 422 })).total).toBe(3);
    expect((await deadLetters({ subscription: 'dlq-stored', errorName: 'TypeError' })).total).toBe(
      6,
    );
    expect((await deadLetters({ subscription: 'dlq-stored', key: '{"_id":"k1"}' })).total).toBe(5);
    expect((await deadLetters({ service: 'nobody' })).total).toBe(0);
    expect(
      (await deadLetters({ subscription: 'dlq-stored', to: '2000-01-01T00:00:00Z' })).total,
    ).toBe(0);
    // A token scoped to a service sees that service's entries only.
    const { body: scoped } = await http()
      .post('/api/v1/tokens')
      .send({ name: 'dlq-billing', role: 'viewer', services: ['billing'] })
      .expect(201);
    const asBilling = () => withToken(server.app, scoped.token as string);
    const { body: visible } = await asBilling()
      .get('/api/v1/dead-letters')
      .query({ limit: 500 })
      .expect(200);
    expect(visible.total).toBe(12);
    expect(new Set(visible.items.map((entry: { service: string }) => entry.service))).toEqual(
      new Set(['billing']),
    );
    const other = (await deadLetters({ service: 'change-relay', limit: 1 })).items[0];
    await asBilling()
      .get(`/api/v1/dead-letters/${encodeURIComponent(other.id)}`)
      .expect(404);
    await http().get('/api/v1/dead-letters').query({ cursor: 'garbage' }).expect(400);
    await http().get('/api/v1/dead-letters').query({ status: 'lost' }).expect(400);

    const { body: summary } = await http()
      .get('/api/v1/dead-letters/summary')
      .query({ subscription: 'dlq-stored' })
      .expect(200);
    expect(summary.bySubscription).toEqual([
      { subscription: 'dlq-stored', service: 'billing', pending: 12 },
    ]);
    expect(summary.byError).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ errorName: 'WebhookRejectedError', httpStatus: 422 }),
      ]),
    );
  });

  it('discards with a reason, answers 409 and 412, enforces roles, and matches over GraphQL', async () => {
    const repository = server.app.get(DeadLettersRepository);
    await webhookSubscription('dlq-stale', '/dlq-stale');
    const store = (n: number) =>
      repository.store({
        subscription: 'dlq-stale',
        service: 'default',
        eventId: `e${n}`,
        event: { _id: { _data: `e${n}` }, operationType: 'insert' },
        key: `k${n}`,
        position: { token: `e${n}` },
        attempts: 1,
        error: { name: 'Error', message: 'x' },
        retentionDays: 30,
      });
    await Promise.all([store(1), store(2), store(3)]);

    const discarded = await http()
      .post('/api/v1/dead-letters/dlq-stale:e1/discard')
      .send({ reason: 'customer cancelled' })
      .expect(200);
    expect(discarded.body).toMatchObject({
      status: 'discarded',
      discardReason: 'customer cancelled',
    });
    await http()
      .post('/api/v1/dead-letters/dlq-stale:e1/discard')
      .send({ reason: 'again' })
      .expect(409);
    await http().post('/api/v1/dead-letters/dlq-stale:e1/replay').expect(409);
    // Audited, with the entry as target and the outcome.
    const { body: audit } = await http().get('/api/v1/audit').query({ limit: 20 }).expect(200);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'POST /api/v1/dead-letters/:id/discard',
          target: 'dlq-stale:e1',
          outcome: 'ok',
        }),
      ]),
    );
    await http().post('/api/v1/dead-letters/dlq-stale:e2/discard').send({}).expect(400);
    await http().get('/api/v1/dead-letters/dlq-stale:none').expect(404);

    // Roles: a viewer reads, an operator acts.
    const { body: viewer } = await http()
      .post('/api/v1/tokens')
      .send({ name: 'dlq-viewer', role: 'viewer' })
      .expect(201);
    const asViewer = () => withToken(server.app, viewer.token as string);
    await asViewer().get('/api/v1/dead-letters').expect(200);
    await asViewer()
      .post('/api/v1/dead-letters/dlq-stale:e2/discard')
      .send({ reason: 'x' })
      .expect(403);
    await asViewer()
      .post('/api/v1/dead-letters/replay')
      .send({ subscription: 'dlq-stale' })
      .expect(403);

    // A dry run lists what a job would take, in stream order.
    const dry = await http()
      .post('/api/v1/dead-letters/replay')
      .send({ subscription: 'dlq-stale', dryRun: true })
      .expect(202);
    expect(dry.body).toMatchObject({ dryRun: true, total: 2 });
    expect(dry.body.wouldReplay.map((entry: { eventId: string }) => entry.eventId)).toEqual([
      'e2',
      'e3',
    ]);

    // GraphQL: the same page as REST.
    const rest = await deadLetters({ subscription: 'dlq-stale' });
    const gql = await server.api.graphql(
      `query($s: String) { deadLetters(subscription: $s) { total items { id status } } }`,
      { s: 'dlq-stale' },
    );
    expect(gql.errors).toBeUndefined();
    expect(gql.data.deadLetters).toEqual({
      total: rest.total,
      items: rest.items.map((entry) => ({ id: entry.id, status: entry.status })),
    });
    const gqlDiscard = await server.api.graphql(
      `mutation { discardDeadLetter(id: "dlq-stale:e1", input: { reason: "x" }) { status } }`,
    );
    expect(gqlDiscard.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    // A job over chosen ids takes those only; ids and filter together are refused.
    await http()
      .post('/api/v1/dead-letters/replay')
      .send({ subscription: 'dlq-stale', ids: ['dlq-stale:e3'], filter: { key: 'k3' } })
      .expect(400);
    const chosen = await http()
      .post('/api/v1/dead-letters/replay')
      .send({ subscription: 'dlq-stale', ids: ['dlq-stale:e3'] })
      .expect(202);
    expect(await awaitJob(chosen.body.id)).toMatchObject({ state: 'done', total: 1, succeeded: 1 });
    expect((await http().get('/api/v1/dead-letters/dlq-stale:e3').expect(200)).body.status).toBe(
      'replayed',
    );
    expect((await http().get('/api/v1/dead-letters/dlq-stale:e2').expect(200)).body.status).toBe(
      'pending',
    );

    // A stale subscription: 412 at once (REST and GraphQL); a deleted one too.
    const subscriptions = server.app.get(SubscriptionsRepository);
    const subscription = (await subscriptions.findByName('dlq-stale'))!;
    expect(
      await subscriptions.markStale(
        'dlq-stale',
        { reason: 'history lost', at: new Date() },
        subscription.epoch,
      ),
    ).toBe(true);
    await http()
      .post('/api/v1/dead-letters/replay')
      .send({ subscription: 'dlq-stale' })
      .expect(412);
    await http().post('/api/v1/dead-letters/dlq-stale:e2/replay').expect(412);
    const gqlStale = await server.api.graphql(
      `mutation { replayDeadLetters(input: { subscription: "dlq-stale" }) { id } }`,
    );
    expect(gqlStale.errors?.[0]?.extensions?.code).toBe('FAILED_PRECONDITION');
    await http().post('/api/v1/dead-letters/replay').send({ subscription: 'no-such' }).expect(412);
  });

  it('shows an entry whose event was too large to keep whole, and refuses to replay it (409)', async () => {
    const repository = server.app.get(DeadLettersRepository);
    await webhookSubscription('dlq-big', '/dlq-big');
    await repository.store({
      subscription: 'dlq-big',
      service: 'default',
      eventId: 'b1',
      event: {
        _id: { _data: 'b1' },
        operationType: 'insert',
        documentKey: { _id: 'b' },
        fullDocument: { _id: 'b', pad: 'x'.repeat(15 * 1024 * 1024) },
      },
      key: '{"_id":"b"}',
      position: { token: 'b1' },
      attempts: 1,
      error: { name: 'Error', message: 'x' },
      retentionDays: 30,
    });
    const { body: entry } = await http().get('/api/v1/dead-letters/dlq-big:b1').expect(200);
    expect(entry).toMatchObject({
      status: 'pending',
      truncated: { droppedFields: ['fullDocument'] },
      event: { operationType: 'insert', documentKey: { _id: 'b' } },
    });
    expect(entry.truncated.eventBytes).toBeGreaterThan(15 * 1024 * 1024);
    expect(entry.event.fullDocument).toBeUndefined();

    const refused = await http().post('/api/v1/dead-letters/dlq-big:b1/replay').expect(409);
    expect(refused.body.message).toContain('without fullDocument');
    const gql = await server.api.graphql(
      `query { deadLetter(id: "dlq-big:b1") { truncated { droppedFields eventBytes } } }`,
    );
    expect(gql.errors).toBeUndefined();
    expect(gql.data.deadLetter.truncated).toEqual({
      droppedFields: ['fullDocument'],
      eventBytes: entry.truncated.eventBytes,
    });
    const gqlReplay = await server.api.graphql(
      `mutation { replayDeadLetter(id: "dlq-big:b1") { id } }`,
    );
    expect(gqlReplay.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const { body: rows } = await http()
      .post('/api/v1/sql')
      .send({
        sql: "SELECT event_id, truncated_fields FROM DEAD_LETTER_EVENTS() WHERE subscription_name = 'dlq-big'",
      })
      .expect(200);
    expect(rows[0].rows).toEqual([['b1', ['fullDocument']]]);
    // Discarding it is what is left to do.
    await http()
      .post('/api/v1/dead-letters/dlq-big:b1/discard')
      .send({ reason: 'resynced by hand' })
      .expect(200);
  });

  it('lets a job wait while its subscription is paused, saying why, and run once resumed', async () => {
    const repository = server.app.get(DeadLettersRepository);
    await webhookSubscription('dlq-paused', '/dlq-paused');
    await repository.store({
      subscription: 'dlq-paused',
      service: 'default',
      eventId: 'p1',
      event: { _id: { _data: 'p1' }, operationType: 'insert', documentKey: { _id: 'p' } },
      key: '{"_id":"p"}',
      position: { token: 'p1' },
      attempts: 1,
      error: { name: 'Error', message: 'x' },
      retentionDays: 30,
    });
    await server.api.action('dlq-paused', 'pause').expect(200);
    await waitFor(
      async () => (await server.api.status('dlq-paused')).body.actualState !== 'running',
      {
        description: 'the worker to stop',
      },
    );
    const started = await http()
      .post('/api/v1/dead-letters/replay')
      .send({ subscription: 'dlq-paused' })
      .expect(202);
    expect(started.body).toMatchObject({ state: 'waiting', waitingFor: 'paused' });
    const { body: waiting } = await http()
      .get(`/api/v1/dead-letters/replays/${started.body.id}`)
      .expect(200);
    expect(waiting).toMatchObject({ state: 'waiting', waitingFor: 'paused' });
    await server.api.action('dlq-paused', 'resume').expect(200);
    expect(await awaitJob(started.body.id)).toMatchObject({ state: 'done', succeeded: 1 });
    const delivered = receiver.requests.filter((r) => r.path === '/dlq-paused');
    expect(delivered.map((r) => r.headers['webhook-id'])).toEqual(['p1']);
    await http().post(`/api/v1/dead-letters/replays/${started.body.id}/cancel`).expect(409);
  });
});
