import { connect } from 'node:net';
import { createServer } from 'node:net';
import request from 'supertest';
import { asAdmin, TEST_ADMIN_TOKEN, testEnv, withToken } from '@app/testing';
import { startServer, type Server } from '../src/bootstrap';
import { crash, startRelay, type RelayServer } from './support/relay-server';

const SOURCE = { database: 'shop', collections: ['orders'] };
const HANDLER = { type: 'provider', name: 'test-recorder' };

function withPipeline(name: string, pipeline: unknown[]) {
  return { name, source: { ...SOURCE, pipeline }, handler: HANDLER };
}

describe('Hostile input gets a 4xx, fast', () => {
  let server: RelayServer;

  beforeAll(async () => {
    server = await startRelay();
  });

  afterAll(async () => {
    await crash(server);
  });

  it('answers a body over the limit with 413', async () => {
    const response = await server.api.http
      .post('/api/v1/subscriptions')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'big', description: 'x'.repeat(2 * 1024 * 1024) }))
      .expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('answers a bogus charset with 415 and a bad content-encoding with 415 or 400', async () => {
    await server.api.http
      .post('/api/v1/subscriptions')
      .set('content-type', 'application/json; charset=klingon')
      .send('{}')
      .expect(415);
    await server.api.http
      .post('/api/v1/subscriptions')
      .set('content-type', 'application/json')
      .set('content-encoding', 'bogus')
      .send('{}')
      .expect(415);
    await server.api.http
      .post('/api/v1/subscriptions')
      .set('content-type', 'application/json')
      .set('content-encoding', 'gzip')
      .send('{"not": "gzip"}')
      .expect(400);
  });

  it('refuses 10,000 levels of nesting with 400, REST and GraphQL variables', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const started = Date.now();
    const rest = await server.api.http
      .post('/api/v1/subscriptions')
      .set('content-type', 'application/json')
      .send(`{"name":"deep","source":{"database":"shop","pipeline":${deep}}}`)
      .expect(400);
    expect(rest.body.message).toMatch(/nested deeper than 64/);
    await server.api.http
      .post('/graphql')
      .set('content-type', 'application/json')
      .send(`{"query":"{ about { version } }","variables":{"x":${deep}}}`)
      .expect(400);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each([
    [{ $match: { at: { $date: 'not a date' } } }, /\$date must be/],
    [{ $match: { _id: { $oid: 'zz' } } }, /\$oid must be/],
    [{ $match: { n: { $numberLong: '1e400' } } }, /\$numberLong must be/],
    [{ $match: { n: { $numberDecimal: 'abc' } } }, /\$numberDecimal must be/],
    [{ $match: { b: { $binary: { base64: '%%%', subType: '00' } } } }, /\$binary must be/],
    [{ $match: { r: { $regularExpression: { pattern: 'a', options: 'z' } } } }, /\$regular/],
    [{ $match: { t: { $timestamp: { t: 'x', i: 1 } } } }, /\$timestamp must be/],
    [{ $match: { u: { $uuid: 'not-a-uuid' } } }, /\$uuid must be/],
    [{ $match: { c: { $code: 'sleep(1000)' } } }, /\$code/],
    [JSON.parse('{"$match": {"__proto__": {"x": 1}}}'), /__proto__\W+ is not allowed/],
    [{ $project: { _id: '$fullDocument._id' } }, /_id/],
  ])('refuses the pipeline stage %j with 400 naming the field', async (stage, reason) => {
    const response = await server.api.createSubscription(withPipeline('bad-pipeline', [stage]));
    expect(response.status).toBe(400);
    const text = JSON.stringify(response.body);
    expect(text).toMatch(reason);
    expect(text).toMatch(/source\.pipeline|__proto__/);
  });

  it('refuses invalid Extended JSON and prototype keys over GraphQL without a 5xx', async () => {
    const viaVariables = await server.api.graphql(
      'mutation($input: CreateSubscriptionInput!) { createSubscription(input: $input) { name } }',
      { input: withPipeline('gql-bad', [{ $match: { at: { $date: 'not a date' } } }]) },
    );
    expect(viaVariables.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(viaVariables.errors)).toContain('source.pipeline');

    const inline = await server.api.http.post('/graphql').send({
      query:
        'mutation { createSubscription(input: { name: "gql-proto", source: { database: "shop", pipeline: [{ m: { __proto__: { x: 1 } } }] }, handler: { type: provider, name: "test-recorder" } }) { name } }',
    });
    expect(inline.status).toBeLessThan(500);
    expect(JSON.stringify(inline.body.errors)).toContain('__proto__');
  });

  it('refuses 3,500 GraphQL aliases fast, and /health/live keeps answering', async () => {
    const aliases = Array.from({ length: 3_500 }, (_, i) => `a${i}: handlers { name }`).join(' ');
    const started = Date.now();
    const [bomb, live] = await Promise.all([
      server.api.http.post('/graphql').send({ query: `{ ${aliases} }` }),
      request(server.app.getHttpServer()).get('/health/live'),
    ]);
    expect(bomb.status).toBe(400);
    expect(JSON.stringify(bomb.body.errors)).toMatch(/5000 tokens|too complex/i);
    expect(live.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);

    const moderate = Array.from({ length: 25 }, (_, i) => `a${i}: about { version }`).join(' ');
    const refused = await server.api.http.post('/graphql').send({ query: `{ ${moderate} }` });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({
      message: expect.stringContaining('more than 20 aliases'),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });
});

describe('Timeouts and rate limits', () => {
  let server: Server;

  beforeAll(async () => {
    server = await startServer({
      env: testEnv({ REQUEST_TIMEOUT_MS: '1000', RATE_LIMIT_PER_MINUTE: '5' }),
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('ends a request whose content-length is false in 408', async () => {
    const { hostname, port } = new URL(server.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          'POST /api/v1/subscriptions HTTP/1.1\r\n' +
            `Host: ${hostname}\r\n` +
            `Authorization: Bearer ${TEST_ADMIN_TOKEN}\r\n` +
            'Content-Type: application/json\r\n' +
            'Content-Length: 1000\r\n\r\n{"name":',
        );
      });
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('limits requests per token (429), without touching other tokens or the probes', async () => {
    const created = await asAdmin(server.app)
      .post('/api/v1/tokens')
      .send({ name: 'limited', role: 'viewer' })
      .expect(201);
    const limited = created.body.token as string;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await withToken(server.app, limited).get('/api/v1/instances')).status);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const gql = await withToken(server.app, limited)
      .post('/graphql')
      .send({ query: '{ about { version } }' });
    expect(JSON.stringify(gql.body)).toMatch(/Too Many Requests|429/i);
    await request(server.app.getHttpServer()).get('/health/live').expect(200);
    // The admin token used above has its own budget: 1 call so far.
    await asAdmin(server.app).get('/api/v1/instances').expect(200);
  });
});

describe('A backend outage answers 503 on every route', () => {
  let server: Server;

  beforeAll(async () => {
    const port = await closedPort();
    server = await startServer({
      env: testEnv({ MONGODB_URI: `mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=300` }),
      listen: false,
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers reads, writes and GraphQL alike with 503', async () => {
    const [list, get, create, gql] = await Promise.all([
      asAdmin(server.app).get('/api/v1/subscriptions'),
      asAdmin(server.app).get('/api/v1/subscriptions/some-name/status'),
      asAdmin(server.app).post('/api/v1/subscriptions').send(withPipeline('during-outage', [])),
      asAdmin(server.app).post('/graphql').send({ query: '{ subscriptions { name } }' }),
    ]);
    expect([list.status, get.status, create.status]).toEqual([503, 503, 503]);
    expect(list.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(gql.body.errors[0].extensions.code).toBe('UNAVAILABLE');
  }, 40_000);
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
