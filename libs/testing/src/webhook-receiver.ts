import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One HTTP request the receiver got, and what it answered. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/hooks/orders`. */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  /**
   * Standard Webhooks signature check against the receiver's secret; undefined when the
   * receiver has no secret.
   */
  signatureValid: boolean | undefined;
  /** The status the receiver answers (or answered). */
  status: number;
  /** False while a delayed answer is pending. */
  answered: boolean;
  receivedAt: Date;
}

/** A scripted answer: `status` for the next `times` requests (matching `when`, if given). */
export interface ResponseRule {
  status: number;
  /** How many matching requests get this answer (default: every one). */
  times?: number;
  when?: (request: ReceivedRequest) => boolean;
  /** Answer only after this delay (to provoke sender timeouts). */
  delayMs?: number;
  /** Response body (default `{}`). */
  body?: string;
}

export interface WebhookReceiverOptions {
  /** Signing secret to verify `webhook-signature` with (`whsec_...` base64 key, or raw UTF-8). */
  secret?: string;
}

/** An event the receiver acknowledged: one per single-event body, one per item of `{events}`. */
export type ReceivedEvent = Record<string, any>;

interface Waiter {
  check: () => boolean;
  resolve: () => void;
}

/**
 * A local webhook endpoint for tests, on 127.0.0.1 and an ephemeral port. Records every request,
 * verifies Standard Webhooks signatures, answers 200 unless told otherwise, and lets a test wait
 * for the events it acknowledged (events answered with a non-2xx status will be sent again, so
 * they are recorded as requests but not counted as received events).
 */
export class WebhookReceiver {
  private readonly received: ReceivedRequest[] = [];
  private rules: (ResponseRule & { remaining: number })[] = [];
  private waiters: Waiter[] = [];
  private secret: string | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    options: WebhookReceiverOptions,
  ) {
    this.secret = options.secret;
  }

  static async start(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
    const server = createServer();
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}`, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void receiver.answer(
          { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers },
          Buffer.concat(chunks).toString('utf8'),
          (status, body) => {
            res.writeHead(status, { 'content-type': 'application/json' }).end(body);
          },
        );
      });
    });
    return receiver;
  }

  /** The URL of a path on this receiver, e.g. `urlFor('/orders')`. */
  urlFor(path: string): string {
    return `${this.url}${path.startsWith('/') ? path : `/${path}`}`;
  }

  setSecret(secret: string | undefined): void {
    this.secret = secret;
  }

  /** Answers `rule.status` to the next `rule.times` matching requests; rules apply in order. */
  respondWith(rule: ResponseRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  /** Drops every scripted answer: back to 200 for everything. */
  clearRules(): void {
    this.rules = [];
  }

  /** Every request so far, in arrival order. */
  get requests(): readonly ReceivedRequest[] {
    return this.received;
  }

  /** Events of acknowledged (answered 2xx) requests, in arrival order, optionally filtered. */
  events(filter?: (event: ReceivedEvent) => boolean): ReceivedEvent[] {
    const events = this.received
      .filter((r) => r.answered && r.status >= 200 && r.status < 300)
      .flatMap((r) => eventsOf(r.json));
    return filter ? events.filter(filter) : events;
  }

  /** Resolves with the acknowledged events once there are at least `count` (matching `filter`). */
  async waitForEvents(
    count: number,
    {
      timeoutMs = 10_000,
      filter,
    }: { timeoutMs?: number; filter?: (event: ReceivedEvent) => boolean } = {},
  ): Promise<ReceivedEvent[]> {
    await this.waitUntil(
      () => this.events(filter).length >= count,
      timeoutMs,
      () => {
        return `${count} webhook events (got ${this.events(filter).length})`;
      },
    );
    return this.events(filter);
  }

  /** Resolves once at least `count` requests (any status) matched `filter`. */
  async waitForRequests(
    count: number,
    {
      timeoutMs = 10_000,
      filter,
    }: { timeoutMs?: number; filter?: (request: ReceivedRequest) => boolean } = {},
  ): Promise<ReceivedRequest[]> {
    const matching = () => this.received.filter((r) => !filter || filter(r));
    await this.waitUntil(
      () => matching().length >= count,
      timeoutMs,
      () => {
        return `${count} webhook requests (got ${matching().length})`;
      },
    );
    return matching();
  }

  /** Forgets the recorded requests (rules and secret stay). */
  reset(): void {
    this.received.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(
    request: Pick<ReceivedRequest, 'method' | 'path' | 'headers'>,
    rawBody: string,
    send: (status: number, body: string) => void,
  ): Promise<void> {
    const recorded: ReceivedRequest = {
      ...request,
      rawBody,
      json: parseJson(rawBody),
      signatureValid:
        this.secret === undefined
          ? undefined
          : verifySignature(this.secret, request.headers, rawBody),
      status: 200,
      answered: false,
      receivedAt: new Date(),
    };
    const rule = this.rules.find((r) => r.remaining > 0 && (!r.when || r.when(recorded)));
    if (rule) {
      rule.remaining -= 1;
      recorded.status = rule.status;
    }
    this.received.push(recorded);
    this.notify();
    if (rule?.delayMs) {
      await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
    }
    // Counted as answered before the answer leaves, so a sender that saw it finds it counted.
    recorded.answered = true;
    this.notify();
    send(recorded.status, rule?.body ?? '{}');
  }

  private notify(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.check()) {
        waiter.resolve();
        return false;
      }
      return true;
    });
  }

  private async waitUntil(
    check: () => boolean,
    timeoutMs: number,
    describe: () => string,
  ): Promise<void> {
    if (check()) {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    let waiter: Waiter | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        waiter = { check, resolve };
        this.waiters.push(waiter);
        timer = setTimeout(
          () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${describe()}`)),
          timeoutMs,
        );
      });
    } finally {
      clearTimeout(timer);
      this.waiters = this.waiters.filter((w) => w !== waiter);
    }
  }
}

function eventsOf(json: unknown): ReceivedEvent[] {
  if (typeof json !== 'object' || json === null) {
    return [];
  }
  const batch = (json as { events?: unknown }).events;
  return Array.isArray(batch) ? (batch as ReceivedEvent[]) : [json];
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Standard Webhooks verification, written independently of the sender's code on purpose. */
function verifySignature(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) {
    return false;
  }
  const key = secret.startsWith('whsec_')
    ? Buffer.from(secret.slice(6), 'base64')
    : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) {
      return false;
    }
    const actual = Buffer.from(signature, 'base64');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}
