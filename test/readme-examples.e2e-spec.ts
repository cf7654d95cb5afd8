// The README's curl and GraphQL examples, executed in order against a running server, each
// answer checked against the one the README documents (see test/support/readme-examples.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, waitFor } from '@app/testing';
import { Server, startServer } from '../src/bootstrap';
import {
  Answer,
  answerDifferences,
  readmeExamples,
  send,
  type ReadmeExample,
} from './support/readme-examples';

const README = join(__dirname, '..', 'README.md');
/** README_EXAMPLES_PRINT=1 prints every actual answer (to write or update the README). */
const PRINT = process.env.README_EXAMPLES_PRINT === '1';

describe('README examples', () => {
  let server: Server;
  const answers = new Map<number, Answer>();

  beforeAll(async () => {
    server = await startServer({ env: testEnv({ SERVICE_NAME: 'change-relay' }) });
  });

  afterAll(async () => {
    await server?.close();
  });

  async function run(example: ReadmeExample): Promise<string[]> {
    let actual = await send(example.request);
    let found = answerDifferences(example.expected, actual);
    if (found.length > 0 && example.request.method === 'GET') {
      // A GET is safe to repeat: wait for what the README says holds after a moment.
      await waitFor(
        async () => {
          actual = await send(example.request);
          found = answerDifferences(example.expected, actual);
          return found.length === 0;
        },
        { timeoutMs: 10_000, intervalMs: 100, description: 'the documented answer' },
      ).catch(() => undefined);
    }
    answers.set(example.line, actual);
    if (PRINT) {
      process.stdout.write(
        `README.md:${example.line} ${actual.status}\n${JSON.stringify(actual.body, null, 2)}\n\n`,
      );
    }
    return found.map((difference) => `README.md:${example.line}: ${difference}`);
  }

  it('answer as documented, in order', async () => {
    const examples = readmeExamples(readFileSync(README, 'utf8'), server.url);
    expect(examples.length).toBeGreaterThanOrEqual(14);
    const failures: string[] = [];
    for (const example of examples) failures.push(...(await run(example)));
    expect(failures).toEqual([]);
  });

  it('would fail if a documented answer changed', () => {
    const readme = readFileSync(README, 'utf8');
    const altered = readme.replace('"revision": 1', '"revision": 7');
    expect(altered).not.toBe(readme);
    const original = readmeExamples(readme, server.url);
    const changed = readmeExamples(altered, server.url).find(
      (example, index) =>
        JSON.stringify(example.expected) !== JSON.stringify(original[index].expected),
    ) as ReadmeExample;
    expect(answerDifferences(changed.expected, answers.get(changed.line) as Answer)).toEqual([
      '$.revision: expected 7, got 1',
    ]);
  });
});
