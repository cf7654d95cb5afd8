import request from 'supertest';
import { asAdmin, waitFor, withToken } from '@app/testing';
import { crash, startRelay, type RelayServer } from './support/relay-server';

function webhookSubscription(name: string, serviceName = 'billing') {
  return {
    name,
    serviceName,
    source: { database: 'shop', collections: ['orders'] },
    handler: { type: 'provider', name: 'test-recorder' },
  };
}

describe('Security: authentication, roles, audit, cross-site', () => {
  let server: RelayServer;

  beforeAll(async () => {
    server = await startRelay();
  });

  afterAll(async () => {
    await crash(server);
  });

  async function token(role: string, extra: Record<string, unknown> = {}): Promise<string> {
    const response = await server.api.http
      .post('/api/v1/tokens')
      .send({ name: `${role}-token`, role, ...extra })
      .expect(201);
    expect(response.body.token).toMatch(/^cr_/);
    return response.body.token as string;
  }

  const anonymous = () => request(server.app.getHttpServer());

  it('answers 401 to every API call without a token, REST (from the OpenAPI document) and GraphQL', async () => {
    const { body: document } = await anonymous().get('/api/docs-json').expect(200);
    const calls: [string, string][] = [];
    for (const [path, operations] of Object.entries(document.paths as Record<string, object>)) {
      for (const method of Object.keys(operations)) {
        calls.push([method, path.replace(/\{[^}]+\}/g, 'some-name')]);
      }
    }
    expect(calls.length).toBeGreaterThan(10);
    for (const [method, path] of calls) {
      const http = anonymous() as unknown as Record<string, (url: string) => request.Test>;
      const response = await http[method](path).set('content-type', 'application/json');
      const open = path.startsWith('/health/') || path === '/metrics';
      expect([method, path, response.status]).toEqual([method, path, open ? 200 : 401]);
    }
    const graphql = await anonymous()
      .post('/graphql')
      .send({ query: '{ subscriptions { name } }' });
    expect(graphql.status).toBe(401);
    const wrong = await withToken(server.app, 'cr_not-a-token').get('/api/v1/subscriptions');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });

  it('declares the bearer scheme in the OpenAPI document', async () => {
    const { body } = await anonymous().get('/api/docs-json').expect(200);
    expect(body.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(body.security).toEqual([{ bearer: [] }]);
  });

  it('lets a viewer read but not mutate (403), REST and GraphQL', async () => {
    await server.api.createSubscription(webhookSubscription('viewer-target')).expect(201);
    const viewer = await token('viewer');
    await withToken(server.app, viewer).get('/api/v1/subscriptions/viewer-target').expect(200);
    const refused = await withToken(server.app, viewer)
      .post('/api/v1/subscriptions/viewer-target/pause')
      .expect(403);
    expect(refused.body.message).toMatch(/operator role/);
    await withToken(server.app, viewer)
      .post('/api/v1/subscriptions')
      .send(webhookSubscription('by-viewer'))
      .expect(403);
    await withToken(server.app, viewer).get('/api/v1/tokens').expect(403);
    const gql = await withToken(server.app, viewer)
      .post('/graphql')
      .send({ query: 'mutation { pauseSubscription(name: "viewer-target") { name } }' })
      .expect(200);
    expect(gql.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('lets an operator pause and resume but not delete', async () => {
    await server.api.createSubscription(webhookSubscription('operator-target')).expect(201);
    const operator = await token('operator');
    const as = () => withToken(server.app, operator);
    await as().post('/api/v1/subscriptions/operator-target/pause').expect(200);
    await as().post('/api/v1/subscriptions/operator-target/resume').expect(200);
    await as().delete('/api/v1/subscriptions/operator-target').expect(403);
    await as()
      .patch('/api/v1/subscriptions/operator-target')
      .send({ description: 'x' })
      .expect(403);
    await server.api.getSubscription('operator-target').expect(200);
  });

  it('refuses a revoked token and an expired one with 401', async () => {
    const revocable = await token('viewer');
    await withToken(server.app, revocable).get('/api/v1/subscriptions').expect(200);
    const listed = await server.api.http.get('/api/v1/tokens').expect(200);
    const entry = listed.body.find((t: { prefix: string }) => t.prefix === revocable.slice(0, 8));
    expect(entry).toMatchObject({ state: 'active', role: 'viewer' });
    expect(JSON.stringify(listed.body)).not.toContain(revocable);
    await server.api.http.post(`/api/v1/tokens/${entry.id}/revoke`).expect(200);
    await withToken(server.app, revocable).get('/api/v1/subscriptions').expect(401);

    const expiring = await token('viewer', { expiresAt: new Date(Date.now() + 1_500) });
    await withToken(server.app, expiring).get('/api/v1/subscriptions').expect(200);
    await waitFor(
      async () =>
        (await withToken(server.app, expiring).get('/api/v1/subscriptions')).status === 401,
      { timeoutMs: 10_000, description: 'the expired token to be refused' },
    );
    await server.api.http
      .post('/api/v1/tokens')
      .send({ name: 'past', role: 'viewer', expiresAt: '2000-01-01T00:00:00Z' })
      .expect(400);
  });

  it('shows a service-scoped token only its services’ subscriptions', async () => {
    await server.api.createSubscription(webhookSubscription('scoped-mine', 'orders')).expect(201);
    await server.api
      .createSubscription(webhookSubscription('scoped-other', 'payments'))
      .expect(201);
    const scoped = await token('admin', { services: ['orders'] });
    const as = () => withToken(server.app, scoped);
    const list = await as().get('/api/v1/subscriptions').expect(200);
    expect(list.body.map((s: { name: string }) => s.name)).toEqual(['scoped-mine']);
    await as().get('/api/v1/subscriptions/scoped-other').expect(404);
    await as().get('/api/v1/subscriptions/scoped-other/status').expect(404);
    await as().post('/api/v1/subscriptions/scoped-other/pause').expect(404);
    await as().delete('/api/v1/subscriptions/scoped-other').expect(404);
    await as()
      .post('/api/v1/subscriptions')
      .send(webhookSubscription('scoped-new', 'payments'))
      .expect(403);
    await as().get('/api/v1/audit').expect(403);
    const handlers = await as().get('/api/v1/handlers').expect(200);
    const used = handlers.body.flatMap((h: { subscriptions: string[] }) => h.subscriptions);
    expect(used).toContain('scoped-mine');
    expect(used).not.toContain('scoped-other');
    const instances = await as().get('/api/v1/instances').expect(200);
    expect(JSON.stringify(instances.body)).not.toContain('scoped-other');
    await as().post('/api/v1/subscriptions/scoped-mine/pause').expect(200);
    // Its tokens stay within its services, and it sees and revokes no others.
    const minted = await as()
      .post('/api/v1/tokens')
      .send({ name: 'sub', role: 'viewer' })
      .expect(201);
    expect(minted.body.services).toEqual(['orders']);
    await as()
      .post('/api/v1/tokens')
      .send({ name: 'wider', role: 'viewer', services: ['payments'] })
      .expect(403);
    const tokens = await as().get('/api/v1/tokens').expect(200);
    expect(tokens.body.every((t: { services?: string[] }) => t.services?.[0] === 'orders')).toBe(
      true,
    );
    await token('viewer');
    const everyone = await server.api.http.get('/api/v1/tokens').expect(200);
    const unscoped = everyone.body.find((t: { services?: string[] }) => !t.services);
    await as().post(`/api/v1/tokens/${unscoped.id}/revoke`).expect(404);
    const gql = await as()
      .post('/graphql')
      .send({ query: '{ subscriptions { name } }' })
      .expect(200);
    expect(gql.body.data.subscriptions).toEqual([{ name: 'scoped-mine' }]);
  });

  it('manages tokens through GraphQL as through REST', async () => {
    const created = await server.api.graphql(
      'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { id token role state } }',
      { input: { name: 'gql-token', role: 'operator' } },
    );
    expect(created.errors).toBeUndefined();
    const { id, token: secret } = created.data.createApiToken;
    const listed = await server.api.graphql('{ apiTokens { id state } }');
    expect(listed.data.apiTokens).toContainEqual({ id, state: 'active' });
    const revoked = await server.api.graphql(
      'mutation($id: String!) { revokeApiToken(id: $id) { state } }',
      { id },
    );
    expect(revoked.data.revokeApiToken.state).toBe('revoked');
    await withToken(server.app, secret).get('/api/v1/subscriptions').expect(401);
  });

  it('records each mutation in the audit log, readable by admins only', async () => {
    const operator = await token('operator');
    await server.api.createSubscription(webhookSubscription('audited')).expect(201);
    await withToken(server.app, operator)
      .post('/api/v1/subscriptions/audited/pause')
      .set('user-agent', 'audit-test')
      .expect(200);
    await server.api.graphql('mutation { resumeSubscription(name: "audited") { name } }');
    await server.api.deleteSubscription('audited').expect(204);

    const { body } = await server.api.http.get('/api/v1/audit').query({ limit: 50 }).expect(200);
    const mine = (body as { target?: string }[]).filter((entry) => entry.target === 'audited');
    expect(mine.map((entry) => entry)).toEqual([
      expect.objectContaining({
        action: 'DELETE /api/v1/subscriptions/:name',
        actorId: 'admin-token',
        outcome: 'ok',
      }),
      expect.objectContaining({ action: 'mutation resumeSubscription', role: 'admin' }),
      expect.objectContaining({
        action: 'POST /api/v1/subscriptions/:name/pause',
        role: 'operator',
        userAgent: 'audit-test',
        ip: expect.any(String),
        at: expect.any(String),
      }),
      expect.objectContaining({ action: 'POST /api/v1/subscriptions', outcome: 'ok' }),
    ]);
    const gql = await server.api.graphql('{ auditLog(limit: 1) { action actorId } }');
    expect(gql.data.auditLog).toHaveLength(1);
    await withToken(server.app, operator).get('/api/v1/audit').expect(403);
  });

  it.each([
    ['application/x-www-form-urlencoded', 'name=evil&source[database]=shop'],
    ['text/plain', '{"name":"evil"}'],
    ['multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
  ])('refuses a %s body with 415', async (type, body) => {
    const response = await server.api.http
      .post('/api/v1/subscriptions')
      .set('content-type', type)
      .send(body)
      .expect(415);
    expect(response.body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
  });

  it('sends no CORS headers by default, and a strict Content-Security-Policy', async () => {
    const response = await server.api.http
      .get('/api/v1/subscriptions')
      .set('origin', 'https://evil.example.com')
      .expect(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['content-security-policy']).toContain("style-src 'self';");
    const docs = await anonymous().get('/api/docs').expect(200);
    expect(docs.headers['content-security-policy']).toContain("script-src 'self';");
    await anonymous().options('/api/v1/subscriptions').set('origin', 'https://x.example');
  });

  it('ignores cookies: a browser session cannot authenticate', async () => {
    await anonymous()
      .get('/api/v1/subscriptions')
      .set('cookie', `authorization=Bearer ${'x'}`)
      .expect(401);
  });

  it('answers a token-bearing admin everywhere (the helper every e2e test uses)', async () => {
    await asAdmin(server.app).get('/api/v1/instances').expect(200);
  });
});
