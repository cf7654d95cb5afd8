import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TEST_ADMIN_TOKEN, testEnv, waitFor } from '@app/testing';
import { startServer, type Server } from '../src/bootstrap';

const ROOT = join(__dirname, '..');
const CLI = ['-r', 'tsconfig-paths/register', '--transpile-only', 'src/sql/cli/sql-cli.ts'];
const TS_NODE = join(ROOT, 'node_modules', '.bin', 'ts-node');

/** `npm run sql`: one-shot statements and the interactive prompt, against a listening server. */
describe('SQL command line', () => {
  let server: Server;
  const home = mkdtempSync(join(tmpdir(), 'sql-cli-'));

  beforeAll(async () => {
    server = await startServer({ env: testEnv({ PORT: '0' }), listen: true });
  });

  afterAll(async () => {
    await server?.close();
  });

  const env = () => ({ ...process.env, HOME: home, CHANGE_RELAY_TOKEN: TEST_ADMIN_TOKEN });

  it('runs the statements given and prints each result as a table', async () => {
    const { stdout } = await promisify(execFile)(
      TS_NODE,
      [
        ...CLI,
        '--url',
        server.url,
        "CREATE EVENT_SUBSCRIPTION cli_one AS (database = 'shop', handler = 'log'); SELECT name, handler FROM EVENT_SUBSCRIPTIONS()",
      ],
      { cwd: ROOT, env: env() },
    );
    expect(stdout).toContain('| name    | handler |\n');
    expect(stdout).toContain('| cli_one | log     |\n');
    expect(stdout).toContain('1 row');
  });

  it('exits 1 with the error message when a statement fails', async () => {
    const failure = await promisify(execFile)(
      TS_NODE,
      [...CLI, '--url', server.url, '--token', 'wrong-token', 'SHOW EVENT_SUBSCRIPTIONS'],
      { cwd: ROOT, env: env() },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1, stderr: expect.stringMatching(/^ERROR 401: /) });
  });

  it('reads statements at the prompt, over several lines, and keeps a history', async () => {
    const child = spawn(TS_NODE, [...CLI, '--url', server.url], { cwd: ROOT, env: env() });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('sql> '), { description: 'the prompt' });
    child.stdin.write('SHOW EVENT_SUBSCRIPTIONS\n');
    child.stdin.write("  LIKE 'cli%';\n");
    await waitFor(() => output.includes('| cli_one |'), { description: 'the result table' });
    child.stdin.write('\\q\n');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(readFileSync(join(home, '.change_relay_sql_history'), 'utf8')).toContain("LIKE 'cli%';");
  });
});
