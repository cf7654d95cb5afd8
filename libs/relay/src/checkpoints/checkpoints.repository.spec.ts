import { MongooseModule } from '@nestjs/mongoose';
import { Test, type TestingModule } from '@nestjs/testing';
import { sharedBackendUri, uniqueDbName, waitFor } from '@app/testing';
import { Timestamp } from 'bson';
import { LeasesRepository } from '../leases/leases.repository';
import { RELAY_MODEL_DEFINITIONS } from '../module/relay-models';
import { CheckpointsRepository } from './checkpoints.repository';

describe(CheckpointsRepository.name, () => {
  let moduleRef: TestingModule;
  let checkpoints: CheckpointsRepository;
  let leases: LeasesRepository;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        MongooseModule.forRoot(sharedBackendUri(), { dbName: uniqueDbName('meta') }),
        MongooseModule.forFeature(RELAY_MODEL_DEFINITIONS),
      ],
      providers: [CheckpointsRepository, LeasesRepository],
    }).compile();
    checkpoints = moduleRef.get(CheckpointsRepository);
    leases = moduleRef.get(LeasesRepository);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  const position = (data: string) => ({
    resumeToken: { _data: data },
    clusterTime: new Timestamp({ t: 1_700_000_000, i: 1 }),
    startAtOperationTime: new Timestamp({ t: 1_699_999_999, i: 0 }),
  });

  it('writes for the current lease holder and reads back the BSON types', async () => {
    const lease = (await leases.tryAcquire('cp-1', 'a', 10_000))!;
    expect((await checkpoints.claim('cp-1', lease.token)).checkpoint).toBeNull();
    expect(await checkpoints.save('cp-1', position('8201'), lease.token)).toBe(true);
    const stored = await checkpoints.find('cp-1');
    expect(stored).toMatchObject({
      subscription: 'cp-1',
      resumeToken: { _data: '8201' },
      leaseToken: lease.token,
    });
    expect(stored?.clusterTime).toBeInstanceOf(Timestamp);
    expect(stored?.clusterTime?.t).toBe(1_700_000_000);
    expect(stored?.startAtOperationTime?.t).toBe(1_699_999_999);
  });

  it("refuses an old owner's write once a new owner took the lease and claimed the checkpoint", async () => {
    const old = (await leases.tryAcquire('cp-2', 'a', 1))!;
    expect(await checkpoints.save('cp-2', position('8201'), old.token)).toBe(true);
    await waitUntilExpired(old.expiresAt);

    const next = (await leases.tryAcquire('cp-2', 'b', 10_000))!;
    expect(next.token).toBeGreaterThan(old.token);
    const claim = await checkpoints.claim('cp-2', next.token);
    expect(claim).toMatchObject({ claimed: true, checkpoint: { resumeToken: { _data: '8201' } } });

    expect(await checkpoints.save('cp-2', position('8299'), old.token)).toBe(false);
    expect((await checkpoints.find('cp-2'))?.resumeToken).toEqual({ _data: '8201' });
    expect(await checkpoints.save('cp-2', position('8202'), next.token)).toBe(true);
    expect(await checkpoints.find('cp-2')).toMatchObject({
      resumeToken: { _data: '8202' },
      leaseToken: next.token,
    });
  });

  it('refuses a write whose lease token is no longer current, even before any claim', async () => {
    const old = (await leases.tryAcquire('cp-3', 'a', 1))!;
    await waitUntilExpired(old.expiresAt);
    const next = (await leases.tryAcquire('cp-3', 'b', 10_000))!;
    expect(await checkpoints.save('cp-3', position('8201'), old.token)).toBe(false);
    expect(await checkpoints.find('cp-3')).toBeNull();
    expect(await checkpoints.save('cp-3', position('8202'), next.token)).toBe(true);
  });

  it('refuses a claim by an older token', async () => {
    const lease = (await leases.tryAcquire('cp-4', 'a', 10_000))!;
    await checkpoints.save('cp-4', position('8201'), lease.token);
    expect((await checkpoints.claim('cp-4', lease.token - 1)).claimed).toBe(false);
    expect((await checkpoints.claim('cp-4', lease.token)).claimed).toBe(true);
  });

  it('refuses writes after the lease was deleted with its subscription', async () => {
    const lease = (await leases.tryAcquire('cp-5', 'a', 10_000))!;
    await leases.delete('cp-5');
    await checkpoints.delete('cp-5');
    expect(await checkpoints.save('cp-5', position('8201'), lease.token)).toBe(false);
    expect(await checkpoints.find('cp-5')).toBeNull();
  });
});

/** Leases are compared with the clock: wait (by condition) until this one is in the past. */
async function waitUntilExpired(expiresAt: Date): Promise<void> {
  await waitFor(() => Date.now() > expiresAt.getTime(), {
    intervalMs: 1,
    description: 'the lease to expire',
  });
}
