import { ObjectId } from 'bson';
import { createServer, Server, Socket } from 'node:net';
import { CommandDispatcher } from './commands/command-dispatcher';
import { EmulatorPersistence } from './persistence';
import { ServerState } from './server-state';
import { removeExpiredDocuments } from './storage/ttl-monitor';
import { ClientConnection } from './wire/client-connection';

export interface MongoEmulatorOptions {
  /** Interface to listen on and the host name advertised to drivers. Default 127.0.0.1. */
  host?: string;
  /** 0 picks an ephemeral port. Default 0. */
  port?: number;
  /** Replica set name reported by hello. Default 'rs0'. */
  replSetName?: string;
  /** Maximum oplog entries kept; older change stream resume points are lost. Default 100 000. */
  oplogSize?: number;
  /**
   * Open client connections allowed; a further one is closed at once, as mongod closes
   * connections over `net.maxIncomingConnections`. Default 1000.
   */
  maxConnections?: number;
  logger?: (msg: string) => void;
  /**
   * Keeps data, catalog and oplog in this directory (write-ahead log + snapshots), recovered at
   * start; unset: in memory only.
   */
  dataDir?: string;
  /** With `dataDir`: log bytes after which a background snapshot compacts the log (32 MiB). */
  snapshotAfterBytes?: number;
}

const DEFAULT_MAX_CONNECTIONS = 1000;

const HOUSEKEEPING_INTERVAL_MS = 1000;
const SESSION_IDLE_MS = 30 * 60 * 1000;
/** mongod's transactionLifetimeLimitSeconds default. */
const TRANSACTION_LIFETIME_MS = 60 * 1000;

/**
 * A MongoDB-compatible server for development and tests: the unmodified `mongodb` driver and
 * mongoose talk to it over TCP as to the primary of a one-member replica set. In memory, or
 * durable in a data directory (`dataDir`).
 */
export class MongoEmulator {
  readonly host: string;
  readonly port: number;
  readonly uri: string;
  private readonly connections = new Set<ClientConnection>();
  private readonly housekeeping: NodeJS.Timeout;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly state: ServerState,
    host: string,
    port: number,
    replSetName: string,
    maxConnections: number,
  ) {
    this.host = host;
    this.port = port;
    this.uri = `mongodb://${host}:${port}/?replicaSet=${encodeURIComponent(replSetName)}`;
    let nextConnectionId = 1;
    const dispatcher = new CommandDispatcher(state);
    server.on('connection', (socket: Socket) => {
      if (this.connections.size >= maxConnections) {
        state.log(`connection refused because too many open connections: ${maxConnections}`);
        socket.destroy();
        return;
      }
      const connection = new ClientConnection(socket, nextConnectionId++, dispatcher, state.log);
      this.connections.add(connection);
      state.connections.current += 1;
      state.connections.totalCreated += 1;
      socket.on('close', () => {
        this.connections.delete(connection);
        state.connections.current -= 1;
      });
    });
    this.housekeeping = setInterval(() => this.runHousekeeping(), HOUSEKEEPING_INTERVAL_MS);
    this.housekeeping.unref();
  }

  static async start(options: MongoEmulatorOptions = {}): Promise<MongoEmulator> {
    const host = options.host ?? '127.0.0.1';
    const replSetName = options.replSetName ?? 'rs0';
    const log = options.logger ?? (() => undefined);
    const persistence = options.dataDir
      ? EmulatorPersistence.open({
          dir: options.dataDir,
          log,
          snapshotAfterBytes: options.snapshotAfterBytes,
        })
      : undefined;
    const server = createServer();
    let state: ServerState;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
      state = new ServerState(
        options.oplogSize ?? 100_000,
        {
          setName: replSetName,
          me: `${host}:${port}`,
          processId: new ObjectId(),
          electionId: new ObjectId('7fffffff0000000000000001'),
        },
        log,
        persistence,
      );
    } catch (error) {
      server.close();
      await persistence?.close();
      throw error;
    }
    const port = (server.address() as { port: number }).port;
    const emulator = new MongoEmulator(
      server,
      state,
      host,
      port,
      replSetName,
      options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    );
    log(`MongoDB emulator listening on ${emulator.uri}`);
    return emulator;
  }

  /** Closes every connection and the listener and clears timers. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      clearInterval(this.housekeeping);
      this.state.cursors.closeAll();
      this.state.failCommand.clear();
      for (const connection of this.connections) connection.close();
      this.connections.clear();
      this.server.close(() => {
        // Persistence hook: last records synced, the data directory unlocked.
        void (this.state.persistence?.close() ?? Promise.resolve()).then(() => resolve());
      });
    });
    return this.stopping;
  }

  private runHousekeeping(): void {
    try {
      removeExpiredDocuments(this.state.engine);
      this.state.cursors.reapIdle();
      this.state.sessions.reapIdle(SESSION_IDLE_MS);
      this.state.sessions.abortExpiredTransactions(TRANSACTION_LIFETIME_MS);
    } catch (error) {
      this.state.log(`housekeeping failed: ${(error as Error).message}`);
    }
  }
}
