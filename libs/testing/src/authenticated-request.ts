import type { Server } from 'node:http';
import request from 'supertest';
import { TEST_ADMIN_TOKEN } from './test-env';

/** Anything supertest can call: a Nest app (getHttpServer) or a node HTTP server. */
type HttpTarget = { getHttpServer(): unknown } | Server;

/**
 * A supertest agent that sends `Authorization: Bearer <token>` with every request: the admin
 * token of testEnv() by default. `asAdmin(server.app).get('/api/v1/subscriptions')`.
 */
export function asAdmin(target: HttpTarget) {
  return withToken(target, TEST_ADMIN_TOKEN);
}

/** The same with another token, e.g. a viewer's: `withToken(server.app, token).post(...)`. */
export function withToken(target: HttpTarget, token: string) {
  const server = 'getHttpServer' in target ? (target.getHttpServer() as Server) : target;
  return request.agent(server).set('authorization', `Bearer ${token}`);
}
