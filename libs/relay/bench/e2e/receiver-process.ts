import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';

/**
 * A webhook receiver in its own process, answering 204 to every POST. It counts the events it
 * receives (a batch body `{"events": [...]}` counts each one) and, once told how many to expect,
 * reports the time between the first and the last of them, measured on its own clock: the
 * delivery rate as the receiver sees it.
 */
/** The signing secret the benches' webhook subscriptions use (the receiver does not verify). */
export const BENCH_WEBHOOK_SECRET =
  'whsec_' + Buffer.from('change-relay-bench-signing-key!!').toString('base64');

export interface RunningReceiver {
  url: string;
  /** Resolves with the milliseconds from the first to the `count`-th event after this call. */
  expect(count: number): Promise<{ firstToLastMs: number }>;
  stop(): Promise<void>;
}

interface Expectation {
  count: number;
}

interface Report {
  firstToLastMs: number;
}

export async function startReceiverProcess(): Promise<RunningReceiver> {
  const child: ChildProcess = fork(__filename, ['--receiver'], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  return {
    url: `http://127.0.0.1:${ready.port}/hook`,
    expect: async (count) => {
      const answered = once(child, 'message') as Promise<[Report]>;
      child.send({ count } satisfies Expectation);
      const [report] = await answered;
      return report;
    },
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function runReceiver(): void {
  let expected = 0;
  let seen = 0;
  let firstAt = 0;
  const countEvents = (body: Buffer): number =>
    body.subarray(0, 10).toString('latin1').startsWith('{"events"')
      ? (JSON.parse(body.toString('utf8')) as { events: unknown[] }).events.length
      : 1;
  const server = createServer({ keepAliveTimeout: 60_000 }, (request, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(204).end();
      if (expected === 0) {
        return;
      }
      const now = performance.now();
      if (seen === 0) {
        firstAt = now;
      }
      seen += countEvents(Buffer.concat(chunks));
      if (seen >= expected) {
        process.send?.({ firstToLastMs: now - firstAt } satisfies Report);
        expected = 0;
      }
    });
  });
  process.on('message', (message: Expectation) => {
    expected = message.count;
    seen = 0;
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
}

if (process.argv.includes('--receiver')) {
  runReceiver();
}
