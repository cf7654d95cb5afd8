import fc from 'fast-check';
import { WatermarkTracker, type TrackedEvent } from './checkpoint.watermark';

/** A tracker whose events are received by token and settled by sequence number. */
class Tracker extends WatermarkTracker {
  private readonly events = new Map<number, TrackedEvent>();

  receive(token: string): number {
    const event: TrackedEvent = {
      seq: this.nextSeq,
      previousToken: undefined,
      older: undefined,
      newer: undefined,
      unsettled: false,
    };
    this.receiveEvent(event, token);
    this.events.set(event.seq, event);
    return event.seq;
  }

  settleSeq(seq: number): boolean {
    const event = this.events.get(seq);
    return event !== undefined && this.settle(event);
  }
}

describe(WatermarkTracker.name, () => {
  it('refuses an event out of sequence', () => {
    const tracker = new Tracker();
    tracker.receive('t1');
    const event = {
      seq: 5,
      previousToken: undefined,
      older: undefined,
      newer: undefined,
      unsettled: false,
    };
    expect(() => tracker.receiveEvent(event, 't5')).toThrow('Expected event 2, got 5');
  });

  it('reports nothing before anything is received or while the first event is unsettled', () => {
    const tracker = new Tracker();
    expect(tracker.watermark()).toBeNull();
    const first = tracker.receive('t1');
    tracker.receive('t2');
    tracker.settleSeq(2);
    expect(tracker.watermark()).toBeNull();
    tracker.settleSeq(first);
    expect(tracker.watermark()).toEqual({ seq: 2, token: 't2' });
  });

  it('stops at the oldest unsettled event', () => {
    const tracker = new Tracker();
    ['a', 'b', 'c', 'd'].forEach((token) => tracker.receive(token));
    tracker.settleSeq(1);
    tracker.settleSeq(3);
    tracker.settleSeq(4);
    expect(tracker.watermark()).toEqual({ seq: 1, token: 'a' });
    tracker.settleSeq(2);
    expect(tracker.watermark()).toEqual({ seq: 4, token: 'd' });
  });

  it('moves to an idle token at once when nothing is in flight', () => {
    const tracker = new Tracker();
    tracker.receiveIdle('pbrt-1');
    expect(tracker.watermark()).toEqual({ seq: 1, token: 'pbrt-1' });
  });

  it('holds an idle token back until the events before it settle', () => {
    const tracker = new Tracker();
    tracker.receive('e1');
    tracker.receiveIdle('pbrt-2');
    tracker.receive('e3');
    expect(tracker.watermark()).toBeNull();
    tracker.settleSeq(1);
    expect(tracker.watermark()).toEqual({ seq: 2, token: 'pbrt-2' });
  });

  it('ignores settling twice or an unknown sequence number', () => {
    const tracker = new Tracker();
    tracker.receive('e1');
    expect(tracker.settleSeq(1)).toBe(true);
    expect(tracker.settleSeq(1)).toBe(false);
    expect(tracker.settleSeq(42)).toBe(false);
    expect(tracker.unsettledCount).toBe(0);
  });

  it('always equals the longest settled prefix of a model, for any receive/settle order', () => {
    // Commands: receive an event, receive an idle token, or settle the i-th unsettled event.
    const command = fc.oneof(
      fc.constant({ kind: 'event' as const }),
      fc.constant({ kind: 'idle' as const }),
      fc.record({ kind: fc.constant('settle' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 200 }), (commands) => {
        const tracker = new Tracker();
        const settled: boolean[] = [];
        const unsettled: number[] = [];
        for (const cmd of commands) {
          if (cmd.kind === 'settle') {
            if (unsettled.length === 0) {
              continue;
            }
            const [seq] = unsettled.splice(cmd.pick % unsettled.length, 1);
            tracker.settleSeq(seq);
            settled[seq - 1] = true;
          } else {
            const token = `token-${settled.length + 1}`;
            const seq = cmd.kind === 'event' ? tracker.receive(token) : tracker.receiveIdle(token);
            settled.push(cmd.kind === 'idle');
            if (cmd.kind === 'event') {
              unsettled.push(seq);
            }
          }
          const prefix = settled.indexOf(false) === -1 ? settled.length : settled.indexOf(false);
          expect(tracker.watermark()).toEqual(
            prefix === 0 ? null : { seq: prefix, token: `token-${prefix}` },
          );
          expect(tracker.unsettledCount).toBe(unsettled.length);
        }
      }),
    );
  });
});
