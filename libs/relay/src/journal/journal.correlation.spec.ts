import { Long, ObjectId, UUID } from 'bson';
import type { RawChangeEvent } from '../source/change-event.mapper';
import {
  correlationOf,
  correlationText,
  inSample,
  traceparentOf,
  valueAtPath,
} from './journal.correlation';

const event = (extra: Record<string, unknown>): RawChangeEvent => ({
  _id: { _data: '82AA' },
  operationType: 'insert',
  ...extra,
});

describe('journal correlation', () => {
  it('reads dotted paths, array indexes included', () => {
    const root = { fullDocument: { order: { id: 7 }, lines: [{ sku: 'a' }] } };
    expect(valueAtPath(root, 'fullDocument.order.id')).toBe(7);
    expect(valueAtPath(root, 'fullDocument.lines.0.sku')).toBe('a');
    expect(valueAtPath(root, 'fullDocument.nope.id')).toBeUndefined();
  });

  it('turns BSON values into stable text', () => {
    const id = new ObjectId();
    expect(correlationText(id)).toBe(id.toHexString());
    expect(correlationText(Long.fromNumber(42))).toBe('42');
    expect(correlationText(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(correlationText({ a: 1 })).toBe('{"a":1}');
    expect(correlationText(null)).toBeNull();
  });

  it('takes the id path first, then the transaction, then the event id', () => {
    const settings = { idPath: 'fullDocument.orderId', processPath: 'fullDocument.flow' };
    const lsid = { id: new UUID('7b0e2ad8-4c33-4f9a-9d65-5f2c1e0a9b11') };
    expect(
      correlationOf(
        event({ fullDocument: { orderId: 'o-1', flow: 'checkout' }, lsid, txnNumber: 3 }),
        'e1',
        settings,
      ),
    ).toEqual({ correlationId: 'o-1', processId: 'checkout' });
    expect(correlationOf(event({ fullDocument: {}, lsid, txnNumber: 3 }), 'e1', settings)).toEqual({
      correlationId: 'txn:7b0e2ad84c334f9a9d655f2c1e0a9b11:3',
      processId: null,
    });
    expect(correlationOf(event({}), 'e1', undefined)).toEqual({
      correlationId: 'e1',
      processId: null,
    });
  });

  it('derives a valid W3C traceparent whose trace id depends only on the correlation id', () => {
    const first = traceparentOf('order-1', 'event-a', 1);
    const retry = traceparentOf('order-1', 'event-a', 2);
    const other = traceparentOf('order-1', 'event-b', 1);
    for (const value of [first, retry, other]) {
      expect(value).toMatch(/^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-01$/);
    }
    expect(retry.split('-')[1]).toBe(first.split('-')[1]);
    expect(other.split('-')[1]).toBe(first.split('-')[1]);
    expect(retry.split('-')[2]).not.toBe(first.split('-')[2]);
    expect(traceparentOf('order-2', 'event-a', 1).split('-')[1]).not.toBe(first.split('-')[1]);
  });

  it('samples whole processes, deterministically, close to the rate', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `order-${i}`);
    const kept = ids.filter((id) => inSample(id, 0.25));
    expect(kept.length / ids.length).toBeGreaterThan(0.22);
    expect(kept.length / ids.length).toBeLessThan(0.28);
    expect(ids.filter((id) => inSample(id, 0.25))).toEqual(kept);
    expect(ids.every((id) => inSample(id, 1))).toBe(true);
  });
});
