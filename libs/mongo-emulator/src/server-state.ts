import { Binary, Long, ObjectId } from 'bson';
import { CursorRegistry } from './cursors/cursor-registry';
import { FailCommandRegistry } from './fail-points/fail-command';
import type { OpTime } from './oplog/logical-clock';
import type { EmulatorPersistence } from './persistence';
import { SessionRegistry } from './sessions/session-registry';
import { StorageEngine } from './storage/storage-engine';

/** How the emulator presents itself in hello replies. */
export interface TopologyInfo {
  setName: string;
  /** host:port the driver should use, as listed in `hosts`, `me` and `primary`. */
  me: string;
  processId: ObjectId;
  electionId: ObjectId;
}

/** Everything commands share: data, cursors, sessions, fail points and identity. */
export class ServerState {
  readonly engine: StorageEngine;
  readonly cursors = new CursorRegistry();
  readonly sessions: SessionRegistry;
  readonly failCommand = new FailCommandRegistry();
  /** Cluster time at start-up: change streams cannot resume from before it. */
  readonly historyStart: OpTime;
  /** The (unchecked) signature of $clusterTime; a server without auth sends zeroes. */
  readonly clusterTimeSignature = {
    hash: new Binary(Buffer.alloc(20), 0),
    keyId: Long.fromNumber(0),
  };

  /** Open and total client connections, for serverStatus. */
  readonly connections = { current: 0, totalCreated: 0 };

  constructor(
    oplogSize: number,
    readonly topology: TopologyInfo,
    readonly log: (msg: string) => void,
    /** Persistence hook: the data directory, when the emulator keeps its data. */
    readonly persistence?: EmulatorPersistence,
  ) {
    this.engine = new StorageEngine(oplogSize);
    this.sessions = new SessionRegistry(this.engine);
    this.historyStart = persistence ? persistence.recover(this.engine) : this.engine.clock.now();
  }
}
