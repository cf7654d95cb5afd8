import fc from 'fast-check';
import { WatermarkTracker } from './checkpoint.watermark';

describe(WatermarkTracker.name, () => {
  it('reports nothing before anything is received or while the first event is unsettled', () => {
    const tracker = new WatermarkTracker();
    expect(tracker.watermark()).toBeNull();
    const first = tracker.receiveEvent('t1');
    tracker.receiveEvent('t2');
    tracker.settle(2);
    expect(tracker.watermark()).toBeNull();
    tracker.settle(first);
    expect(tracker.watermark()).toEqual({ seq: 2, token: 't2' });
  });

  it('stops at the oldest unsettled event', () => {
    const tracker = new WatermarkTracker();
    ['a', 'b', 'c', 'd'].forEach((token) => tracker.receiveEvent(token));
    tracker.settle(1);
    tracker.settle(3);
    tracker.settle(4);
    expect(tracker.watermark()).toEqual({ seq: 1, token: 'a' });
    tracker.settle(2);
    expect(tracker.watermark()).toEqual({ seq: 4, token: 'd' });
  });

  it('moves to an idle token at once when nothing is in flight', () => {
    const tracker = new WatermarkTracker();
    tracker.receiveIdle('pbrt-1');
    expect(tracker.watermark()).toEqual({ seq: 1, token: 'pbrt-1' });
  });

  it('holds an idle token back until the events before it settle', () => {
    const tracker = new WatermarkTracker();
    tracker.receiveEvent('e1');
    tracker.receiveIdle('pbrt-2');
    tracker.receiveEvent('e3');
    expect(tracker.watermark()).toBeNull();
    tracker.settle(1);
    expect(tracker.watermark()).toEqual({ seq: 2, token: 'pbrt-2' });
  });

  it('ignores settling twice or an unknown sequence number', () => {
    const tracker = new WatermarkTracker();
    tracker.receiveEvent('e1');
    expect(tracker.settle(1)).toBe(true);
    expect(tracker.settle(1)).toBe(false);
    expect(tracker.settle(42)).toBe(false);
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
        const tracker = new WatermarkTracker();
        const settled: boolean[] = [];
        const unsettled: number[] = [];
        for (const cmd of commands) {
          if (cmd.kind === 'settle') {
            if (unsettled.length === 0) {
              continue;
            }
            const [seq] = unsettled.splice(cmd.pick % unsettled.length, 1);
            tracker.settle(seq);
            settled[seq - 1] = true;
          } else {
            const token = `token-${settled.length + 1}`;
            const seq =
              cmd.kind === 'event' ? tracker.receiveEvent(token) : tracker.receiveIdle(token);
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
