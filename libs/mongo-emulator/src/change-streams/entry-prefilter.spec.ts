import type { OplogEntry } from '../oplog/oplog';
import { entryPrefilter } from './entry-prefilter';

function entry(op: OplogEntry['op'], db: string, coll?: string): OplogEntry {
  return { op, db, coll } as OplogEntry;
}

describe(entryPrefilter.name, () => {
  const orders = entry('insert', 'shop', 'orders');
  const journal = entry('insert', 'shop', 'event_journal');
  const orderUpdate = entry('update', 'shop', 'orders');

  it('reads equality, $eq and $in of strings on ns.db, ns.coll and operationType', () => {
    expect(entryPrefilter({ 'ns.coll': 'orders' })!(journal)).toBe(false);
    expect(entryPrefilter({ 'ns.coll': { $eq: 'orders' } })!(orders)).toBe(true);
    expect(entryPrefilter({ 'ns.db': { $in: ['shop', 'x'] } })!(orders)).toBe(true);
    expect(entryPrefilter({ 'ns.db': { $in: ['x'] } })!(orders)).toBe(false);
    expect(entryPrefilter({ operationType: 'insert' })!(orderUpdate)).toBe(false);
  });

  it('combines $and and top-level fields as all, $or as any', () => {
    const test = entryPrefilter({
      $or: [{ 'ns.coll': 'orders', operationType: 'update' }, { 'ns.coll': 'subscriptions' }],
      'ns.db': 'shop',
    })!;
    expect(
      [orders, orderUpdate, journal, entry('delete', 'shop', 'subscriptions')].map(test),
    ).toEqual([false, true, false, true]);
    expect(
      entryPrefilter({ $and: [{ 'ns.coll': 'orders' }, { operationType: 'insert' }] })!(
        orderUpdate,
      ),
    ).toBe(false);
  });

  it('constrains nothing it cannot read exactly (other operators, fields, or an $or branch)', () => {
    expect(entryPrefilter({ 'fullDocument.total': { $gt: 5 } })).toBeUndefined();
    expect(entryPrefilter({ 'ns.coll': { $regex: '^ord' } })).toBeUndefined();
    expect(entryPrefilter({ 'ns.coll': { $in: ['orders', 5] } })).toBeUndefined();
    expect(entryPrefilter({ 'ns.coll': { $ne: 'orders' } })).toBeUndefined();
    expect(
      entryPrefilter({ $or: [{ 'ns.coll': 'orders' }, { 'fullDocument.x': 1 }] }),
    ).toBeUndefined();
    expect(entryPrefilter({ constructor: 'orders', toString: 'x' })).toBeUndefined();
  });

  it('lets every DDL entry through (its event is not the entry: drop, rename, invalidate)', () => {
    const test = entryPrefilter({ 'ns.coll': 'orders', operationType: 'insert' })!;
    expect(test(entry('drop', 'shop', 'event_journal'))).toBe(true);
    expect(test(entry('rename', 'shop', 'other'))).toBe(true);
    expect(test(entry('dropDatabase', 'shop'))).toBe(true);
  });
});
