import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { formatResult, isComplete, type SqlResultBody } from './sql-table';

/**
 * `npm run sql -- [--url http://host:port] [--token TOKEN] ["STATEMENT; ..."]`: runs the
 * statements and prints each result as a table, or, with no statement, opens a prompt (history
 * kept in ~/.change_relay_sql_history). A client of POST /api/v1/sql, not part of the server: its
 * settings come from its arguments and CHANGE_RELAY_URL / CHANGE_RELAY_TOKEN.
 */

const HISTORY_FILE = join(homedir(), '.change_relay_sql_history');
const HISTORY_SIZE = 500;

interface Options {
  url: string;
  token: string | undefined;
  statements: string[];
}

function parseArguments(argv: string[]): Options {
  const options: Options = {
    url: process.env.CHANGE_RELAY_URL ?? 'http://127.0.0.1:3000',
    token: process.env.CHANGE_RELAY_TOKEN,
    statements: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--url' || arg === '--token') {
      const value = argv[++i];
      if (value === undefined) {
        throw new Error(`${arg} needs a value`);
      }
      if (arg === '--url') {
        options.url = value;
      } else {
        options.token = value;
      }
    } else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run sql -- [--url http://host:port] [--token TOKEN] ["STATEMENT"]');
      process.exit(0);
    } else {
      options.statements.push(arg);
    }
  }
  return options;
}

async function run(options: Options, sql: string): Promise<boolean> {
  const response = await fetch(new URL('/api/v1/sql', options.url), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ sql }),
  });
  const body = (await response.json()) as SqlResultBody[] | { message?: string };
  if (!response.ok || !Array.isArray(body)) {
    console.error(`ERROR ${response.status}: ${(body as { message?: string }).message ?? ''}`);
    return false;
  }
  console.log(body.map(formatResult).join('\n\n'));
  return true;
}

function loadHistory(): string[] {
  try {
    return existsSync(HISTORY_FILE)
      ? readFileSync(HISTORY_FILE, 'utf8').split('\n').filter(Boolean).reverse()
      : [];
  } catch {
    return [];
  }
}

/** Newest first, one statement a line; written after each statement (terminal or not). */
function remember(history: string[], sql: string): void {
  const entry = sql.trim().replace(/\s*\n\s*/g, ' ');
  if (entry && history[0] !== entry) {
    history.unshift(entry);
    history.length = Math.min(history.length, HISTORY_SIZE);
  }
  try {
    writeFileSync(HISTORY_FILE, `${[...history].reverse().join('\n')}\n`);
  } catch {
    // History is a convenience; a read-only home directory must not stop the prompt.
  }
}

function interactive(options: Options): void {
  const history = loadHistory();
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: 'sql> ',
    // Arrow-up at a terminal walks the statements of earlier sessions and the lines typed now.
    history: [...history],
    historySize: HISTORY_SIZE,
  });
  console.log(`Connected to ${options.url}. End statements with ; (\\q to quit).`);
  let buffer = '';
  rl.prompt();
  rl.on('line', (line) => {
    if (buffer === '' && ['\\q', 'quit', 'exit'].includes(line.trim())) {
      rl.close();
      return;
    }
    buffer += `${line}\n`;
    if (!isComplete(buffer)) {
      rl.setPrompt('  -> ');
      rl.prompt();
      return;
    }
    const sql = buffer;
    buffer = '';
    remember(history, sql);
    rl.pause();
    run(options, sql)
      .catch((error: unknown) =>
        console.error(`ERROR: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        rl.setPrompt('sql> ');
        rl.resume();
        rl.prompt();
      });
  });
  rl.on('close', () => process.exit(0));
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  if (options.statements.length > 0) {
    const ok = await run(options, options.statements.join(';\n'));
    process.exit(ok ? 0 : 1);
  }
  interactive(options);
}

main().catch((error: unknown) => {
  console.error(`ERROR: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
