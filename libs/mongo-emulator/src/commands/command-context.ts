import type { ServerState } from '../server-state';
import type { SessionState } from '../sessions/session-registry';
import type { Transaction } from '../sessions/transaction';
import type { Document } from '../storage/bson-values';
import { CollectionView, DirectCollectionView } from '../storage/collection-view';
import { ViewCollectionView } from './view-collection';

/** The client connection a command arrived on. */
export interface ConnectionInfo {
  readonly id: number;
  appName?: string;
  /** Aborted when the connection closes. */
  readonly signal: AbortSignal;
}

export class CommandContext {
  constructor(
    readonly server: ServerState,
    readonly command: Document,
    readonly commandName: string,
    readonly db: string,
    readonly connection: ConnectionInfo,
    readonly session?: SessionState,
    readonly txn?: Transaction,
  ) {}

  /** A collection as this command sees it (inside a transaction: with its uncommitted writes). */
  view(coll: string, db = this.db): CollectionView {
    const state = this.server.engine.catalog.get(db, coll);
    if (state?.isView) return new ViewCollectionView(this, state);
    if (this.txn) return this.txn.view(db, coll);
    return new DirectCollectionView(this.server.engine, db, coll);
  }

  /** The collection name argument of the command (`{find: 'users'}` → 'users'). */
  get target(): string {
    return this.command[this.commandName] as string;
  }

  /** Aborted when the connection closes (the server closes every connection on stop). */
  get signal(): AbortSignal {
    return this.connection.signal;
  }
}

export type CommandHandler = (ctx: CommandContext) => Promise<Document> | Document;

/** Commands by name; names are matched case-insensitively like mongod's aliases. */
export type CommandTable = Record<string, CommandHandler>;
