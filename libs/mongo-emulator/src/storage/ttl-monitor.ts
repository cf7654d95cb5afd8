import { DirectCollectionView } from './collection-view';
import { earliestDateMs } from './index-state';
import type { StorageEngine } from './storage-engine';

/**
 * Deletes documents whose TTL index date plus expireAfterSeconds has passed, like mongod's TTL
 * monitor (which runs every 60 s; the emulator runs it every second so tests stay fast).
 * Deletions go through the oplog, so change streams see them as delete events. A scan remembers
 * the earliest date left (writes lower it), so an index whose documents expire later is not
 * scanned again every second: a large collection kept for days (an event journal) costs nothing
 * until its first document is due.
 */
export function removeExpiredDocuments(engine: StorageEngine, now = Date.now()): number {
  let removed = 0;
  for (const coll of engine.catalog.allCollections()) {
    for (const index of coll.indexes) {
      const seconds = index.expireAfterSeconds;
      if (seconds === undefined || index.fields.length !== 1) continue;
      const cutoff = now - seconds * 1000;
      if (index.nextExpiryMs !== undefined && index.nextExpiryMs > cutoff) continue;
      const field = index.fields[0];
      const expired = [];
      let next = Infinity;
      for (const doc of coll.docs.values()) {
        const date = earliestDateMs(doc, field);
        if (date <= cutoff) expired.push(doc);
        else if (date < next) next = date;
      }
      index.nextExpiryMs = next;
      if (expired.length === 0) continue;
      const view = new DirectCollectionView(engine, coll.db, coll.name);
      for (const doc of expired) {
        if (view.get(doc._id) === doc) {
          view.remove(doc);
          removed += 1;
        } else {
          index.nextExpiryMs = undefined; // not removed: scan again next time
        }
      }
    }
  }
  return removed;
}
