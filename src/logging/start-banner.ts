import type { MongoBackend } from '../database/mongo-backend';
import { redactUri, storageOf } from '../database/mongo-backend';

export interface StartInfo {
  version: string;
  url: string;
  apiPrefix: string;
  backend: MongoBackend;
}

/** The URLs and the backend a person needs after `npm start`, by name. */
export function startSummary(info: StartInfo) {
  const { url, apiPrefix, backend } = info;
  return {
    dashboard: `${url}/`,
    rest: `${url}/${apiPrefix}`,
    openApi: `${url}/api/docs`,
    openApiJson: `${url}/api/docs-json`,
    graphql: `${url}/graphql`,
    health: [`${url}/health/live`, `${url}/health/ready`],
    mongodb: {
      kind: backend.kind,
      storage: storageOf(backend),
      uri: redactUri(backend.uri),
    },
  };
}

/** The start banner as lines, for the pretty console. */
export function startBanner(info: StartInfo): string {
  const s = startSummary(info);
  const backend =
    s.mongodb.kind === 'external' ? 'external' : `embedded ${s.mongodb.kind}, ${s.mongodb.storage}`;
  return [
    `Change Relay ${info.version} is ready`,
    `  Dashboard     ${s.dashboard}  (sign in with an API token)`,
    `  REST API      ${s.rest}`,
    `  OpenAPI       ${s.openApi}  (JSON: ${s.openApiJson})`,
    `  GraphQL       ${s.graphql}`,
    `  Health        ${s.health.join('  ')}`,
    `  MongoDB       ${backend}`,
    `  Connect with  ${s.mongodb.uri}`,
    ...(s.mongodb.kind === 'external'
      ? []
      : ['  Examples      npm run example:inventory (and example:orders, example:shipping)']),
  ].join('\n');
}
