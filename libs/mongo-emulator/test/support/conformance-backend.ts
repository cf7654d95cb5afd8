// The server a conformance spec file runs against. With MONGODB_URI set, that real replica set
// (each file gets its own database, dropped afterwards); otherwise a MongoEmulator started once
// for the file. Specs talk to it only through the official driver and mongoose.
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { MongoClient, type Db, type Document, type MongoClientOptions } from 'mongodb';
import { MongoEmulator } from '@app/mongo-emulator';

export type BackendKind = 'emulator' | 'external';

export interface ConformanceBackendOptions {
  /** Oplog capacity (entries) of the emulator started for this file; ignored on a real server. */
  emulatorOplogSize?: number;
}

/** The URI a spec should target when a real deployment is configured. */
export const EXTERNAL_URI: string | undefined = process.env.MONGODB_URI || undefined;

const DEFAULT_EMULATOR_OPLOG_SIZE = 100_000;

/**
 * Under jest the driver cannot `import('os')` (no --experimental-vm-modules), silently sends an
 * empty client metadata document, and so never tells the server its appName. Handing it the
 * os module keeps the handshake what it is in production (and appName-scoped fail points work).
 */
const DRIVER_OPTIONS: MongoClientOptions = {
  serverSelectionTimeoutMS: 10_000,
  runtimeAdapters: { os },
};

interface UriParts {
  scheme: string;
  credentials: string;
  hosts: string[];
  path: string;
  params: URLSearchParams;
}

function parseUri(uri: string): UriParts {
  const match = /^(mongodb(?:\+srv)?:\/\/)([^@/]*@)?([^/?]*)(\/[^?]*)?(?:\?(.*))?$/.exec(uri);
  if (!match) {
    throw new Error(`Unsupported connection string: ${uri}`);
  }
  return {
    scheme: match[1],
    credentials: match[2] ?? '',
    hosts: match[3].split(','),
    path: match[4] ?? '/',
    params: new URLSearchParams(match[5] ?? ''),
  };
}

export class ConformanceBackend {
  readonly dbName: string;
  private emulator: MongoEmulator | undefined;
  private baseUri: string | undefined;
  private mainClient: MongoClient | undefined;
  private helloReply: Document | undefined;
  private readonly clients = new Set<MongoClient>();

  constructor(tag: string) {
    // Unique per file and run, short enough for MongoDB's 63-byte database name limit.
    this.dbName = `conf_${tag}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  }

  get kind(): BackendKind {
    return EXTERNAL_URI ? 'external' : 'emulator';
  }

  get isEmulator(): boolean {
    return this.kind === 'emulator';
  }

  /** The replica-set connection string (`replicaSet=rs0` form for the emulator). */
  get uri(): string {
    return this.required(this.baseUri, 'uri');
  }

  get client(): MongoClient {
    return this.required(this.mainClient, 'client');
  }

  get db(): Db {
    return this.client.db(this.dbName);
  }

  /** The `hello` reply the server gave when the file started. */
  get hello(): Document {
    return this.required(this.helloReply, 'hello');
  }

  /** host:port the server calls itself (`me`), e.g. the emulator's 127.0.0.1:PORT. */
  get primaryHost(): string {
    return String(this.hello.primary ?? this.hello.me);
  }

  async start(options: ConformanceBackendOptions = {}): Promise<void> {
    if (EXTERNAL_URI) {
      this.baseUri = EXTERNAL_URI;
    } else {
      this.emulator = await MongoEmulator.start({
        port: 0,
        oplogSize: options.emulatorOplogSize ?? DEFAULT_EMULATOR_OPLOG_SIZE,
      });
      this.baseUri = this.emulator.uri;
    }
    this.mainClient = await this.connect();
    this.helloReply = await this.mainClient.db('admin').command({ hello: 1 });
  }

  async stop(): Promise<void> {
    try {
      if (this.kind === 'external' && this.mainClient) {
        await this.mainClient.db(this.dbName).dropDatabase();
      }
    } finally {
      await Promise.allSettled([...this.clients].map((client) => client.close(true)));
      this.clients.clear();
      await this.emulator?.stop();
      this.emulator = undefined;
    }
  }

  /** A new client, not yet connected (closed when the file ends). */
  createClient(options: MongoClientOptions = {}, uri: string = this.uri): MongoClient {
    const client = new MongoClient(uri, { ...DRIVER_OPTIONS, ...options });
    this.clients.add(client);
    return client;
  }

  /** A new connected client (closed when the file ends). */
  async connect(options: MongoClientOptions = {}, uri: string = this.uri): Promise<MongoClient> {
    const client = this.createClient(options, uri);
    await client.connect();
    return client;
  }

  /**
   * The connection string with other hosts and/or query parameters (`undefined` removes one),
   * keeping credentials and the rest of the caller's MONGODB_URI.
   */
  uriWith(change: { hosts?: string[]; params?: Record<string, string | undefined> }): string {
    const parts = parseUri(this.uri);
    for (const [key, value] of Object.entries(change.params ?? {})) {
      if (value === undefined) {
        parts.params.delete(key);
      } else {
        parts.params.set(key, value);
      }
    }
    const hosts = (change.hosts ?? parts.hosts).join(',');
    const query = parts.params.toString();
    return `${parts.scheme}${parts.credentials}${hosts}${parts.path}${query ? `?${query}` : ''}`;
  }

  /** `directConnection=true` to the primary alone, without `replicaSet`. */
  directUri(host: string = this.primaryHost): string {
    return this.uriWith({
      hosts: [host],
      params: { directConnection: 'true', replicaSet: undefined },
    });
  }

  private required<T>(value: T | undefined, what: string): T {
    if (value === undefined) {
      throw new Error(`ConformanceBackend.${what} used before beforeAll started the backend`);
    }
    return value;
  }
}

/**
 * Registers beforeAll/afterAll that start the backend once for the calling spec file and stop
 * it (or drop the file's database on a real server) at the end.
 */
export function useConformanceBackend(
  tag: string,
  options: ConformanceBackendOptions = {},
): ConformanceBackend {
  const backend = new ConformanceBackend(tag);
  beforeAll(() => backend.start(options), 30_000);
  afterAll(() => backend.stop(), 30_000);
  return backend;
}
