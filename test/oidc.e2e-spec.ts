import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { withToken } from '@app/testing';
import { crash, startRelay, type RelayServer } from './support/relay-server';

const ISSUER = 'https://id.example.com/realms/ops';
const AUDIENCE = 'change-relay';

describe('OpenID Connect bearer tokens (AUTH_JWKS_URL)', () => {
  let server: RelayServer;
  let jwks: HttpServer;
  let sign: (
    claims: JWTPayload,
    options?: { expiresIn?: string; audience?: string },
  ) => Promise<string>;
  let forge: (claims: JWTPayload) => Promise<string>;

  beforeAll(async () => {
    const issuerKeys = await generateKeyPair('ES256');
    const otherKeys = await generateKeyPair('ES256');
    const publicJwk = { ...(await exportJWK(issuerKeys.publicKey)), kid: 'k1', alg: 'ES256' };
    jwks = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    const build = (claims: JWTPayload, expiresIn: string, audience: string) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience(audience)
        .setSubject('alice@example.com')
        .setIssuedAt()
        .setExpirationTime(expiresIn);
    sign = (claims, options = {}) =>
      build(claims, options.expiresIn ?? '5m', options.audience ?? AUDIENCE).sign(
        issuerKeys.privateKey,
      );
    forge = (claims) => build(claims, '5m', AUDIENCE).sign(otherKeys.privateKey);
    server = await startRelay({
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      AUTH_JWT_ROLE_CLAIM: 'realm_access.roles',
      AUTH_JWT_SERVICES_CLAIM: 'services',
    });
    await server.api
      .createSubscription({
        name: 'oidc-target',
        serviceName: 'billing',
        source: { database: 'shop' },
        handler: { type: 'provider', name: 'test-recorder' },
      })
      .expect(201);
  });

  afterAll(async () => {
    await crash(server);
    await new Promise((resolve) => jwks.close(resolve));
  });

  it('takes the role from the configured claim', async () => {
    const viewer = await sign({ realm_access: { roles: ['offline_access', 'viewer'] } });
    await withToken(server.app, viewer).get('/api/v1/subscriptions/oidc-target').expect(200);
    await withToken(server.app, viewer).post('/api/v1/subscriptions/oidc-target/pause').expect(403);
    const operator = await sign({ realm_access: { roles: ['viewer', 'operator'] } });
    await withToken(server.app, operator)
      .post('/api/v1/subscriptions/oidc-target/pause')
      .expect(200);
    const audit = await server.api.http.get('/api/v1/audit').expect(200);
    expect(audit.body[0]).toMatchObject({ actorId: 'jwt:alice@example.com', role: 'operator' });
  });

  it('limits a token to the services in its services claim', async () => {
    const scoped = await sign({ realm_access: { roles: ['admin'] }, services: ['orders'] });
    const list = await withToken(server.app, scoped).get('/api/v1/subscriptions').expect(200);
    expect(list.body).toEqual([]);
  });

  it('refuses a forged, expired, foreign-audience or role-less JWT', async () => {
    const roles = { realm_access: { roles: ['admin'] } };
    for (const token of [
      await forge(roles),
      await sign(roles, { expiresIn: '-2m' }),
      await sign(roles, { audience: 'someone-else' }),
      `${(await sign(roles)).split('.').slice(0, 2).join('.')}.`,
    ]) {
      await withToken(server.app, token).get('/api/v1/subscriptions').expect(401);
    }
    await withToken(server.app, await sign({ realm_access: { roles: ['nobody'] } }))
      .get('/api/v1/subscriptions')
      .expect(403);
  });

  it('still accepts API tokens', async () => {
    await server.api.http.get('/api/v1/subscriptions').expect(200);
  });
});
