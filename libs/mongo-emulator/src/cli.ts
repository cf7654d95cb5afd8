/**
 * `npm run mongo:emulator -- --port 27017 [--host 127.0.0.1] [--oplog-size N] [--repl-set rs0] [--data DIR]`
 * Starts the emulator, prints its connection string and serves until SIGINT/SIGTERM.
 */
import { MongoEmulator, MongoEmulatorOptions } from './mongo-emulator';

const USAGE =
  'usage: mongo:emulator [--port N (default 27017, 0 = ephemeral)] [--host H] [--oplog-size N] [--repl-set NAME] [--data DIR (default: in memory)] [--snapshot-after-bytes N] [--max-connections N] [--verbose]';

export function parseCliArgs(argv: string[]): MongoEmulatorOptions & { verbose: boolean } {
  const options: MongoEmulatorOptions & { verbose: boolean } = { port: 27017, verbose: false };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    const integer = () => {
      const raw = value();
      const parsed = Number(raw);
      if (!Number.isInteger(parsed) || parsed < 0)
        throw new Error(`${flag} expects a non-negative integer, got '${raw}'`);
      return parsed;
    };
    switch (flag) {
      case '--port':
        options.port = integer();
        break;
      case '--host':
        options.host = value();
        break;
      case '--oplog-size':
        options.oplogSize = integer();
        break;
      case '--repl-set':
        options.replSetName = value();
        break;
      case '--data':
        options.dataDir = value();
        break;
      case '--snapshot-after-bytes':
        options.snapshotAfterBytes = integer();
        break;
      case '--max-connections':
        options.maxConnections = integer();
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option '${flag}'\n${USAGE}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const { verbose, ...options } = parseCliArgs(process.argv.slice(2));
  const emulator = await MongoEmulator.start({
    ...options,
    logger: verbose ? (msg) => console.error(`[mongo-emulator] ${msg}`) : undefined,
  });
  console.log(emulator.uri);
  const storage = options.dataDir ? `data in ${options.dataDir}` : 'in memory';
  console.error(
    `MongoDB emulator (${storage}, dev/test only) serving ${emulator.uri}; Ctrl+C to stop`,
  );
  const shutdown = (signal: string) => {
    console.error(`received ${signal}, stopping`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
