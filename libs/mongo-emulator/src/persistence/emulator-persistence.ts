import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { OpTime } from '../oplog/logical-clock';
import type { OplogEntry } from '../oplog/oplog';
import { comparePositions, TokenPosition } from '../oplog/resume-token';
import type { Document } from '../storage/bson-values';
import type { CollectionState } from '../storage/collection-state';
import type { StorageEngine } from '../storage/storage-engine';
import { DataDirectoryLock } from './data-directory-lock';
import { decodeRecords, encodeRecord } from './record-file';
import {
  captureCatalog,
  catalogFingerprint,
  CollectionMeta,
  encodeEntry,
  PersistedEntry,
  appendToOplog,
  reconcileCatalog,
  replayCommit,
  restoreCollection,
  restoreDocuments,
} from './state-codec';

export interface PersistenceOptions {
  /** The data directory (created when missing). */
  dir: string;
  log: (msg: string) => void;
  /** Log bytes after which a snapshot compacts the log (default 32 MiB). */
  snapshotAfterBytes?: number;
}

/** Commands that never change data or the catalog: they skip the catalog check. */
const READ_ONLY_COMMANDS = new Set([
  'hello',
  'ismaster',
  'ping',
  'buildinfo',
  'getparameter',
  'serverstatus',
  'hostinfo',
  'replsetgetstatus',
  'listdatabases',
  'listcollections',
  'listindexes',
  'find',
  'getmore',
  'killcursors',
  'count',
  'distinct',
  'aggregate',
  'startsession',
  'endsessions',
  'configurefailpoint',
]);

const DOCS_PER_SNAPSHOT_RECORD = 500;
const ENTRIES_PER_SNAPSHOT_RECORD = 500;

const walName = (gen: number) => `wal-${String(gen).padStart(8, '0')}.log`;
const snapshotName = (gen: number) => `snapshot-${String(gen).padStart(8, '0')}.snap`;
const FILE_PATTERN = /^(wal|snapshot)-(\d{8})\.(log|snap|tmp)$/;

/**
 * The emulator's durable storage: a write-ahead log of commits and catalog changes, compacted
 * by snapshots written in the background.
 *
 * - Every commit is appended to the log (one framed, checksummed record) synchronously as it
 *   happens, before any reader or reply can see it, so a killed process loses nothing a client
 *   or a change stream saw. An acknowledged write also waits for `fdatasync` (group commit: one
 *   sync covers every record written before it), unless its write concern is `w: 0` or
 *   `j: false`, so it survives a machine crash too.
 * - Catalog changes (create, indexes, collMod) are logged as the whole catalog definition when a
 *   command changed it.
 * - A snapshot is a consistent cut (stored documents are immutable, so the cut copies
 *   references) written to a temporary file while new commits go to a new log file; it becomes
 *   valid by an atomic rename, and only then are older log files deleted.
 * - Recovery loads the newest complete snapshot and replays the later logs in order; a torn
 *   record at the end of the last log (a write cut short by the crash) is dropped.
 */
export class EmulatorPersistence {
  private readonly lock: DataDirectoryLock;
  private readonly snapshotAfterBytes: number;
  private engine: StorageEngine | undefined;
  private historyStart: OpTime | undefined;
  private fd: number | undefined;
  private gen = 0;
  private walBytes = 0;
  private written = 0;
  private synced = 0;
  private syncing: Promise<void> | undefined;
  private snapshotting: Promise<void> | undefined;
  private catalogPrint = '';
  private closed = false;

  private constructor(private readonly options: PersistenceOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.lock = DataDirectoryLock.acquire(options.dir);
    this.snapshotAfterBytes = options.snapshotAfterBytes ?? 32 * 1024 * 1024;
  }

  /** Creates the directory if needed and locks it against a second process. */
  static open(options: PersistenceOptions): EmulatorPersistence {
    return new EmulatorPersistence(options);
  }

  get dir(): string {
    return this.options.dir;
  }

  /**
   * Loads the directory's state into an empty engine, opens a new log file and starts logging
   * the engine's commits. Returns the earliest cluster time change streams can resume from.
   */
  recover(engine: StorageEngine): OpTime {
    const started = Date.now();
    this.engine = engine;
    const files = this.listFiles();
    const snapshotGens = files.filter((f) => f.kind === 'snapshot').map((f) => f.gen);
    const walGens = files.filter((f) => f.kind === 'wal').map((f) => f.gen);
    const base = this.loadNewestSnapshot(engine, snapshotGens);
    const replay = walGens.filter((gen) => gen >= base).sort((a, b) => a - b);
    let replayedRecords = 0;
    replay.forEach((gen, index) => {
      replayedRecords += this.replayLog(engine, gen, index === replay.length - 1);
    });
    this.historyStart ??= engine.clock.now();
    this.gen = Math.max(0, ...snapshotGens, ...walGens) + 1;
    this.openLog();
    engine.commitObserver = (entries) => this.logCommit(entries);
    this.catalogPrint = catalogFingerprint(captureCatalog(engine));
    this.removeFilesBefore(base);
    const collections = engine.catalog.allCollections();
    const documents = collections.reduce((sum, coll) => sum + coll.docs.size, 0);
    this.options.log(
      `data directory ${this.dir}: ${collections.length} collections, ${documents} documents, ${engine.oplog.nextSeq - engine.oplog.firstSeq} oplog entries recovered in ${Date.now() - started} ms`,
    );
    // Compacts what was replayed (and the logs of runs that wrote nothing) into one snapshot.
    if (replayedRecords > 0 || replay.length > 1) this.scheduleSnapshot();
    return this.historyStart;
  }

  /**
   * Called once a command ran: logs a catalog change, and resolves when the command's writes are
   * durable (per its write concern). Throws when they could not be made durable.
   */
  async afterCommand(command: Document, name: string, wrote: boolean): Promise<void> {
    if (this.closed || !this.engine) return;
    if (!wrote && READ_ONLY_COMMANDS.has(name)) return;
    const catalog = captureCatalog(this.engine);
    const print = catalogFingerprint(catalog);
    const catalogChanged = print !== this.catalogPrint;
    if (catalogChanged) {
      this.catalogPrint = print;
      this.append({ type: 'catalog', collections: catalog });
    }
    if ((wrote || catalogChanged) && wantsJournal(command)) await this.sync();
  }

  /** Resolves when every record written so far is on disk. */
  async sync(): Promise<void> {
    const target = this.written;
    while (this.synced < target) {
      this.syncing ??= this.syncOnce().finally(() => (this.syncing = undefined));
      await this.syncing;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.snapshotting?.catch(() => undefined);
    await this.sync().catch(() => undefined);
    this.closed = true;
    if (this.engine) this.engine.commitObserver = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.lock.release();
  }

  private logCommit(entries: OplogEntry[]): void {
    this.append({ type: 'commit', entries: entries.map(encodeEntry) });
    if (this.walBytes > this.snapshotAfterBytes) this.scheduleSnapshot();
  }

  private append(record: Document): void {
    if (this.fd === undefined) throw new Error('the emulator data directory is closed');
    const buffer = encodeRecord(record);
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(this.fd, buffer, offset);
    this.walBytes += buffer.length;
    this.written += 1;
  }

  private syncOnce(): Promise<void> {
    const target = this.written;
    const fd = this.fd;
    if (fd === undefined) return Promise.reject(new Error('the emulator data directory is closed'));
    return new Promise<void>((resolve, reject) => {
      fdatasync(fd, (error) => {
        // A log rotation meanwhile synced and closed this file: the records are on disk.
        if (error && this.synced < target) return reject(error);
        // A log rotation in between synced everything up to it already.
        this.synced = Math.max(this.synced, target);
        resolve();
      });
    });
  }

  private openLog(): void {
    this.fd = openSync(join(this.dir, walName(this.gen)), 'a');
    this.walBytes = 0;
    this.append({
      type: 'header',
      gen: this.gen,
      historyStart: this.historyStart,
      createdAt: new Date(),
    });
    fdatasyncSync(this.fd);
    this.synced = this.written;
    syncDirectory(this.dir);
  }

  /** Closes the current log (synced) and continues in a new one: the cut for a snapshot. */
  private rotateLog(): void {
    if (this.fd !== undefined) {
      fdatasyncSync(this.fd);
      closeSync(this.fd);
    }
    this.synced = this.written;
    this.gen += 1;
    this.openLog();
  }

  private scheduleSnapshot(): void {
    if (this.snapshotting || this.closed) return;
    this.snapshotting = yieldToEventLoop()
      .then(() => this.writeSnapshot())
      .catch((error: unknown) =>
        this.options.log(`snapshot failed: ${(error as Error).message}; the log stays`),
      )
      .finally(() => (this.snapshotting = undefined));
  }

  private async writeSnapshot(): Promise<void> {
    const engine = this.engine;
    if (!engine || this.closed) return;
    // The cut, taken synchronously: every commit so far is in the logs before the new one.
    const collections = engine.catalog.allCollections().map((coll) => ({
      meta: encodeRecord({ type: 'collection', meta: captureCatalogEntry(coll) }),
      db: coll.db,
      name: coll.name,
      docs: [...coll.docs.values()],
    }));
    const entries = oplogTail(engine);
    const header = encodeRecord({
      type: 'header',
      historyStart: this.historyStart,
      clock: engine.clock.now(),
      lastDropped: entries.lastDropped,
    });
    this.rotateLog();
    const gen = this.gen;
    const tmp = join(this.dir, `snapshot-${String(gen).padStart(8, '0')}.tmp`);
    const file = await open(tmp, 'w');
    try {
      await file.write(header);
      for (const coll of collections) {
        await file.write(coll.meta);
        for (let start = 0; start < coll.docs.length; start += DOCS_PER_SNAPSHOT_RECORD) {
          const docs = coll.docs.slice(start, start + DOCS_PER_SNAPSHOT_RECORD);
          await file.write(encodeRecord({ type: 'docs', db: coll.db, name: coll.name, docs }));
          await yieldToEventLoop();
        }
      }
      for (let start = 0; start < entries.list.length; start += ENTRIES_PER_SNAPSHOT_RECORD) {
        const chunk = entries.list.slice(start, start + ENTRIES_PER_SNAPSHOT_RECORD);
        await file.write(encodeRecord({ type: 'oplog', entries: chunk.map(encodeEntry) }));
        await yieldToEventLoop();
      }
      await file.write(encodeRecord({ type: 'end' }));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(this.dir, snapshotName(gen)));
    syncDirectory(this.dir);
    this.removeFilesBefore(gen);
  }

  /** Loads the newest complete snapshot; returns its generation (0 when there is none). */
  private loadNewestSnapshot(engine: StorageEngine, gens: number[]): number {
    for (const gen of [...gens].sort((a, b) => b - a)) {
      const { records, torn } = decodeRecords(readFileSync(join(this.dir, snapshotName(gen))));
      if (torn || records.length < 2 || records[records.length - 1].type !== 'end') {
        this.options.log(`ignoring incomplete snapshot ${snapshotName(gen)}`);
        continue;
      }
      const header = records[0];
      this.historyStart = header.historyStart as OpTime | undefined;
      for (const record of records.slice(1)) {
        if (record.type === 'collection') restoreCollection(engine, record.meta as CollectionMeta);
        if (record.type === 'docs') {
          const coll = engine.catalog.get(record.db as string, record.name as string);
          if (coll) restoreDocuments(coll, record.docs as Document[]);
        }
        if (record.type === 'oplog') {
          for (const commit of groupByCommit(record.entries as PersistedEntry[])) {
            appendToOplog(engine, commit);
          }
        }
      }
      if (header.clock) engine.clock.advanceTo(header.clock as OpTime);
      restoreLastDropped(engine, header.lastDropped as TokenPosition | undefined);
      return gen;
    }
    return 0;
  }

  /** Replays one log file; returns the number of commit and catalog records replayed. */
  private replayLog(engine: StorageEngine, gen: number, last: boolean): number {
    const path = join(this.dir, walName(gen));
    const { records, validBytes, torn } = decodeRecords(readFileSync(path));
    if (torn) {
      if (!last) throw new Error(`${path} is corrupt at byte ${validBytes}`);
      this.options.log(
        `${path}: dropping a torn record at byte ${validBytes} (cut short by a crash)`,
      );
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, validBytes);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    let replayed = 0;
    for (const record of records) {
      if (record.type === 'header') {
        this.historyStart ??= record.historyStart as OpTime | undefined;
      } else if (record.type === 'commit') {
        replayCommit(engine, record.entries as PersistedEntry[]);
        replayed += 1;
      } else if (record.type === 'catalog') {
        reconcileCatalog(engine, record.collections as CollectionMeta[]);
        replayed += 1;
      }
    }
    return replayed;
  }

  private listFiles(): { kind: 'wal' | 'snapshot' | 'tmp'; gen: number; name: string }[] {
    return readdirSync(this.dir).flatMap((name) => {
      const match = FILE_PATTERN.exec(name);
      if (!match) return [];
      const kind = match[3] === 'tmp' ? 'tmp' : (match[1] as 'wal' | 'snapshot');
      return [{ kind, gen: Number(match[2]), name }];
    });
  }

  /** Deletes what a snapshot of generation `gen` made obsolete, and abandoned temporary files. */
  private removeFilesBefore(gen: number): void {
    for (const file of this.listFiles()) {
      const obsolete = file.kind === 'tmp' ? file.gen < this.gen : file.gen < gen;
      if (obsolete) rmSync(join(this.dir, file.name), { force: true });
    }
  }
}

/** A collection's definition; callers serialise it at once (collMod changes specs in place). */
function captureCatalogEntry(coll: CollectionState): CollectionMeta {
  return {
    db: coll.db,
    name: coll.name,
    uuid: coll.uuid,
    options: coll.options,
    indexes: coll.indexes.map((index) => index.spec),
  };
}

/** The retained oplog, starting at a commit boundary, and the position of the last entry before it. */
function oplogTail(engine: StorageEngine): { list: OplogEntry[]; lastDropped?: TokenPosition } {
  const { oplog } = engine;
  const list: OplogEntry[] = [];
  let lastDropped = oplog.lastDropped;
  for (let seq = oplog.firstSeq; seq < oplog.nextSeq; seq += 1) {
    const entry = oplog.get(seq);
    if (!entry) continue;
    if (list.length === 0 && entry.opIndex !== 0) {
      // The start of this commit was truncated: it cannot be restored as a whole.
      lastDropped = { t: entry.time.t, i: entry.time.i, op: entry.opIndex, kind: 'event' };
      continue;
    }
    list.push(entry);
  }
  return { list, lastDropped };
}

function groupByCommit(entries: PersistedEntry[]): PersistedEntry[][] {
  const commits: PersistedEntry[][] = [];
  for (const entry of entries) {
    const current = commits[commits.length - 1];
    if (current && current[0].t === entry.t && current[0].i === entry.i) current.push(entry);
    else commits.push([entry]);
  }
  return commits;
}

function restoreLastDropped(engine: StorageEngine, position: TokenPosition | undefined): void {
  if (!position) return;
  const current = engine.oplog.lastDropped;
  if (!current || comparePositions(position, current) > 0) engine.oplog.lastDropped = position;
}

/** w: 0 and j: false ask for no journaling; everything else (the default) waits for the disk. */
function wantsJournal(command: Document): boolean {
  const concern = command.writeConcern as Document | undefined;
  if (!concern) return true;
  return concern.w !== 0 && concern.j !== false;
}

function syncDirectory(dir: string): void {
  // Makes a created or renamed file's directory entry durable.
  const fd = openSync(dir, 'r');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
