import { TEST_ADMIN_TOKEN } from '@app/testing';
/**
 * Runs the README's examples as documentation promises them: every `bash` block with a `curl`
 * command and every `graphql` block, in order, against a running server, each checked against
 * the answer block that follows it.
 *
 * Answer blocks are fenced with the status after the language: ```` ```json 201 ```` (the body,
 * as JSON) or ```` ```text 204 ```` (no body). In a documented answer, the string `"…"` stands
 * for any value, and an object with a `"…": "…"` entry may have more fields than it shows;
 * otherwise fields, array lengths and values must be exactly as documented. A GET (safe to
 * repeat) is retried until its answer matches or a deadline passes, so an answer that holds
 * "after a moment" (a worker starting) is documented as it then is.
 */

/**
 * Headers sent with every request, whatever the README shows: the admin token of testEnv()
 * stands in for the `$TOKEN` a reader pastes.
 */
export const HARNESS_HEADERS: Record<string, string> = {
  authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
};

export interface ExampleRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ReadmeExample {
  /** 1-based line of the example's code block in the README. */
  line: number;
  /** The example as written (for failure messages). */
  source: string;
  request: ExampleRequest;
  expected: { status: number; body: unknown };
}

interface Fence {
  info: string;
  body: string;
  line: number;
}

/** An answer: the status and the parsed JSON body (undefined when empty). */
export interface Answer {
  status: number;
  body: unknown;
}

export const ANY = '…';

function fences(markdown: string): Fence[] {
  const result: Fence[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^(\s*)```(.*)$/.exec(lines[index]);
    if (!open) continue;
    const indent = open[1].length;
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) {
      body.push(lines[end].slice(indent));
      end += 1;
    }
    result.push({ info: open[2].trim(), body: body.join('\n'), line: index + 1 });
    index = end;
  }
  return result;
}

/** Splits a shell command into words: quotes, backslash-newlines, $VARS and # comments. */
export function shellWords(command: string, vars: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const append = (text: string) => (word = (word ?? '') + text);
  const expand = (text: string) =>
    text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => vars[name] ?? '');
  let index = 0;
  while (index < command.length) {
    const char = command[index];
    if (char === '\\' && command[index + 1] === '\n') {
      index += 2;
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      index += 1;
    } else if (char === '#' && word === undefined) {
      while (index < command.length && command[index] !== '\n') index += 1;
    } else if (char === "'") {
      const close = command.indexOf("'", index + 1);
      if (close < 0) throw new Error(`unclosed quote in: ${command}`);
      append(command.slice(index + 1, close));
      index = close + 1;
    } else if (char === '"') {
      let text = '';
      index += 1;
      while (index < command.length && command[index] !== '"') {
        if (command[index] === '\\' && '"\\$'.includes(command[index + 1])) index += 1;
        text += command[index];
        index += 1;
      }
      append(expand(text));
      index += 1;
    } else {
      let text = '';
      while (index < command.length && !/[\s'"]/.test(command[index])) {
        text += command[index];
        index += 1;
      }
      append(expand(text));
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Splits a block into commands at newlines outside quotes (backslash-newline continues). */
export function shellCommands(block: string): string[] {
  const commands: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let index = 0; index < block.length; index += 1) {
    const char = block[index];
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"') current += block[index++];
    } else if (char === '#' && (current === '' || /\s$/.test(current))) {
      while (index + 1 < block.length && block[index + 1] !== '\n') index += 1;
      continue;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '\\' && block[index + 1] === '\n') {
      current += ' ';
      index += 1;
      continue;
    } else if (char === '\n') {
      commands.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  commands.push(current);
  return commands.filter((command) => command.trim().length > 0);
}

/** The HTTP request a `curl` command line makes (the options the README uses). */
export function curlRequest(words: string[]): ExampleRequest {
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let index = 1; index < words.length; index += 1) {
    const word = words[index];
    if (word.startsWith('-') && !word.startsWith('--')) {
      for (const flag of word.slice(1)) {
        if (flag === 's') continue;
        const value = words[++index];
        if (flag === 'X') method = value;
        else if (flag === 'H') {
          const colon = value.indexOf(':');
          headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim();
        } else if (flag === 'd') body = value;
        else throw new Error(`curl option -${flag} is not supported by the README harness`);
      }
    } else {
      url = word;
    }
  }
  if (!url) throw new Error(`curl without a URL: ${words.join(' ')}`);
  return { method: method ?? (body === undefined ? 'GET' : 'POST'), url, headers, body };
}

function parseAnswer(fence: Fence): Answer | undefined {
  const match = /^(json|text)\s+(\d{3})$/.exec(fence.info);
  if (!match) return undefined;
  const text = fence.body.trim();
  if (match[1] === 'text') return { status: Number(match[2]), body: text || undefined };
  try {
    return { status: Number(match[2]), body: JSON.parse(text) as unknown };
  } catch (error) {
    throw new Error(`README answer at line ${fence.line} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * The README's examples in order. `baseUrl` replaces the documented server address. A runnable
 * block without an answer block after it is an error: every example documents its answer.
 */
export function readmeExamples(markdown: string, baseUrl: string): ReadmeExample[] {
  const vars: Record<string, string> = {};
  const blocks = fences(markdown);
  const examples: ReadmeExample[] = [];
  const local = /^http:\/\/(127\.0\.0\.1|localhost):3000/;
  blocks.forEach((fence, index) => {
    let request: ExampleRequest | undefined;
    if (fence.info === 'bash') {
      for (const command of shellCommands(fence.body)) {
        const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(command.trim());
        if (assignment) {
          vars[assignment[1]] = shellWords(assignment[2], vars).join(' ');
          continue;
        }
        const words = shellWords(command, vars);
        if (words[0] !== 'curl') continue;
        if (request) throw new Error(`README line ${fence.line}: one curl command per example`);
        request = curlRequest(words);
      }
      if (!request) return;
    } else if (fence.info === 'graphql') {
      request = {
        method: 'POST',
        url: 'http://127.0.0.1:3000/graphql',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: fence.body }),
      };
    } else {
      return;
    }
    const next = blocks[index + 1];
    const expected = next ? parseAnswer(next) : undefined;
    if (!expected) {
      throw new Error(`README line ${fence.line}: the example has no answer block after it`);
    }
    request.url = request.url.replace(local, baseUrl);
    examples.push({ line: fence.line, source: fence.body, request, expected });
  });
  return examples;
}

/** Where `actual` differs from the documented value (empty: it matches). */
export function differences(documented: unknown, actual: unknown, path = '$'): string[] {
  if (documented === ANY) return actual === undefined ? [`${path} is missing`] : [];
  if (Array.isArray(documented)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${show(actual)}`];
    if (actual.length !== documented.length) {
      return [`${path}: expected ${documented.length} items, got ${actual.length}`];
    }
    return documented.flatMap((item, i) => differences(item, actual[i], `${path}[${i}]`));
  }
  if (documented !== null && typeof documented === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return [`${path}: expected an object, got ${show(actual)}`];
    }
    const expected = documented as Record<string, unknown>;
    const got = actual as Record<string, unknown>;
    const open = expected[ANY] === ANY;
    const found: string[] = [];
    for (const key of Object.keys(expected)) {
      if (key === ANY) continue;
      if (!(key in got)) found.push(`${path}.${key} is missing`);
      else found.push(...differences(expected[key], got[key], `${path}.${key}`));
    }
    if (!open) {
      for (const key of Object.keys(got)) {
        if (!(key in expected)) found.push(`${path}.${key} is not documented (${show(got[key])})`);
      }
    }
    return found;
  }
  return Object.is(documented, actual)
    ? []
    : [`${path}: expected ${show(documented)}, got ${show(actual)}`];
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Sends an example's request (with the harness headers) and reads the answer. */
export async function send(request: ExampleRequest): Promise<Answer> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: { ...request.headers, ...HARNESS_HEADERS },
    body: request.body,
  });
  const text = await response.text();
  let body: unknown = text || undefined;
  try {
    body = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    // Not JSON: compared as text.
  }
  return { status: response.status, body };
}

/** Where an answer differs from the documented one: the status first, then the body. */
export function answerDifferences(expected: Answer, actual: Answer): string[] {
  if (expected.status !== actual.status) {
    return [`status: expected ${expected.status}, got ${actual.status} ${show(actual.body)}`];
  }
  return differences(expected.body, actual.body);
}
