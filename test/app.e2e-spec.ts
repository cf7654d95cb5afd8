import { version } from '../package.json';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import request from 'supertest';
import { MongoEmulator } from '@app/mongo-emulator';
import { ConfigError } from '../src/config/app-config';
import { Server, startServer } from '../src/bootstrap';
import { asAdmin, TEST_ADMIN_TOKEN, testBackendKind, testEnv, waitFor } from '@app/testing';

describe('Change Relay server (bootstrap, health, config)', () => {
  describe('on the embedded backend', () => {
    let server: Server;

    beforeAll(async () => {
      server = await startServer({ env: testEnv() });
    });

    afterAll(async () => {
      await server.close();
    });

    it('answers /health/live and /health/ready with 200', async () => {
      const http = request(server.app.getHttpServer());
      await http
        .get('/health/live')
        .expect(200, { status: 'ok', info: {}, error: {}, details: {} });
      const ready = await http.get('/health/ready');
      expect(ready.body).toEqual(expect.objectContaining({ status: 'ok' }));
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ok', info: { mongodb: { status: 'up' } } });
    });

    it('tells over GraphQL which instance and backend answer', async () => {
      const response = await asAdmin(server.app)
        .post('/graphql')
        .send({ query: '{ about { serviceName instanceId backend version } }' })
        .expect(200);
      expect(response.body.data.about).toEqual({
        serviceName: 'change-relay',
        instanceId: server.config.instanceId,
        backend: 'external',
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      });
    });

    it('serves the OpenAPI document', async () => {
      const response = await request(server.app.getHttpServer()).get('/api/docs-json').expect(200);
      expect(response.body.info.title).toBe('Change Relay');
    });

    it('answers unknown routes with the REST error shape', async () => {
      const response = await asAdmin(server.app).get('/api/v1/nope').expect(404);
      expect(response.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: expect.stringContaining('/api/v1/nope'),
        details: [],
      });
    });
  });

  it('stays live but not ready when MongoDB does not answer', async () => {
    const port = await closedPort();
    const server = await startServer({
      env: testEnv({ MONGODB_URI: `mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=500` }),
    });
    try {
      const http = request(server.app.getHttpServer());
      const ready = await http.get('/health/ready').expect(503);
      expect(ready.body).toMatchObject({ status: 'error', error: { mongodb: { status: 'down' } } });
      await http.get('/health/live').expect(200);

      // MongoDB comes up later: readiness follows without a restart.
      const late = await MongoEmulator.start({ port });
      try {
        await waitFor(async () => (await http.get('/health/ready')).status === 200, {
          timeoutMs: 20_000,
          description: '/health/ready to turn 200 once MongoDB answers',
        });
      } finally {
        await late.stop();
      }
    } finally {
      await server.close();
    }
  });

  it('refuses to boot with a bad variable, naming it', async () => {
    await expect(startServer({ env: testEnv({ PORT: 'abc' }) })).rejects.toThrow(ConfigError);
    await expect(startServer({ env: testEnv({ PORT: 'abc' }) })).rejects.toThrow(/PORT/);
  });

  describe('as a process (src/main.ts)', () => {
    it('exits non-zero with one line naming PORT when PORT=abc', async () => {
      const result = await runMain({ ...testEnv(), PORT: 'abc' });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining('PORT')]);
    });

    it('logs its backend and URLs, then drains and exits 0 on SIGTERM', async () => {
      const child = startMain(testEnv({ LOG_LEVEL: 'info' }));
      const listening = await waitFor(
        () => /is ready on (http:\/\/[\w.:-]+)/.exec(child.stdout())?.[1],
        {
          timeoutMs: 45_000,
          description: 'the server to log its URL',
        },
      );
      expect(child.stdout()).toContain('MongoDB backend: external');
      // Not a terminal: JSON lines, the start summary's URLs as fields.
      const ready = child
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => String(line.msg).includes('is ready on'));
      expect(ready).toMatchObject({
        msg: `Change Relay ${version} is ready on ${listening}`,
        dashboard: `${listening}/`,
        rest: `${listening}/api/v1`,
        openApiJson: `${listening}/api/docs-json`,
        graphql: `${listening}/graphql`,
        health: [`${listening}/health/live`, `${listening}/health/ready`],
        mongodb: { kind: 'external' },
      });
      const live = await fetch(`${listening}/health/live`);
      expect(live.status).toBe(200);
      // The version everywhere is package.json's.
      const instances = await waitFor(
        async () => {
          const list = (await (
            await fetch(`${listening}/api/v1/instances`, {
              headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
            })
          ).json()) as {
            version: string;
          }[];
          return list.length > 0 && list;
        },
        { description: 'the instance heartbeat' },
      );
      expect(instances.map((instance) => instance.version)).toContain(version);
      child.process.kill('SIGTERM');
      expect(await child.exit).toBe(0);
    });
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

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
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, exit, stdout: () => stdout, stderr: () => stderr };
}

async function runMain(env: Record<string, string | undefined>) {
  const child = startMain(env);
  const code = await child.exit;
  return { code, stderr: child.stderr() };
}

// The backend kind is logged by global setup; keep it visible in the test output too.
afterAll(() => {
  process.stdout.write(`e2e backend: ${testBackendKind()}\n`);
});
