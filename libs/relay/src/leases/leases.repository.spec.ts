import { MongooseModule } from '@nestjs/mongoose';
import { Test, type TestingModule } from '@nestjs/testing';
import { sharedBackendUri, uniqueDbName } from '@app/testing';
import { RELAY_MODEL_DEFINITIONS } from '../module/relay-models';
import { LeasesRepository } from './leases.repository';
import { RELEASED_AT } from './lease.types';

describe(LeasesRepository.name, () => {
  let moduleRef: TestingModule;
  let leases: LeasesRepository;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        MongooseModule.forRoot(sharedBackendUri(), { dbName: uniqueDbName('meta') }),
        MongooseModule.forFeature(RELAY_MODEL_DEFINITIONS),
      ],
      providers: [LeasesRepository],
    }).compile();
    leases = moduleRef.get(LeasesRepository);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  it('gives a held lease to no one else, and a released one to the next taker with a greater token', async () => {
    const first = (await leases.tryAcquire('l-1', 'a', 10_000))!;
    expect(first).toMatchObject({ subscription: 'l-1', owner: 'a', status: { state: 'starting' } });
    expect(await leases.tryAcquire('l-1', 'b', 10_000)).toBeNull();

    const renewed = await leases.renew('l-1', 'a', first.token, 10_000);
    expect(renewed!.expiresAt.getTime()).toBeGreaterThanOrEqual(first.expiresAt.getTime());
    expect(await leases.holds('l-1', first.token)).toBe(true);
    expect(
      await leases.setStatus('l-1', first.token, {
        state: 'running',
        lastError: { message: 'boom', at: new Date() },
        updatedAt: new Date(),
      }),
    ).toBe(true);
    expect(await leases.release('l-1', 'a', first.token)).toBe(true);
    expect((await leases.find('l-1'))?.expiresAt).toEqual(RELEASED_AT);

    const second = (await leases.tryAcquire('l-1', 'b', 10_000))!;
    expect(second.owner).toBe('b');
    expect(second.token).toBe(first.token + 1);
    // A new owner starts with a fresh state: the lease holds ownership and state only.
    expect(second.status).toEqual({ state: 'starting', updatedAt: expect.any(Date) });
    expect(await leases.holds('l-1', first.token)).toBe(false);
    expect(await leases.renew('l-1', 'a', first.token, 10_000)).toBeNull();
    expect(await leases.release('l-1', 'a', first.token)).toBe(false);
  });

  it('lets the same owner take its own lease again (a restart) with a new token', async () => {
    const first = (await leases.tryAcquire('l-2', 'a', 10_000))!;
    const again = (await leases.tryAcquire('l-2', 'a', 10_000))!;
    expect(again.token).toBe(first.token + 1);
  });

  it('starts tokens above those of a deleted lease of the same name', async () => {
    const first = (await leases.tryAcquire('l-3', 'a', 10_000))!;
    await leases.delete('l-3');
    const recreated = (await leases.tryAcquire('l-3', 'a', 10_000))!;
    expect(recreated.token).toBeGreaterThanOrEqual(first.token);
    expect(await leases.find('l-3')).toMatchObject({ token: recreated.token });
  });

  it('lets exactly one of many concurrent takers win', async () => {
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((owner) => leases.tryAcquire('l-4', owner, 10_000)),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });
});
