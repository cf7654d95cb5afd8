import { ErrorCode, MongoCommandError } from '../errors';
import type { Document } from './bson-values';
import { CollectionState } from './collection-state';

const INVALID_COLLECTION_CHARS = /[$\0]/;

export function assertValidCollectionName(db: string, name: unknown): asserts name is string {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    INVALID_COLLECTION_CHARS.test(name) ||
    name.startsWith('.')
  ) {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `Invalid collection name: ${db}.${String(name)}`,
    );
  }
}

/** Databases and their collections. A database exists while it has a collection. */
export class Catalog {
  private readonly databases = new Map<string, Map<string, CollectionState>>();

  databaseNames(): string[] {
    return [...this.databases.keys()].filter((db) => (this.databases.get(db)?.size ?? 0) > 0);
  }

  collections(db: string): CollectionState[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  allCollections(): CollectionState[] {
    return [...this.databases.values()].flatMap((colls) => [...colls.values()]);
  }

  get(db: string, name: string): CollectionState | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** Creates the collection when missing (implicit creation by a write or createIndexes). */
  getOrCreate(
    db: string,
    name: string,
    options?: Document,
  ): { coll: CollectionState; created: boolean } {
    const existing = this.get(db, name);
    if (existing) return { coll: existing, created: false };
    assertValidCollectionName(db, name);
    const coll = new CollectionState(db, name, options);
    this.attach(coll);
    return { coll, created: true };
  }

  attach(coll: CollectionState): void {
    let colls = this.databases.get(coll.db);
    if (!colls) {
      colls = new Map();
      this.databases.set(coll.db, colls);
    }
    colls.set(coll.name, coll);
  }

  remove(db: string, name: string): CollectionState | undefined {
    const colls = this.databases.get(db);
    const coll = colls?.get(name);
    if (colls && coll) {
      colls.delete(name);
      if (colls.size === 0) this.databases.delete(db);
    }
    return coll;
  }
}
