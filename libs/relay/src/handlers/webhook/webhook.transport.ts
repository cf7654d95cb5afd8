import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { WebhookTargetPolicy } from './webhook-target.policy';

export interface WebhookPost {
  headers: Record<string, string>;
  body: string;
  /** Aborts the request (the engine's attempt timeout, a stop). */
  signal: AbortSignal;
  /** The subscription's own timeout for the whole exchange; 0 or absent: none. */
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
/** Targets whose agent and parsed URL are kept (least recently used ones go first). */
const MAX_TARGETS = 1_000;

interface Target {
  url: URL;
  agent: HttpAgent;
  https: boolean;
}

/**
 * One keep-alive agent per target URL and policy, with the policy's DNS lookup set once: no URL
 * parse, lookup closure or agent bookkeeping per request, and connections to one target are
 * reused by its deliveries.
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
  const https = parsed.protocol === 'https:';
  const options = {
    keepAlive: true,
    timeout: IDLE_SOCKET_MS,
    scheduling: 'lifo' as const,
    lookup: policy.lookupFor(parsed),
  };
  const target = {
    url: parsed,
    https,
    agent: https ? new HttpsAgent(options) : new HttpAgent(options),
  };
  byUrl.set(href, target);
  if (byUrl.size > MAX_TARGETS) {
    const [oldest, evicted] = byUrl.entries().next().value as [string, Target];
    byUrl.delete(oldest);
    evicted.agent.destroy();
  }
  return target;
}

/**
 * POSTs a webhook body and resolves with the answer's status and the start of its body once the
 * answer was read to the end.
 * Node's own HTTP client rather than fetch, because the connection must go through the target
 * policy's DNS lookup (fetch takes no lookup hook without an extra dependency). Redirects are
 * not followed.
 */
export function postWebhook(
  url: string | URL,
  post: WebhookPost,
  policy: WebhookTargetPolicy,
): Promise<WebhookAnswer> {
  const target = targetFor(url, policy);
  policy.assertLiteralAllowed(target.url);
  const send = target.https ? httpsRequest : httpRequest;
  const options: RequestOptions = {
    method: 'POST',
    headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
    agent: target.agent,
  };
  const { signal, timeoutMs } = post;
  if (signal.aborted) {
    return Promise.reject(abortError(signal.reason));
  }
  return new Promise<WebhookAnswer>((resolve, reject) => {
    // Aborts and the timeout destroy the request directly: cheaper per request than an
    // AbortSignal.any/timeout pair handed to the client.
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      request.destroy(abortError(signal.reason));
    };
    const settle = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const request = send(target.url, options, (response: IncomingMessage) => {
      response.on('error', (error) => {
        settle();
        reject(error);
      });
      // Read the answer to the end so the connection is reusable; keep only its first KiB.
      const kept: Buffer[] = [];
      let keptBytes = 0;
      response.on('data', (chunk: Buffer) => {
        if (keptBytes < RESPONSE_EXCERPT_BYTES) {
          const part = chunk.subarray(0, RESPONSE_EXCERPT_BYTES - keptBytes);
          kept.push(part);
          keptBytes += part.length;
        }
      });
      response.on('end', () => {
        settle();
        resolve({
          status: response.statusCode ?? 0,
          bodyExcerpt: kept.length === 0 ? '' : Buffer.concat(kept).toString('utf8'),
        });
      });
      // Cut off mid-answer (an abort or a reset): a failure, never a hang.
      response.on('close', () => {
        if (!response.complete) {
          settle();
          reject(new Error('the connection closed before the answer was complete'));
        }
      });
    });
    request.on('error', (error) => {
      settle();
      reject(error);
    });
    signal.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined && timeoutMs > 0) {
      timer = setTimeout(
        () =>
          request.destroy(
            new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError') as Error,
          ),
        timeoutMs,
      );
    }
    request.end(post.body);
  });
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
