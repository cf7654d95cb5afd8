import type { DeliveryEvent, HandlerContext as EngineContext } from '@app/delivery';
import { buildSubscription } from '../../test/support/subscription.fixture';
import type { ChangeEventEnvelope } from '../handlers/change-event.envelope';
import type { HandlerContext } from '../handlers/handler.types';
import type { RawChangeEvent } from '../source/change-event.mapper';
import { engineHandlerFor } from './delivery-adapters';

function event(orderId: string, n: number): DeliveryEvent<RawChangeEvent> {
  return {
    seq: n,
    receivedAt: 0,
    token: { _data: `82${n}` },
    key: `{"_id":${n}}`,
    attempt: 1,
    payload: {
      _id: { _data: `82${n}` },
      operationType: 'insert',
      ns: { db: 'shop', coll: 'orders' },
      documentKey: { _id: n },
      fullDocument: { _id: n, orderId },
    },
  };
}

/** An engine context that counts how often its signal is read. */
function engineContext(): EngineContext & { signalReads: number } {
  const controller = new AbortController();
  const ctx = {
    signalReads: 0,
    attempt: 2,
    get signal() {
      ctx.signalReads += 1;
      return controller.signal;
    },
  };
  return ctx;
}

describe('engineHandlerFor', () => {
  const subscription = buildSubscription({ correlation: { idPath: 'fullDocument.orderId' } });

  it('gives a one-event handler each event with its own correlation id, signal and attempt', async () => {
    const seen: Array<{ envelope: ChangeEventEnvelope; ctx: HandlerContext }> = [];
    const handler = engineHandlerFor(
      subscription,
      {
        handle: async (envelope, ctx) =>
          void seen.push({
            envelope,
            ctx: { ...ctx, signal: ctx.signal, correlationIds: ctx.correlationIds },
          }),
      },
      false,
    );
    const ctx = engineContext();
    await handler([event('order-1', 1), event('order-2', 2)], ctx);
    expect(seen.map(({ envelope }) => envelope.documentKey)).toEqual([{ _id: 1 }, { _id: 2 }]);
    // Read during the call: each call's own.
    expect(seen.map(({ ctx }) => ctx.correlationIds)).toEqual([['order-1'], ['order-2']]);
    expect(seen.every(({ ctx }) => ctx.attempt === 2 && ctx.signal instanceof AbortSignal)).toBe(
      true,
    );
  });

  it('reads neither the signal nor the correlation ids for a handler that does not', async () => {
    const handler = engineHandlerFor(subscription, { handle: async () => undefined }, false);
    const ctx = engineContext();
    await handler([event('order-1', 1)], ctx);
    expect(ctx.signalReads).toBe(0);
  });

  it('gives a batch handler the correlation ids in the order of its events', async () => {
    let ids: readonly string[] | undefined;
    const handler = engineHandlerFor(
      subscription,
      { handleBatch: async (_envelopes, ctx) => void (ids = ctx.correlationIds) },
      false,
    );
    await handler([event('order-1', 1), event('order-2', 2), event('order-1', 3)], engineContext());
    expect(ids).toEqual(['order-1', 'order-2', 'order-1']);
  });
});
