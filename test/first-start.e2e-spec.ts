import { spawn } from 'node:child_process';
import request from 'supertest';
import { connectTestClient, testEnv, waitFor } from '@app/testing';
import { startServer } from '../src/bootstrap';

/** The server as a process (src/main.ts), to read what it prints. */
function startMain(env: Record<string, string | undefined>) {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'src/main.ts'],
    {
      cwd: `${__dirname}/..`,
      env: { ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, exit, output: () => output };
}

async function stop(child: ReturnType<typeof startMain>): Promise<void> {
  child.process.kill('SIGTERM');
  // A server that does not stop within its grace must not hang the run: kill it then.
  const hard = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
  await child.exit;
  clearTimeout(hard);
}

describe('Secure by default: the first start', () => {
  it('generates an admin token once, prints it once, stores only its hash', async () => {
    const env = testEnv({ ADMIN_TOKEN: undefined, LOG_LEVEL: 'info' });
    const first = startMain(env);
    let token: string;
    let url: string;
    try {
      token = await waitFor(() => /store it now: (cr_[\w-]+)/.exec(first.output())?.[1], {
        timeoutMs: 45_000,
        description: 'the generated admin token in the log',
      });
      url = await waitFor(() => /is ready on (http:\/\/[\w.:-]+)/.exec(first.output())?.[1], {
        timeoutMs: 45_000,
        description: 'the server URL',
      });
      await request(url).get('/api/v1/subscriptions').expect(401);
      const answer = await fetch(`${url}/api/v1/tokens`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(answer.status).toBe(200);
      const listed = (await answer.json()) as { role: string; state: string }[];
      expect(listed).toEqual([expect.objectContaining({ role: 'admin', state: 'active' })]);
    } finally {
      await stop(first);
    }
    const client = await connectTestClient();
    try {
      const stored = await client.db(env.MONGODB_DB).collection('api_tokens').find().toArray();
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(stored)).not.toContain(token.slice(3));
    } finally {
      await client.close();
    }

    // A second start finds the admin token and prints none.
    const second = startMain(env);
    try {
      await waitFor(() => /is ready on/.test(second.output()), {
        timeoutMs: 45_000,
        description: 'the second start',
      });
      const answer = await fetch(
        `${/is ready on (http:\/\/[\w.:-]+)/.exec(second.output())?.[1]}/api/v1/tokens`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(answer.status).toBe(200);
      expect(second.output()).not.toContain('store it now');
    } finally {
      await stop(second);
    }
  }, 120_000);

  it('opens the API without a token only with AUTH_DISABLED=true', async () => {
    const server = await startServer({
      env: testEnv({ ADMIN_TOKEN: undefined, AUTH_DISABLED: 'true' }),
      listen: false,
    });
    try {
      await request(server.app.getHttpServer()).get('/api/v1/subscriptions').expect(200);
    } finally {
      await server.close();
    }
  });
});
