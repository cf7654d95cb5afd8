import { DirectCollectionView } from './collection-view';
import { valuesAtPath } from './bson-values';
import type { StorageEngine } from './storage-engine';

/**
 * Deletes documents whose TTL index date plus expireAfterSeconds has passed, like mongod's TTL
 * monitor (which runs every 60 s; the emulator runs it every second so tests stay fast).
 * Deletions go through the oplog, so change streams see them as delete events.
 */
export function removeExpiredDocuments(engine: StorageEngine, now = Date.now()): number {
  let removed = 0;
  for (const coll of engine.catalog.allCollections()) {
    for (const index of coll.indexes) {
      const seconds = index.expireAfterSeconds;
      if (seconds === undefined || index.fields.length !== 1) continue;
      const cutoff = now - seconds * 1000;
      const expired = [...coll.docs.values()].filter((doc) =>
        valuesAtPath(doc, index.fields[0]).some(
          (value) => value instanceof Date && value.getTime() <= cutoff,
        ),
      );
      if (expired.length === 0) continue;
      const view = new DirectCollectionView(engine, coll.db, coll.name);
      for (const doc of expired) {
        if (view.get(doc._id) === doc) {
          view.remove(doc);
          removed += 1;
        }
      }
    }
  }
  return removed;
}
