import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookTargetPolicy } from './webhook-target.policy';

export interface WebhookPost {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/**
 * POSTs a webhook body and resolves with the answer's status once the answer was read to the end.
 * Node's own HTTP client rather than fetch, because the connection must go through the target
 * policy's DNS lookup (fetch takes no lookup hook without an extra dependency). Redirects are
 * not followed.
 */
export function postWebhook(
  url: URL,
  post: WebhookPost,
  policy: WebhookTargetPolicy,
): Promise<number> {
  policy.assertLiteralAllowed(url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const options: RequestOptions = {
    method: 'POST',
    headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
    signal: post.signal,
    lookup: policy.lookupFor(url),
  };
  return new Promise<number>((resolve, reject) => {
    const request = send(url, options, (response: IncomingMessage) => {
      response.on('error', reject);
      // Read the answer to the end so the connection is reusable; its content is unused.
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      // Cut off mid-answer (an abort or a reset): a failure, never a hang.
      response.on('close', () => {
        if (!response.complete) {
          reject(new Error('the connection closed before the answer was complete'));
        }
      });
    });
    request.on('error', reject);
    request.end(post.body);
  });
}
