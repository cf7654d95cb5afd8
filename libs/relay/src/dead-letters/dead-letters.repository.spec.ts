import { MongooseModule } from '@nestjs/mongoose';
import { Test, type TestingModule } from '@nestjs/testing';
import { sharedBackendUri, uniqueDbName } from '@app/testing';
import { RELAY_MODEL_DEFINITIONS } from '../module/relay-models';
import { DeadLettersRepository, REPLAYS_KEPT, deadLetterId } from './dead-letters.repository';
import type { NewDeadLetter } from './dead-letter.types';

function entry(
  subscription: string,
  n: number,
  overrides: Partial<NewDeadLetter> = {},
): NewDeadLetter {
  const token = `82${String(n).padStart(8, '0')}`;
  return {
    subscription,
    service: 'orders',
    eventId: token,
    event: { _id: { _data: token }, operationType: 'insert', documentKey: { _id: n } },
    key: `k${n % 3}`,
    // Stream order is the cluster time, not the insertion order.
    position: { token, clusterTime: { t: 1_000 + n, i: 1 } },
    attempts: 3,
    error: { name: 'WebhookDeliveryError', message: 'answered 500', httpStatus: 500 },
    retentionDays: 30,
    ...overrides,
  };
}

describe(DeadLettersRepository.name, () => {
  let moduleRef: TestingModule;
  let repository: DeadLettersRepository;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        MongooseModule.forRoot(sharedBackendUri(), { dbName: uniqueDbName('meta') }),
        MongooseModule.forFeature(RELAY_MODEL_DEFINITIONS),
      ],
      providers: [DeadLettersRepository],
    }).compile();
    repository = moduleRef.get(DeadLettersRepository);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  it('updates an entry on a second failure of its event and keeps its first failure and history', async () => {
    await repository.store(entry('again', 1));
    const id = deadLetterId('again', entry('again', 1).eventId);
    expect(await repository.claim(id, 'job-1')).not.toBeNull();
    await repository.recordReplay(id, 'job-1', {
      delivered: false,
      attempts: 3,
      error: { name: 'Error', message: 'still broken' },
    });
    const before = (await repository.find(id))!;
    await repository.store(
      entry('again', 1, { attempts: 5, error: { name: 'TypeError', message: 'second' } }),
    );
    const after = (await repository.find(id))!;
    expect(after).toMatchObject({
      status: 'pending',
      attempts: 5,
      error: { name: 'TypeError', message: 'second' },
      replayCount: 1,
      replays: [{ outcome: 'failed', jobId: 'job-1', error: { message: 'still broken' } }],
      firstFailedAt: before.firstFailedAt,
      service: 'orders',
    });
    expect(after.lastFailedAt.getTime()).toBeGreaterThanOrEqual(before.lastFailedAt.getTime());
    expect(after.expireAt.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });

  it('pages newest first with a total, skipping and repeating nothing while entries arrive', async () => {
    for (let n = 0; n < 7; n += 1) {
      await repository.store(entry('paged', n));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let page = 0;
    do {
      const result = await repository.page({ subscription: 'paged' }, 3, cursor);
      expect(result.total).toBe(7 + page); // one more arrives after each page
      seen.push(...result.items.map((item) => item.eventId));
      cursor = result.nextCursor;
      await repository.store(entry('paged', 100 + page));
      page += 1;
    } while (cursor);
    const expected = [6, 5, 4, 3, 2, 1, 0].map((n) => entry('paged', n).eventId);
    expect(seen).toEqual(expected);
  });

  it('filters by status, error, HTTP status, key, service scope and time', async () => {
    await repository.store(entry('filtered', 1));
    await repository.store(
      entry('filtered', 2, { error: { name: 'TypeError', message: 'x' }, key: 'special' }),
    );
    const count = (filter: Parameters<DeadLettersRepository['count']>[0]) =>
      repository.count({ subscription: 'filtered', ...filter });
    expect(await count({})).toBe(2);
    expect(await count({ errorName: 'TypeError' })).toBe(1);
    expect(await count({ httpStatus: 500 })).toBe(1);
    expect(await count({ key: 'special' })).toBe(1);
    expect(await count({ services: ['billing'] })).toBe(0);
    expect(await count({ services: ['orders', 'billing'], service: 'orders' })).toBe(2);
    expect(await count({ from: new Date(Date.now() + 60_000) })).toBe(0);
    expect(await count({ to: new Date(Date.now() + 60_000) })).toBe(2);
    expect(await count({ status: 'replayed' })).toBe(0);
  });

  it('lets one replay job at a time claim an entry, and discards only pending, unclaimed ones', async () => {
    await repository.store(entry('claims', 1));
    await repository.store(entry('claims', 2));
    const [one, two] = [1, 2].map((n) => deadLetterId('claims', entry('claims', n).eventId));
    const claims = await Promise.all([repository.claim(one, 'a'), repository.claim(one, 'b')]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = claims[0] ? 'a' : 'b';
    expect(await repository.discard(one, 'busy')).toBe('not-pending');
    expect(
      await repository.recordReplay(one, winner === 'a' ? 'b' : 'a', {
        delivered: true,
        attempts: 1,
      }),
    ).toBe(false);
    expect(await repository.recordReplay(one, winner, { delivered: true, attempts: 1 })).toBe(true);
    expect(await repository.find(one)).toMatchObject({ status: 'replayed', replayCount: 1 });
    expect(await repository.claim(one, 'c')).toBeNull();

    expect(await repository.discard(two, 'not needed')).toMatchObject({
      status: 'discarded',
      discardReason: 'not needed',
    });
    expect(await repository.discard(two, 'again')).toBe('not-pending');
    expect(await repository.discard('claims:none', 'x')).toBe('missing');
  });

  it('reads pending entries in stream order, a page at a time', async () => {
    for (const n of [5, 1, 4, 2, 3]) {
      await repository.store(entry('ordered', n));
    }
    const first = await repository.pendingInStreamOrder({ subscription: 'ordered' }, undefined, 3);
    const rest = await repository.pendingInStreamOrder(
      { subscription: 'ordered' },
      first.at(-1)!.streamOrder,
      3,
    );
    expect([...first, ...rest].map((item) => item.event.documentKey)).toEqual(
      [1, 2, 3, 4, 5].map((n) => ({ _id: n })),
    );
  });

  it('sums pending entries by subscription and by error', async () => {
    const summary = await repository.summary({ subscription: 'filtered' });
    expect(summary.bySubscription).toEqual([
      { subscription: 'filtered', service: 'orders', pending: 2 },
    ]);
    expect(summary.byError).toEqual(
      expect.arrayContaining([
        {
          subscription: 'filtered',
          errorName: 'WebhookDeliveryError',
          httpStatus: 500,
          pending: 1,
        },
        { subscription: 'filtered', errorName: 'TypeError', pending: 1 },
      ]),
    );
  });

  it('stores an event too large for a document without its largest fields, and says which', async () => {
    const MiB = 1024 * 1024;
    const big = entry('oversized', 1, {
      error: { name: 'Error', message: 'm'.repeat(4_096), stack: 's'.repeat(16_384) },
    });
    big.event = {
      ...big.event,
      operationType: 'update',
      ns: { db: 'shop', coll: 'orders' },
      fullDocumentBeforeChange: { _id: 1, pad: 'b'.repeat(9 * MiB) },
      fullDocument: { _id: 1, pad: 'a'.repeat(8 * MiB) },
      updateDescription: { updatedFields: { pad: 'a'.repeat(7 * MiB) }, removedFields: [] },
    };
    // 24 MiB: the largest fields go first (the pre-image, then the post-image) until it fits.
    await repository.store(big);
    const stored = (await repository.find(deadLetterId('oversized', big.eventId)))!;
    expect(stored.truncated?.droppedFields).toEqual(['fullDocumentBeforeChange', 'fullDocument']);
    expect(stored.truncated?.eventBytes).toBeGreaterThan(24 * MiB);
    expect(stored.event).toEqual({
      _id: big.event._id,
      operationType: 'update',
      ns: { db: 'shop', coll: 'orders' },
      documentKey: { _id: 1 },
      updateDescription: big.event.updateDescription,
    });
    expect(stored.error.stack).toHaveLength(16_384);

    // An event within the limit is stored whole, with no mark.
    await repository.store(entry('oversized', 2));
    const whole = (await repository.find(
      deadLetterId('oversized', entry('oversized', 2).eventId),
    ))!;
    expect(whole.truncated).toBeUndefined();
    expect(whole.event).toEqual(entry('oversized', 2).event);
  });

  it('keeps the last replays of an entry in its history and counts them all', async () => {
    await repository.store(entry('history', 1));
    const id = deadLetterId('history', entry('history', 1).eventId);
    for (let n = 1; n <= REPLAYS_KEPT + 2; n += 1) {
      expect(await repository.claim(id, `job-${n}`)).not.toBeNull();
      await repository.recordReplay(id, `job-${n}`, {
        delivered: false,
        attempts: 1,
        error: { name: 'Error', message: `failure ${n}` },
      });
    }
    const stored = (await repository.find(id))!;
    expect(stored.replayCount).toBe(REPLAYS_KEPT + 2);
    expect(stored.replays.map((replay) => replay.jobId)).toEqual(
      Array.from({ length: REPLAYS_KEPT }, (_, i) => `job-${i + 3}`),
    );
  });
});
