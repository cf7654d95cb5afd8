import { RECORDING_HANDLER } from './support/recording.handler';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { range, SourceData } from './support/source-data';

/**
 * Acceptance: a rewind re-delivers everything from the given time (duplicates of what was
 * delivered are expected), a time before the oplog's first entry is a 412 with the window, and
 * bad input is a 400 naming the field.
 */
describe('Rewind', () => {
  let server: RelayServer;
  let source: SourceData;

  beforeAll(async () => {
    [server, source] = await Promise.all([startRelay(), SourceData.connect()]);
    await server.api
      .createSubscription({
        name: 'rewound',
        source: { database: source.database, collections: ['orders'] },
        handler: { type: 'provider', name: RECORDING_HANDLER },
      })
      .expect(201);
    await waitUntilRunning(server, 'rewound');
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close()]);
  });

  const keys = () => server.recorder.of('rewound').map((event) => event.documentKey?._id);
  const rewind = (body: object) =>
    server.api.http.post('/api/v1/subscriptions/rewound/rewind').send(body);

  it('re-delivers every change from the given time, then continues live', async () => {
    await source.insertNumbered('orders', 'early', 0, 3);
    await server.recorder.waitForEvents('rewound', 3);
    // Rewinds work in whole seconds: start the rewound part in a second of its own.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const from = new Date();
    await source.insertNumbered('orders', 'o', 0, 5);
    await server.recorder.waitForEvents('rewound', 8);

    const rewound = await rewind({ timestamp: from.toISOString() }).expect(200);
    expect(rewound.body.startAt).toBeDefined();
    await server.recorder.waitForEvents('rewound', 13);
    const ordered = range(0, 5).map((n) => `o-${n}`);
    expect(keys()).toEqual([...range(0, 3).map((n) => `early-${n}`), ...ordered, ...ordered]);

    await source.insertNumbered('orders', 'late', 0, 2);
    await server.recorder.waitForEvents('rewound', 15);
    expect(keys().slice(13)).toEqual(['late-0', 'late-1']);
    const status = await server.api.status('rewound').expect(200);
    expect(status.body.state).toBe('active');
  });

  it("refuses a time before the oplog's first entry with 412 and the available window", async () => {
    const response = await rewind({ timestamp: '2001-01-01T00:00:00Z' }).expect(412);
    expect(response.body.message).toMatch(/available window is \S+ to \S+/);
    expect(response.body.details).toEqual([
      { field: 'timestamp', reason: expect.stringContaining("older than the oplog's first entry") },
    ]);
  });

  it('answers bad input with 400 naming the field', async () => {
    for (const body of [{}, { timestamp: 'yesterday' }, { timestamp: null }]) {
      const response = await rewind(body).expect(400);
      expect(JSON.stringify(response.body.details)).toContain('timestamp');
    }
    const future = await rewind({ timestamp: new Date(Date.now() + 3_600_000).toISOString() });
    expect(future.status).toBe(400);
    expect(future.body.details).toEqual([
      { field: 'timestamp', reason: 'timestamp must not be in the future' },
    ]);
    await server.api.http
      .post('/api/v1/subscriptions/missing/rewind')
      .send({ timestamp: new Date().toISOString() })
      .expect(404);
  });

  it('is a GraphQL mutation too', async () => {
    const answer = await server.api.graphql(
      `mutation($at: DateTime!) { rewindSubscription(name: "rewound", input: { timestamp: $at }) { name state } }`,
      { at: '2001-01-01T00:00:00Z' },
    );
    expect(answer.errors?.[0]?.extensions?.code).toBe('FAILED_PRECONDITION');
    const resync = await server.api.graphql(
      `mutation { resyncSubscription(name: "rewound") { name state } }`,
    );
    expect(resync).toEqual({ data: { resyncSubscription: { name: 'rewound', state: 'active' } } });
    const status = await server.api.graphql(
      `{ subscriptionStatus(name: "rewound") { checkpoint { kind } snapshot { copied streamFrom } oplog { available firstEntryAt marginMs status } } }`,
    );
    expect(status.errors).toBeUndefined();
    expect(status.data.subscriptionStatus.oplog).toMatchObject({
      available: true,
      firstEntryAt: expect.any(String),
      marginMs: expect.any(Number),
      status: 'Healthy',
    });
  });
});
