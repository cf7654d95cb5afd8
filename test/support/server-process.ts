import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { testEnv, waitFor } from '@app/testing';

/** A Change Relay server in a child process (`src/main.ts`), as an operator runs it. */
export class ServerProcess {
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly env: Record<string, string | undefined>,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Starts `main.ts` with the test environment plus `env`, and waits until it is ready. */
  static async start(env: Record<string, string | undefined>): Promise<ServerProcess> {
    const port = await freePort();
    const fullEnv = testEnv({ PORT: String(port), ...env });
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'src/main.ts'],
      {
        cwd: join(__dirname, '..', '..'),
        env: { PATH: process.env.PATH, ...fullEnv, TS_NODE_TRANSPILE_ONLY: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`, fullEnv);
    let exitCode: number | null | undefined;
    void server.exited.then((code) => (exitCode = code));
    await waitFor(
      async () => {
        if (exitCode !== undefined) {
          throw new Error(`the server exited with ${exitCode}: ${server.output.slice(-2_000)}`);
        }
        const response = await fetch(`${server.url}/health/ready`).catch(() => undefined);
        return response?.ok === true;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: `server on port ${port} to be ready` },
    );
    return server;
  }

  /** What it printed (stdout and stderr), for failure messages. */
  get logs(): string {
    return this.output;
  }

  /** A crash: SIGKILL, no shutdown hooks. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** A graceful stop: SIGTERM, then wait for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
    }
    await this.exited;
  }

  /** A JSON request to its REST API, with the admin token of its environment. */
  async api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.env.ADMIN_TOKEN ?? ''}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) {
    throw new Error('no port');
  }
  return address.port;
}
