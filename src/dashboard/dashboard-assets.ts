import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** What `/` answers when the dashboard was not built (the API works all the same). */
export const DASHBOARD_MISSING_MESSAGE =
  'The Change Relay web dashboard is not built. `npm start` and `npm run build` build it ' +
  '(or `npm run build:dashboard`); the API (/api/v1, /graphql), /health and /metrics work without it.\n';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.html': 'text/html; charset=utf-8',
};

/** Content-hashed file names (Vite's assets/name-hash.ext): cached for a year, never revalidated. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html and the icon: revalidated on every load (ETag), so a new build shows at once. */
const REVALIDATE = 'no-cache';

const ASSET_NAME = /^\/assets\/([A-Za-z0-9._-]+)$/;
const TOP_LEVEL = new Set(['/favicon.svg']);

/**
 * Serves the built single-page dashboard at `/` (index.html), `/assets/*` and `/favicon.svg`,
 * before authentication: the page and its scripts are public, every call they make to the API
 * carries the bearer token the user signs in with. Other paths pass through untouched. Files are
 * read when asked (a dashboard built while the server runs shows up); names are matched against
 * a strict pattern, so no path outside the directory can be asked for.
 */
export function dashboardAssets(dir: string): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      next();
      return;
    }
    const path = request.path;
    if (path === '/' || path === '/index.html') {
      void sendFile(request, response, join(dir, 'index.html'), REVALIDATE, true);
      return;
    }
    const asset = ASSET_NAME.exec(path);
    if (asset) {
      void sendFile(request, response, join(dir, 'assets', asset[1]), IMMUTABLE, false);
      return;
    }
    if (TOP_LEVEL.has(path)) {
      void sendFile(request, response, join(dir, path.slice(1)), REVALIDATE, false);
      return;
    }
    next();
  };
}

async function sendFile(
  request: Request,
  response: Response,
  file: string,
  cacheControl: string,
  isIndex: boolean,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    response.status(404).type('text/plain; charset=utf-8');
    response.setHeader('cache-control', 'no-store');
    response.end(isIndex ? DASHBOARD_MISSING_MESSAGE : 'Not found\n');
    return;
  }
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  response.setHeader('cache-control', cacheControl);
  response.setHeader('etag', etag);
  response.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
  if (request.headers['if-none-match'] === etag) {
    response.status(304).end();
    return;
  }
  response.setHeader('content-length', body.length);
  response.status(200).end(request.method === 'HEAD' ? undefined : body);
}
