import { Long, UUID } from 'bson';
import { toTimestamp } from '../oplog/logical-clock';
import type { Document } from '../storage/bson-values';
import { toNumber } from '../storage/bson-values';
import type { CommandContext, CommandTable } from './command-context';

export const MAX_WIRE_VERSION = 21;
export const SERVER_VERSION = '7.0.0';
const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/** Builds the hello/isMaster reply of a one-member replica set's primary. */
function helloReply(ctx: CommandContext, legacy: boolean): Document {
  const { topology, engine } = ctx.server;
  const now = engine.clock.now();
  const opTime = { ts: toTimestamp(now), t: Long.fromNumber(1) };
  return {
    ...(ctx.command.helloOk !== undefined || !legacy ? { helloOk: true } : {}),
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    topologyVersion: { processId: topology.processId, counter: Long.fromNumber(0) },
    hosts: [topology.me],
    setName: topology.setName,
    setVersion: 1,
    secondary: false,
    primary: topology.me,
    me: topology.me,
    electionId: topology.electionId,
    lastWrite: {
      opTime,
      lastWriteDate: new Date(now.t * 1000),
      majorityOpTime: opTime,
      majorityWriteDate: new Date(now.t * 1000),
    },
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connection.id,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    isImplicitDefaultMajorityWC: true,
  };
}

/**
 * An awaitable hello (streaming SDAM monitor) waits up to maxAwaitTimeMS while the topology
 * version is unchanged. The emulator's topology never changes, so it simply waits (no busy loop).
 */
async function awaitTopologyChange(ctx: CommandContext): Promise<void> {
  const requested = ctx.command.topologyVersion as
    { processId?: { equals?(o: unknown): boolean } } | undefined;
  if (!requested || ctx.command.maxAwaitTimeMS === undefined) return;
  if (!requested.processId?.equals?.(ctx.server.topology.processId)) return;
  const waitMs = toNumber(ctx.command.maxAwaitTimeMS);
  const signal = ctx.signal;
  if (waitMs <= 0 || signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    signal.addEventListener('abort', done, { once: true });
  });
}

function rememberClient(ctx: CommandContext): void {
  const client = ctx.command.client as { application?: { name?: unknown } } | undefined;
  const name = client?.application?.name;
  if (typeof name === 'string') ctx.connection.appName = name;
}

async function hello(ctx: CommandContext, legacy: boolean): Promise<Document> {
  rememberClient(ctx);
  await awaitTopologyChange(ctx);
  return helloReply(ctx, legacy);
}

export const handshakeCommands: CommandTable = {
  hello: (ctx) => hello(ctx, false),
  ismaster: (ctx) => hello(ctx, true),
  ping: () => ({}),
  buildinfo: () => ({
    version: SERVER_VERSION,
    gitVersion: 'mongo-emulator',
    versionArray: [7, 0, 0, 0],
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['emulator'],
    javascriptEngine: 'none',
    modules: [],
    allocator: 'system',
    sysInfo: 'deprecated',
  }),
  getparameter: (ctx) => {
    const known: Document = {
      featureCompatibilityVersion: { version: '7.0' },
      transactionLifetimeLimitSeconds: 60,
      logicalSessionRefreshMillis: 300000,
      cursorTimeoutMillis: Long.fromNumber(600000),
    };
    if (ctx.command.getParameter === '*') return known;
    const reply: Document = {};
    for (const key of Object.keys(ctx.command)) if (key in known) reply[key] = known[key];
    return reply;
  },
  serverstatus: (ctx) => {
    const { topology } = ctx.server;
    return {
      host: topology.me,
      version: SERVER_VERSION,
      process: 'mongod',
      pid: Long.fromNumber(process.pid),
      uptime: Math.floor(process.uptime()),
      uptimeMillis: Long.fromNumber(Math.floor(process.uptime() * 1000)),
      localTime: new Date(),
      connections: {
        current: ctx.server.connections.current,
        available: 1_000_000 - ctx.server.connections.current,
        totalCreated: ctx.server.connections.totalCreated,
      },
      repl: {
        setName: topology.setName,
        isWritablePrimary: true,
        hosts: [topology.me],
        primary: topology.me,
        me: topology.me,
      },
      metrics: { cursor: { open: { total: Long.fromNumber(ctx.server.cursors.openCount) } } },
      storageEngine: { name: 'emulator', supportsCommittedReads: true, persistent: false },
      mem: { bits: 64, resident: Math.round(process.memoryUsage().rss / 1048576) },
    };
  },
  hostinfo: () => ({
    system: { currentTime: new Date(), hostname: 'mongo-emulator', numCores: 1, memSizeMB: 1024 },
    os: { type: process.platform },
    extra: {},
  }),
  whatsmyuri: (ctx) => ({ you: `127.0.0.1:${ctx.connection.id}` }),
  connectionstatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] } }),
  getcmdlineopts: () => ({ argv: ['mongod'], parsed: {} }),
  getlog: () => ({ totalLinesWritten: 0, log: [] }),
  replsetgetstatus: (ctx) => {
    const { topology } = ctx.server;
    return {
      set: topology.setName,
      date: new Date(),
      myState: 1,
      members: [
        { _id: 0, name: topology.me, health: 1, state: 1, stateStr: 'PRIMARY', self: true },
      ],
    };
  },
  startsession: () => ({ id: { id: new UUID() }, timeoutMinutes: 30 }),
  refreshsessions: () => ({}),
  endsessions: (ctx) => {
    ctx.server.sessions.end((ctx.command.endSessions as unknown[] | undefined) ?? []);
    return {};
  },
  // Aborts the sessions' transactions in progress (their cursors are not tracked per session).
  killallsessions: (ctx) => {
    ctx.server.sessions.kill();
    return {};
  },
  killsessions: (ctx) => {
    ctx.server.sessions.kill((ctx.command.killSessions as unknown[] | undefined) ?? []);
    return {};
  },
  dbstats: (ctx) => {
    const colls = ctx.server.engine.catalog.collections(ctx.db);
    const objects = colls.reduce((sum, coll) => sum + coll.docs.size, 0);
    return {
      db: ctx.db,
      collections: colls.length,
      views: 0,
      objects,
      dataSize: 0,
      storageSize: 0,
      indexes: colls.reduce((sum, c) => sum + c.indexes.length, 0),
    };
  },
};
