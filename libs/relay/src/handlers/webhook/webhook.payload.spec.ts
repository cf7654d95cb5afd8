import { Decimal128, Long, ObjectId, Timestamp } from 'bson';
import { toEnvelope, type RawChangeEvent } from '../../source/change-event.mapper';
import { buildSubscription } from '../../../test/support/subscription.fixture';
import { batchId, envelopeToJson, webhookMessage } from './webhook.payload';

const subscription = buildSubscription({ name: 'orders-sync', serviceName: 'orders' });

function updateEvent(): RawChangeEvent {
  const id = new ObjectId('65a1b2c3d4e5f60718293a4b');
  return {
    _id: { _data: '8265A1B2C3000000012B042C0100296E5A1004' },
    operationType: 'update',
    ns: { db: 'shop', coll: 'orders' },
    documentKey: { _id: id },
    fullDocument: {
      _id: id,
      total: Decimal128.fromString('12.50'),
      qty: 3,
      big: Long.fromNumber(42),
    },
    updateDescription: { updatedFields: { qty: 3 }, removedFields: ['note'], truncatedArrays: [] },
    clusterTime: new Timestamp({ t: 1705099971, i: 1 }),
    wallTime: new Date('2024-01-12T22:52:51.000Z'),
  };
}

describe('webhook payload', () => {
  it('serialises the envelope as relaxed Extended JSON v2', () => {
    const json = JSON.parse(
      JSON.stringify(envelopeToJson(toEnvelope(updateEvent(), subscription, 2))),
    );
    expect(json).toEqual({
      id: '8265A1B2C3000000012B042C0100296E5A1004',
      subscription: 'orders-sync',
      service: 'orders',
      operationType: 'update',
      ns: { db: 'shop', coll: 'orders' },
      documentKey: { _id: { $oid: '65a1b2c3d4e5f60718293a4b' } },
      fullDocument: {
        _id: { $oid: '65a1b2c3d4e5f60718293a4b' },
        total: { $numberDecimal: '12.50' },
        qty: 3,
        big: 42,
      },
      updateDescription: {
        updatedFields: { qty: 3 },
        removedFields: ['note'],
        truncatedArrays: [],
      },
      clusterTime: { $timestamp: { t: 1705099971, i: 1 } },
      wallTime: { $date: '2024-01-12T22:52:51Z' },
      attempt: 2,
    });
  });

  it('leaves out fields the change event does not have', () => {
    const envelope = toEnvelope(
      {
        _id: { _data: '82AA' },
        operationType: 'delete',
        ns: { db: 'shop', coll: 'orders' },
        documentKey: { _id: 7 },
      },
      subscription,
      1,
    );
    expect(Object.keys(envelope).sort()).toEqual(
      ['attempt', 'documentKey', 'id', 'ns', 'operationType', 'service', 'subscription'].sort(),
    );
  });

  it('sends one event as the body itself and a batch as {events: [...]}', () => {
    const first = toEnvelope(updateEvent(), subscription, 1);
    const second = { ...first, id: '82BB' };
    const single = webhookMessage([first], false);
    expect(single.id).toBe(first.id);
    expect(JSON.parse(single.body)).toMatchObject({ id: first.id, operationType: 'update' });

    const batch = webhookMessage([first, second], true);
    expect(JSON.parse(batch.body).events.map((e: { id: string }) => e.id)).toEqual([
      first.id,
      '82BB',
    ]);
    expect(batch.id).toBe(batchId([first.id, '82BB']));
    expect(webhookMessage([first, second], true).id).toBe(batch.id);
    expect(webhookMessage([second, first], true).id).not.toBe(batch.id);
    expect(() => webhookMessage([first, second], false)).toThrow(/exactly one event/);
  });
});
