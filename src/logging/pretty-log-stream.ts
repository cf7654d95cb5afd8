import { Writable } from 'node:stream';

const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const BOLD = '\x1b[1m';
const CYAN = '\x1b[36m';

const LEVELS: Record<number, { label: string; colour: string }> = {
  10: { label: 'TRACE', colour: '\x1b[90m' },
  20: { label: 'DEBUG', colour: '\x1b[34m' },
  30: { label: 'INFO ', colour: '\x1b[32m' },
  40: { label: 'WARN ', colour: '\x1b[33m' },
  50: { label: 'ERROR', colour: '\x1b[31m' },
  60: { label: 'FATAL', colour: '\x1b[41m\x1b[37m' },
};

/** Fields every line has; the pretty form shows them in the prefix or leaves them out. */
const HIDDEN_FIELDS = new Set([
  'level',
  'time',
  'msg',
  'context',
  'service',
  'instance',
  'pid',
  'hostname',
  'req',
  'res',
  'responseTime',
  'reqId',
]);

interface LogLine {
  level?: number;
  time?: number;
  msg?: unknown;
  context?: unknown;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  err?: { message?: string; stack?: string };
  [field: string]: unknown;
}

/**
 * Formats pino's JSON lines for a person at a terminal:
 * `12:03:04.567 INFO  [Context] message key=value`, coloured by level; HTTP request lines as
 * `GET /api/v1/subscriptions 201 12ms`; error stacks on the following lines.
 */
export function formatLogLine(json: string, colours = true): string {
  let line: LogLine;
  try {
    line = JSON.parse(json) as LogLine;
  } catch {
    return json;
  }
  const paint = (code: string, text: string) => (colours ? `${code}${text}${RESET}` : text);
  const level = LEVELS[line.level ?? 30] ?? { label: String(line.level), colour: '' };
  const time = new Date(line.time ?? Date.now()).toISOString().slice(11, 23);
  const parts = [paint(DIM, time), paint(level.colour, level.label)];
  if (typeof line.context === 'string') parts.push(paint(CYAN, `[${line.context}]`));
  let message = typeof line.msg === 'string' ? line.msg : '';
  if (line.req && line.res) {
    const took = line.responseTime === undefined ? '' : ` ${line.responseTime}ms`;
    message = `${line.req.method ?? ''} ${line.req.url ?? ''} ${line.res.statusCode ?? ''}${took}`;
  }
  parts.push(level.label.startsWith('INFO') ? message : paint(BOLD, message));
  const extras = Object.entries(line)
    .filter(([key, value]) => !HIDDEN_FIELDS.has(key) && key !== 'err' && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  if (extras.length > 0) parts.push(paint(DIM, extras.join(' ')));
  let text = parts.join(' ');
  if (line.err?.stack) text += `\n${paint(DIM, line.err.stack)}`;
  else if (line.err?.message) text += ` ${paint(DIM, line.err.message)}`;
  return text;
}

/** A stream pino writes JSON lines to, printing them formatted for people. */
export class PrettyLogStream extends Writable {
  private pending = '';

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly colours = true,
  ) {
    super();
  }

  override _write(chunk: Buffer | string, _encoding: string, done: (error?: Error) => void): void {
    this.pending += chunk.toString();
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      const json = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      if (json.length > 0) this.out.write(`${formatLogLine(json, this.colours)}\n`);
      newline = this.pending.indexOf('\n');
    }
    done();
  }
}
