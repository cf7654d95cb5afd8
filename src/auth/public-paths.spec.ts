import { loadConfig } from '../config/app-config';
import { isPublicPath } from './public-paths';

describe(isPublicPath.name, () => {
  it('leaves the probes, the OpenAPI document and /metrics open, and nothing else', () => {
    const config = loadConfig({});
    for (const open of [
      '/health/live',
      '/health/ready',
      '/api/docs',
      '/api/docs-json',
      '/metrics',
    ]) {
      expect([open, isPublicPath(open, config)]).toEqual([open, true]);
    }
    for (const closed of ['/api/v1/subscriptions', '/graphql', '/health', '/metrics/x', '/']) {
      expect([closed, isPublicPath(closed, config)]).toEqual([closed, false]);
    }
  });

  it('closes /metrics when METRICS_AUTH=true', () => {
    expect(isPublicPath('/metrics', loadConfig({ METRICS_AUTH: 'true' }))).toBe(false);
  });
});
