import { highWaterMark } from './resume-token';
import { LogicalClock } from './logical-clock';
import { entryPosition, Oplog, OplogEntry } from './oplog';

function fill(oplog: Oplog, clock: LogicalClock, count: number): OplogEntry[] {
  const appended: OplogEntry[] = [];
  for (let n = 0; n < count; n += 1) {
    appended.push(
      ...oplog.appendCommit(clock.tick(), [
        { op: 'insert', db: 'db', coll: 'c', documentKey: { _id: n } },
      ]),
    );
  }
  return appended;
}

describe(Oplog.name, () => {
  it('keeps only the newest entries and remembers the newest dropped position', () => {
    const clock = new LogicalClock();
    const oplog = new Oplog(10);
    const appended = fill(oplog, clock, 10_000);
    expect(oplog.nextSeq).toBe(10_000);
    expect(oplog.firstSeq).toBe(9_990);
    expect(oplog.get(9_989)).toBeUndefined();
    expect(oplog.get(9_990)?.documentKey).toEqual({ _id: 9_990 });
    expect(oplog.get(9_999)?.documentKey).toEqual({ _id: 9_999 });
    expect(oplog.lastDropped).toEqual(entryPosition(appended[9_989]));
  });

  it('finds the entry after a position by binary search, across compactions', () => {
    const clock = new LogicalClock();
    const oplog = new Oplog(5_000);
    fill(oplog, clock, 20_000);
    for (const seq of [15_000, 15_001, 17_777, 19_999]) {
      const entry = oplog.get(seq);
      expect(entry).toBeDefined();
      expect(oplog.seqAfter(entryPosition(entry!))).toBe(seq + 1);
      expect(oplog.contains(entryPosition(entry!))).toBe(true);
    }
    expect(oplog.seqAfter(highWaterMark(clock.now()))).toBe(20_000);
  });

  it('gives the ops of one commit one cluster time and consecutive op indexes', () => {
    const clock = new LogicalClock();
    const oplog = new Oplog(100);
    const entries = oplog.appendCommit(clock.tick(), [
      { op: 'insert', db: 'db', coll: 'c' },
      { op: 'delete', db: 'db', coll: 'c' },
    ]);
    expect(entries.map((entry) => entry.opIndex)).toEqual([0, 1]);
    expect(entries[0].time).toEqual(entries[1].time);
  });

  it('wakes waiters on append', async () => {
    const clock = new LogicalClock();
    const oplog = new Oplog(100);
    const waiting = oplog.waitForAppend(new AbortController().signal);
    fill(oplog, clock, 1);
    await expect(waiting).resolves.toBeUndefined();
  });
});
