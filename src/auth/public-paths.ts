import type { AppConfig } from '../config/app-config';

/**
 * Paths that need no token: health probes (orchestrators), the OpenAPI document, and /metrics
 * unless METRICS_AUTH=true. Everything else, REST and GraphQL, needs a bearer token.
 */
export function isPublicPath(path: string, config: AppConfig): boolean {
  if (path === '/health/live' || path === '/health/ready') {
    return true;
  }
  if (path === '/api/docs' || path.startsWith('/api/docs/') || path.startsWith('/api/docs-')) {
    return true;
  }
  return path === '/metrics' && !config.metricsAuth;
}
