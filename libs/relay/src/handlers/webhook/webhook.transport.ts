import { Pool } from 'undici';
import type { WebhookTargetPolicy } from './webhook-target.policy';

export interface WebhookPost {
  headers: Record<string, string>;
  body: string;
  /** Aborts the request (the engine's attempt timeout, a stop). */
  signal: AbortSignal;
  /**
   * The subscription's own timeout: for the answer's status and headers, then for each gap
   * while its body arrives; 0 or absent: none.
   */
  timeoutMs?: number;
}

/** How much of an answer's body is kept (for dead letters). */
export const RESPONSE_EXCERPT_BYTES = 1024;

export interface WebhookAnswer {
  status: number;
  /** The first `RESPONSE_EXCERPT_BYTES` of the body (UTF-8, a cut character replaced). */
  bodyExcerpt: string;
}

/** Idle keep-alive connections per target are closed after this long. */
const IDLE_SOCKET_MS = 30_000;
/**
 * A success's body is read and discarded up to this size so its connection is reused; a larger
 * one closes the connection instead of being read.
 */
const DISCARDED_BODY_BYTES = 1024 * 1024;
/** Targets whose pool and parsed URL are kept (least recently used ones go first). */
const MAX_TARGETS = 1_000;

interface Target {
  url: URL;
  /** Path and query of the URL: what each request asks for. */
  path: string;
  /** Basic credentials of a URL written `user:password@host` (node:http sent them too). */
  authorization: string | undefined;
  pool: Pool;
}

/**
 * One keep-alive connection pool (undici) per target URL and policy, with the policy's DNS
 * lookup set once: no URL parse, lookup closure or pool bookkeeping per request, and
 * connections to one target are reused by its deliveries. undici rather than node:http: per
 * request it costs about half the CPU (measured by `npm run bench:e2e`, where the webhook path
 * is CPU-bound), and it takes the policy's lookup through its connect options.
 */
const targets = new WeakMap<WebhookTargetPolicy, Map<string, Target>>();

function targetFor(url: string | URL, policy: WebhookTargetPolicy): Target {
  const href = typeof url === 'string' ? url : url.href;
  let byUrl = targets.get(policy);
  if (!byUrl) {
    byUrl = new Map();
    targets.set(policy, byUrl);
  }
  const known = byUrl.get(href);
  if (known) {
    // Most recently used last, so the oldest is evicted first.
    byUrl.delete(href);
    byUrl.set(href, known);
    return known;
  }
  const parsed = typeof url === 'string' ? new URL(url) : url;
  const target: Target = {
    url: parsed,
    path: `${parsed.pathname}${parsed.search}`,
    authorization:
      parsed.username || parsed.password
        ? `Basic ${Buffer.from(
            `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`,
          ).toString('base64')}`
        : undefined,
    pool: new Pool(parsed.origin, {
      connect: { lookup: policy.lookupFor(parsed) },
      keepAliveTimeout: IDLE_SOCKET_MS,
      keepAliveMaxTimeout: IDLE_SOCKET_MS,
    }),
  };
  byUrl.set(href, target);
  if (byUrl.size > MAX_TARGETS) {
    const [oldest, evicted] = byUrl.entries().next().value as [string, Target];
    byUrl.delete(oldest);
    void evicted.pool.destroy().catch(() => undefined);
  }
  return target;
}

/**
 * POSTs a webhook body and resolves with the answer's status and the start of its body once the
 * answer was read to the end (so the connection is reused). Redirects are not followed.
 */
export async function postWebhook(
  url: string | URL,
  post: WebhookPost,
  policy: WebhookTargetPolicy,
): Promise<WebhookAnswer> {
  const target = targetFor(url, policy);
  policy.assertLiteralAllowed(target.url);
  const { signal, timeoutMs } = post;
  if (signal.aborted) {
    throw abortError(signal.reason);
  }
  const timeout = timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : 0;
  try {
    const response = await target.pool.request({
      method: 'POST',
      path: target.path,
      headers: target.authorization
        ? { authorization: target.authorization, ...post.headers }
        : post.headers,
      body: post.body,
      signal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      // Success: the body is read to the end (the connection is reused) and thrown away.
      await response.body.dump({ limit: DISCARDED_BODY_BYTES });
      return { status, bodyExcerpt: '' };
    }
    // Read the answer to the end; keep only its first KiB (for the dead letter).
    const kept: Buffer[] = [];
    let keptBytes = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (keptBytes < RESPONSE_EXCERPT_BYTES) {
        const part = chunk.subarray(0, RESPONSE_EXCERPT_BYTES - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
    }
    return {
      status,
      bodyExcerpt: kept.length === 0 ? '' : Buffer.concat(kept).toString('utf8'),
    };
  } catch (error) {
    throw transportError(error, signal, timeout);
  }
}

/** undici's timeouts and aborts as the errors callers know (TimeoutError, the abort reason). */
function transportError(error: unknown, signal: AbortSignal, timeoutMs: number): unknown {
  if (signal.aborted) {
    return abortError(signal.reason);
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError');
  }
  return error;
}

/** What an aborted request fails with: the abort reason when it is an error (TimeoutError...). */
function abortError(reason: unknown): Error {
  if (reason instanceof Error || reason instanceof DOMException) {
    return reason;
  }
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}
