import type { INestApplication } from '@nestjs/common';
import { asAdmin } from '@app/testing';

/**
 * A thin client of the admin API for tests: REST under /api/v1 and GraphQL at /graphql, sent
 * with the admin token of testEnv() (see asAdmin in libs/testing).
 */
export class RelayApi {
  constructor(private readonly app: INestApplication) {}

  get http() {
    return asAdmin(this.app);
  }

  createSubscription(body: object) {
    return this.http.post('/api/v1/subscriptions').send(body);
  }

  getSubscription(name: string) {
    return this.http.get(`/api/v1/subscriptions/${name}`);
  }

  listSubscriptions(query: Record<string, string> = {}) {
    return this.http.get('/api/v1/subscriptions').query(query);
  }

  updateSubscription(name: string, body: object) {
    return this.http.patch(`/api/v1/subscriptions/${name}`).send(body);
  }

  deleteSubscription(name: string) {
    return this.http.delete(`/api/v1/subscriptions/${name}`);
  }

  action(name: string, action: 'pause' | 'resume' | 'reset') {
    return this.http.post(`/api/v1/subscriptions/${name}/${action}`);
  }

  status(name: string) {
    return this.http.get(`/api/v1/subscriptions/${name}/status`);
  }

  /** Resolves with the whole GraphQL response body ({ data, errors }). */
  async graphql<T = any>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<{ data: T; errors?: any[] }> {
    const response = await this.http.post('/graphql').send({ query, variables });
    return response.body;
  }
}
