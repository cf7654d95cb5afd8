import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { MongoEmulator } from '@app/mongo-emulator';
import type { EmbeddedMongoMode } from '../config/app-config';

export type MongoBackendKind = 'external' | 'mongod' | 'emulator';

/** The MongoDB deployment the server (or a test run) talks to. */
export interface MongoBackend {
  readonly kind: MongoBackendKind;
  readonly uri: string;
  /** Where an embedded backend keeps its data; undefined: in memory (or external). */
  readonly dataDir?: string;
  /** Stops an embedded backend; a no-op for an external one. */
  stop(): Promise<void>;
}

export interface MongoBackendOptions {
  /** MONGODB_URI: when set, nothing is started. */
  uri?: string;
  mode: EmbeddedMongoMode;
  log: (message: string) => void;
  /** Embedded only: the data directory (a `mongod/` or `emulator/` inside); unset: in memory. */
  dataDir?: string;
  /** Embedded only: the port to listen on (default 0: any free port). */
  port?: number;
  /** How long `auto` waits for a mongod binary to be found or downloaded. */
  binaryTimeoutMs?: number;
  /** Emulator only: oplog entries kept (small values let tests provoke history loss). */
  emulatorOplogSize?: number;
}

/** Where mongod binaries are downloaded from; unreachable means offline: no download attempt. */
const DOWNLOAD_HOST = 'fastdl.mongodb.org';
const DOWNLOAD_PROBE_MS = 1_500;

/**
 * Chooses the backend, in one place for the server and the tests: MONGODB_URI if set; else a
 * real mongod (a replica set of one, through mongodb-memory-server-core) when its binary is
 * present or downloads in time; else the emulator. `mode` can force either embedded kind. A data
 * directory that already holds one kind's data keeps that kind, so data never seems to vanish.
 */
export async function startMongoBackend(options: MongoBackendOptions): Promise<MongoBackend> {
  const { uri, log } = options;
  if (uri) {
    log(`MongoDB backend: external (${redactUri(uri)})`);
    return { kind: 'external', uri, stop: async () => undefined };
  }
  let mode = options.mode;
  if (mode === 'auto' && options.dataDir) {
    const existing = existingDataKind(options.dataDir);
    if (existing) {
      log(`MongoDB backend: ${existing} (${options.dataDir} holds its data)`);
      mode = existing;
    }
  }
  if (mode !== 'emulator') {
    const binary = await findMongodBinary(mode, options.binaryTimeoutMs ?? 15_000);
    if (binary.path) {
      const backend = await startMongod(binary.path, options);
      log(`MongoDB backend: embedded mongod (${binary.path}) at ${backend.uri}`);
      return backend;
    }
    if (mode === 'mongod') {
      throw new Error(`EMBEDDED_MONGO=mongod but no mongod binary is available: ${binary.reason}`);
    }
    log(`MongoDB backend: the emulator (${binary.reason})`);
  }
  const backend = await startEmulator(options);
  log(
    `MongoDB backend: embedded emulator (development and tests only) at ${backend.uri}, ${storageOf(backend)}`,
  );
  return backend;
}

export function storageOf(backend: MongoBackend): string {
  if (backend.kind === 'external') return 'external';
  return backend.dataDir ? `data in ${backend.dataDir}` : 'in memory (gone on stop)';
}

function existingDataKind(dataDir: string): 'mongod' | 'emulator' | undefined {
  const holdsData = (dir: string) => existsSync(dir) && readdirSync(dir).length > 0;
  if (holdsData(join(dataDir, 'mongod'))) return 'mongod';
  if (holdsData(join(dataDir, 'emulator'))) return 'emulator';
  return undefined;
}

async function findMongodBinary(
  mode: EmbeddedMongoMode,
  timeoutMs: number,
): Promise<{ path?: string; reason: string }> {
  const { DryMongoBinary, MongoBinary } = await import('mongodb-memory-server-core');
  try {
    const local = await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions());
    if (local) return { path: local, reason: 'found' };
  } catch {
    // Not found locally; a download may still work.
  }
  if (mode === 'auto' && !(await reachable(DOWNLOAD_HOST, 443, DOWNLOAD_PROBE_MS))) {
    return { reason: `no mongod binary here and ${DOWNLOAD_HOST} is unreachable to download one` };
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not found within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const path = await Promise.race([MongoBinary.getPath(), timeout]);
    return { path, reason: 'found' };
  } catch (error) {
    return { reason: `no mongod binary: ${firstLine(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a TCP connection to host:port opens within `timeoutMs` (DNS included). */
function reachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function startMongod(
  binaryPath: string,
  options: MongoBackendOptions,
): Promise<MongoBackend> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server-core');
  const dbPath = options.dataDir ? join(options.dataDir, 'mongod') : undefined;
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  const replSet = await MongoMemoryReplSet.create({
    binary: { systemBinary: binaryPath },
    replSet: { count: 1, name: 'rs0', args: ['--setParameter', 'enableTestCommands=1'] },
    instanceOpts: [
      {
        ...(options.port ? { port: options.port } : {}),
        ...(dbPath ? { dbPath, storageEngine: 'wiredTiger' as const } : {}),
      },
    ],
  });
  return {
    kind: 'mongod',
    uri: replSet.getUri(),
    dataDir: dbPath,
    stop: async () => {
      // A data directory of the user's is kept; a temporary one is removed.
      await replSet.stop({ doCleanup: !dbPath });
    },
  };
}

async function startEmulator(options: MongoBackendOptions): Promise<MongoBackend> {
  // Loaded only when chosen: a production server (MONGODB_URI) never loads the emulator. A
  // relative path, because the build rewrites the `@app/*` aliases of static imports only.
  const { MongoEmulator: Emulator } = await import('../../libs/mongo-emulator/src');
  const dataDir = options.dataDir ? join(options.dataDir, 'emulator') : undefined;
  let emulator: MongoEmulator;
  try {
    emulator = await Emulator.start({
      port: options.port ?? 0,
      dataDir,
      ...(options.emulatorOplogSize ? { oplogSize: options.emulatorOplogSize } : {}),
      logger: dataDir ? (message) => options.log(`emulator: ${message}`) : undefined,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `the embedded MongoDB port ${options.port} is in use (another Change Relay server, or a mongod?); set EMBEDDED_MONGO_PORT to another port, or 0 for any free one`,
      );
    }
    throw error;
  }
  return { kind: 'emulator', uri: emulator.uri, dataDir, stop: () => emulator.stop() };
}

/** Hides credentials when a connection string is logged. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]*)@/, '//***@');
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
