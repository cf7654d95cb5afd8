import { PassThrough } from 'node:stream';
import { formatLogLine, PrettyLogStream } from './pretty-log-stream';

describe(formatLogLine.name, () => {
  const time = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

  it('prints time, level, context and message, without the fields every line has', () => {
    const line = JSON.stringify({
      level: 30,
      time,
      service: 'change-relay',
      instance: 'vm-1',
      context: 'Bootstrap',
      msg: 'ready',
    });
    expect(formatLogLine(line, false)).toBe('03:04:05.678 INFO  [Bootstrap] ready');
  });

  it('shortens HTTP request lines and keeps other fields as key=value', () => {
    const line = JSON.stringify({
      level: 40,
      time,
      msg: 'request completed',
      req: { method: 'POST', url: '/api/v1/subscriptions', headers: {} },
      res: { statusCode: 409 },
      responseTime: 12,
      subscription: 'orders',
    });
    expect(formatLogLine(line, false)).toBe(
      '03:04:05.678 WARN  POST /api/v1/subscriptions 409 12ms subscription=orders',
    );
  });

  it('colours by level on a terminal and passes non-JSON through', () => {
    expect(formatLogLine(JSON.stringify({ level: 50, time, msg: 'boom' }))).toContain('\x1b[31m');
    expect(formatLogLine('plain text')).toBe('plain text');
  });

  it('formats whole lines across chunk boundaries', async () => {
    const out = new PassThrough();
    const stream = new PrettyLogStream(out, false);
    const json = JSON.stringify({ level: 30, time, msg: 'one' });
    stream.write(json.slice(0, 10));
    stream.write(`${json.slice(10)}\n`);
    await new Promise((resolve) => stream.end(resolve));
    expect(String(out.read())).toBe('03:04:05.678 INFO  one\n');
  });
});
