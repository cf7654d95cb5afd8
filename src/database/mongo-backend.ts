import type { EmbeddedMongoMode } from '../config/app-config';

export type MongoBackendKind = 'external' | 'mongod' | 'emulator';

/** The MongoDB deployment the server (or a test run) talks to. */
export interface MongoBackend {
  readonly kind: MongoBackendKind;
  readonly uri: string;
  /** Stops an embedded backend; a no-op for an external one. */
  stop(): Promise<void>;
}

export interface MongoBackendOptions {
  /** MONGODB_URI: when set, nothing is started. */
  uri?: string;
  mode: EmbeddedMongoMode;
  log: (message: string) => void;
  /** How long `auto` waits for a mongod binary to be found or downloaded. */
  binaryTimeoutMs?: number;
  /** Emulator only: oplog entries kept (small values let tests provoke history loss). */
  emulatorOplogSize?: number;
}

/**
 * Chooses the backend, in one place for the server and the tests: MONGODB_URI if set; else a
 * real mongod (a replica set of one, through mongodb-memory-server-core) when its binary is
 * present or downloads in time; else the emulator. `mode` can force either embedded kind.
 */
export async function startMongoBackend(options: MongoBackendOptions): Promise<MongoBackend> {
  const { uri, mode, log } = options;
  if (uri) {
    log(`MongoDB backend: external (${redactUri(uri)})`);
    return { kind: 'external', uri, stop: async () => undefined };
  }
  if (mode !== 'emulator') {
    const binary = await findMongodBinary(options.binaryTimeoutMs ?? 15_000);
    if (binary.path) {
      const backend = await startMongod(binary.path);
      log(`MongoDB backend: embedded mongod (${binary.path}) at ${backend.uri}`);
      return backend;
    }
    if (mode === 'mongod') {
      throw new Error(`EMBEDDED_MONGO=mongod but no mongod binary is available: ${binary.reason}`);
    }
    log(`No mongod binary (${binary.reason}); using the MongoDB emulator`);
  }
  const backend = await startEmulator(options.emulatorOplogSize);
  log(`MongoDB backend: embedded emulator (development and tests only) at ${backend.uri}`);
  return backend;
}

async function findMongodBinary(timeoutMs: number): Promise<{ path?: string; reason: string }> {
  const { MongoBinary } = await import('mongodb-memory-server-core');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not found within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const path = await Promise.race([MongoBinary.getPath(), timeout]);
    return { path, reason: 'found' };
  } catch (error) {
    return { reason: firstLine(error) };
  } finally {
    clearTimeout(timer);
  }
}

async function startMongod(binaryPath: string): Promise<MongoBackend> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server-core');
  const replSet = await MongoMemoryReplSet.create({
    binary: { systemBinary: binaryPath },
    replSet: { count: 1, name: 'rs0', args: ['--setParameter', 'enableTestCommands=1'] },
  });
  return {
    kind: 'mongod',
    uri: replSet.getUri(),
    stop: async () => {
      await replSet.stop();
    },
  };
}

async function startEmulator(oplogSize: number | undefined): Promise<MongoBackend> {
  // Loaded only when chosen: a production server (MONGODB_URI) never loads the emulator. A
  // relative path, because the build rewrites the `@app/*` aliases of static imports only.
  const { MongoEmulator } = await import('../../libs/mongo-emulator/src');
  const emulator = await MongoEmulator.start(oplogSize ? { oplogSize } : {});
  return { kind: 'emulator', uri: emulator.uri, stop: () => emulator.stop() };
}

/** Hides credentials when a connection string is logged. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]*)@/, '//***@');
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
